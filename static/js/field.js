// The field worker's home (grid worker 网格员, mobile team member 流动服务队员): start a
// visit to a village, record business, households and anti-fraud talks during it, end
// it; everything is saved on the phone first and sent when there is a network.
//
// The village is found from the GPS fix inside the village boundaries she pulled; with
// no fix, or a fix outside them, she picks one of her villages, and the screen and the
// visit record both say which ('gps' or 'picked').
import { currentLang } from './i18n.js';
import { formatFen, isoWithOffset, maskCard, shanghaiTime, yuanToFen } from './ledger.js';
import * as fstore from './field-store.js';
import { villageAt } from './field-geo.js';
import { FIELD_ROLES, isFieldUser } from './roles.js';
import { syncField } from './field-sync.js';

export { FIELD_ROLES, isFieldUser };

const CHANNEL_OF = { grid_worker: 'grid', field_agent: 'mobile' };
const KINDS = ['withdrawal', 'balance_inquiry', 'transfer', 'cash_remittance', 'bill_payment',
  'card_repayment', 'mobile_banking', 'social_security'];
const NO_AMOUNT = new Set(['balance_inquiry', 'mobile_banking', 'social_security']);
const REQUEST_CATEGORIES = ['card_service', 'cash_service', 'fraud_report', 'complaint', 'credit',
  'social_security', 'other'];
const REQUEST_DAYS = 7; // default deadline: a week, as the bank's 限时办结 asks
const TICK_MS = 60_000;
const FIX_TIMEOUT_MS = 10_000;

const WORDS = {
  zh: {
    title_grid: '网格员入村走访', title_mobile: '流动服务走访',
    start: '开始走访', locating: '正在定位…', end: '结束走访',
    found_gps: '按定位确定：{v}', pick_no_fix: '未取得定位，请从您的村中选择',
    pick_outside: '定位不在已下载的村界内，请从您的村中选择', start_picked: '在所选村开始走访',
    visiting: '走访中：{v}', by_gps: '按定位', by_pick: '手选', since: '{t} 开始',
    households: '已走访农户', households_unit: '户', add_household: '+1 户', remove_household: '−1',
    business: '入村业务', kind: '业务类型', amount: '金额（元）', card_bin: '卡号前 6 位',
    card_last4: '卡号后 4 位', save_business: '保存业务',
    talk: '反诈宣传', topic: '宣传主题', attendance: '参加人数', save_talk: '保存宣传',
    saved: '已保存', pending: '待同步', pending_count: '{n} 条待同步', all_synced: '全部已同步',
    refused: '被退回', sync_now: '立即同步', syncing: '正在同步…', sign_out: '退出登录',
    alerts: '风险提示', ack: '已阅读，确认', acked: '已确认', type_alert_ack: '确认风险提示', no_villages: '尚未下载村界，请联网同步一次',
    err_amount: '金额格式不对，例如 500 或 88.50', err_card: '卡号只填前 6 位和后 4 位数字',
    err_topic: '请填写宣传主题', err_attendance: '请填写参加人数',
    request: '村民诉求', category: '类别', request_text: '诉求内容', deadline: '办结期限',
    save_request: '保存诉求', err_request_text: '请填写诉求内容', type_request: '诉求',
    cat_card_service: '银行卡业务', cat_cash_service: '取款服务', cat_fraud_report: '涉诈举报',
    cat_complaint: '投诉', cat_credit: '贷款信用', cat_social_security: '社保医保', cat_other: '其他',
    type_visit: '走访', type_fraud_talk: '反诈宣传', type_ledger_entry: '业务',
    kind_withdrawal: '取款', kind_balance_inquiry: '余额查询', kind_transfer: '转账汇款',
    kind_cash_remittance: '现金汇款', kind_bill_payment: '代理缴费', kind_card_repayment: '信用卡还款',
    kind_mobile_banking: '手机银行开通', kind_social_security: '社保卡业务',
  },
  en: {
    title_grid: 'Grid worker visits', title_mobile: 'Mobile service visits',
    start: 'Start visit', locating: 'Locating…', end: 'End visit',
    found_gps: 'By GPS: {v}', pick_no_fix: 'No GPS fix: pick one of your villages',
    pick_outside: 'Fix outside your villages: pick one', start_picked: 'Start visit here',
    visiting: 'Visiting {v}', by_gps: 'by GPS', by_pick: 'picked', since: 'since {t}',
    households: 'Households visited', households_unit: '', add_household: '+1', remove_household: '−1',
    business: 'Business', kind: 'Kind', amount: 'Amount (yuan)', card_bin: 'Card BIN (6)',
    card_last4: 'Last 4', save_business: 'Save business',
    talk: 'Anti-fraud talk', topic: 'Topic', attendance: 'Attendance', save_talk: 'Save talk',
    saved: 'Saved', pending: 'Waiting', pending_count: '{n} waiting to sync', all_synced: 'All synced',
    refused: 'Refused', sync_now: 'Sync now', syncing: 'Syncing…', sign_out: 'Sign out',
    alerts: 'Risk alerts', ack: 'Read: acknowledge', acked: 'Acknowledged', type_alert_ack: 'Alert acknowledged', no_villages: 'No village boundaries yet: sync once online',
    err_amount: 'Amount like 500 or 88.50', err_card: 'Card: first 6 and last 4 digits only',
    err_topic: 'Topic required', err_attendance: 'Attendance required',
    request: "Villager's request", category: 'Category', request_text: 'What is asked', deadline: 'Deadline',
    save_request: 'Save request', err_request_text: 'Write what is asked', type_request: 'Request',
    cat_card_service: 'Card service', cat_cash_service: 'Cash service', cat_fraud_report: 'Fraud report',
    cat_complaint: 'Complaint', cat_credit: 'Credit', cat_social_security: 'Social security', cat_other: 'Other',
    type_visit: 'Visit', type_fraud_talk: 'Talk', type_ledger_entry: 'Business',
    kind_withdrawal: 'Withdrawal', kind_balance_inquiry: 'Balance inquiry', kind_transfer: 'Transfer',
    kind_cash_remittance: 'Cash remittance', kind_bill_payment: 'Bill payment',
    kind_card_repayment: 'Card repayment', kind_mobile_banking: 'Mobile banking sign-up',
    kind_social_security: 'Social security card',
  },
};

function w(key, vars = {}) {
  const text = (WORDS[currentLang()] || WORDS.zh)[key] ?? WORDS.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const state = { session: null, deviceId: null, syncing: false, picking: null, message: '' };

/** Take over the page for a signed-in field worker. */
export async function startField(session, deviceId, { onSignOut }) {
  state.session = session;
  state.deviceId = deviceId;
  state.onSignOut = onSignOut;
  let root = document.getElementById('view-field');
  if (!root) {
    root = document.createElement('section');
    root.id = 'view-field';
    root.className = 'view field';
    document.getElementById('app').append(root);
    root.addEventListener('click', onClick);
    root.addEventListener('submit', onSubmit);
    window.addEventListener('online', () => sync());
    setInterval(() => { sync(); }, TICK_MS);
  }
  for (const view of document.querySelectorAll('.view')) view.hidden = view !== root;
  document.getElementById('tabs').hidden = true;
  document.getElementById('booting').hidden = true;
  addStyle();
  await render();
  sync();
}

async function sync() {
  if (state.syncing || !state.session) return;
  state.syncing = true;
  await render({ full: false });
  try {
    await syncField(state.session, state.deviceId);
  } finally {
    state.syncing = false;
    // Only the banner and the lists: a form she is filling in keeps what she typed.
    await render({ full: false });
  }
}

/** The few rules the field screens add to app.css, kept with the only module using them
 *  (the shell's precache list stays as it is). Every target is at least 48 px. */
function addStyle() {
  if (document.getElementById('field-style')) return;
  const style = document.createElement('style');
  style.id = 'field-style';
  style.textContent = `
    .field .visit-card { background: #e7f1fb; display: flex; flex-direction: column; gap: 4px; }
    .field .households { display: flex; align-items: center; gap: 8px; margin: 10px 0; }
    .field .households b { font-size: 1.4rem; min-width: 2ch; text-align: center; }
    .field .households button { min-width: 64px; }
    .field select { width: 100%; min-height: 56px; font: inherit; font-size: 1.1rem;
      border-radius: 10px; padding: 0 10px; }
    .field .kinds span { min-height: var(--touch); }
    .field .records li { min-height: var(--touch); }
    .field .alerts button { width: 100%; margin: 4px 0 8px; }
    .field .badge.acked { color: var(--ok); font-weight: 600; }`;
  document.head.append(style);
}

function channel() {
  return CHANNEL_OF[state.session.user.role];
}

function base(type, data) {
  return { id: crypto.randomUUID(), type, user_id: state.session.user.id, saved_at: Date.now(), data };
}

function position() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) { resolve(null); return; }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lon: p.coords.longitude, lat: p.coords.latitude }),
      () => resolve(null),
      { enableHighAccuracy: true, timeout: FIX_TIMEOUT_MS, maximumAge: 60_000 },
    );
  });
}

async function startVisit() {
  state.message = w('locating');
  await render();
  const pull = (await fstore.get('pull')) || { villages: [] };
  const fix = await position();
  const village = fix ? villageAt(pull.villages, fix.lon, fix.lat) : null;
  if (village) {
    await openVisit(village, 'gps', fix);
    return;
  }
  state.picking = { reason: fix ? 'pick_outside' : 'pick_no_fix' };
  state.message = '';
  await render();
}

async function openVisit(village, source, fix) {
  const visit = {
    id: crypto.randomUUID(), village_code: village.code, village_name: village.name,
    village_source: source, started_at: isoWithOffset(), households: 0,
    lon: source === 'gps' ? fix.lon : null, lat: source === 'gps' ? fix.lat : null,
  };
  await fstore.put('open_visit', visit);
  state.picking = null;
  state.message = source === 'gps' ? w('found_gps', { v: village.name }) : '';
  await render();
}

/** "I have read this alert": an alert_ack record, queued like the rest (the server keeps
 *  one per person and alert, so a second tap or a resend changes nothing). */
async function acknowledge(alertId) {
  const acked = (await fstore.get('acked')) || [];
  if (acked.includes(alertId)) return;
  const record = base('alert_ack', { alert_id: alertId, acked_at: isoWithOffset() });
  await fstore.queue(record, { key: 'acked', value: [...acked, alertId] });
  await render({ full: false });
  sync();
}

async function endVisit() {
  const visit = await fstore.get('open_visit');
  if (!visit) return;
  const record = base('visit', {
    channel: channel(), village_code: visit.village_code, started_at: visit.started_at,
    ended_at: isoWithOffset(), village_source: visit.village_source, lon: visit.lon,
    lat: visit.lat, households: visit.households, note: null,
  });
  record.village_name = visit.village_name; // for her list only; the push sends `data`
  await fstore.queue(record, { key: 'open_visit', value: undefined }); // one transaction
  state.message = w('saved');
  await render();
  sync();
}

async function onClick(e) {
  const button = e.target.closest('[data-act]');
  if (!button) return;
  const act = button.dataset.act;
  if (act === 'start') return startVisit();
  if (act === 'end') return endVisit();
  if (act === 'sync') return sync();
  if (act === 'ack') return acknowledge(Number(button.dataset.alertId));
  if (act === 'sign-out') {
    await state.onSignOut();
    // Back to a clean page (the keeper's title and tabs); the service worker serves it offline.
    location.reload();
    return undefined;
  }
  if (act === 'household' || act === 'unhousehold') {
    const step = act === 'household' ? 1 : -1;
    await fstore.update('open_visit', (v) => ({ ...v, households: Math.max(0, v.households + step) }));
    return render();
  }
  return undefined;
}

async function onSubmit(e) {
  e.preventDefault();
  const form = e.target;
  const error = form.querySelector('.error');
  error.textContent = '';
  if (form.id === 'field-pick') {
    const pull = (await fstore.get('pull')) || { villages: [] };
    const village = pull.villages.find((v) => v.code === form.village.value);
    if (village) await openVisit(village, 'picked', null);
    return;
  }
  const visit = await fstore.get('open_visit');
  if (!visit) return;
  const common = { visit_id: visit.id, village_code: visit.village_code, occurred_at: isoWithOffset() };
  let record;
  if (form.id === 'field-business') {
    const kind = form.kind.value;
    let amount = 0;
    let card = null;
    try {
      amount = NO_AMOUNT.has(kind) ? 0 : yuanToFen(form.amount.value);
    } catch { error.textContent = w('err_amount'); return; }
    if (form.bin.value || form.last4.value) {
      try { card = maskCard(form.bin.value, form.last4.value); } catch { error.textContent = w('err_card'); return; }
    }
    const fix = await Promise.race([position(), new Promise((r) => { setTimeout(() => r(null), 1500); })]);
    record = base('ledger_entry', {
      ...common, channel: channel(), kind, amount_fen: amount, card_masked: card,
      voucher_no: null, note: null, lon: fix ? fix.lon : null, lat: fix ? fix.lat : null, void_of: null,
    });
  } else if (form.id === 'field-request') {
    const said = form.text.value.trim();
    if (!said) { error.textContent = w('err_request_text'); return; }
    record = base('request', {
      village_code: visit.village_code, visit_id: visit.id, category: form.category.value,
      text: said, deadline: form.deadline.value, taken_at: common.occurred_at,
    });
  } else {
    const topic = form.topic.value.trim();
    const attendance = Number.parseInt(form.attendance.value, 10);
    if (!topic) { error.textContent = w('err_topic'); return; }
    if (!(attendance >= 0)) { error.textContent = w('err_attendance'); return; }
    record = base('fraud_talk', { ...common, topic, attendance, note: null });
  }
  await fstore.queue(record);
  form.reset();
  state.message = w('saved');
  await render();
  sync();
}

function describe(r) {
  if (r.type === 'visit') return `${w('type_visit')} · ${esc(r.village_name || r.data.village_code)}`;
  if (r.type === 'alert_ack') return w('type_alert_ack');
  if (r.type === 'request') return `${w('type_request')} · ${w(`cat_${r.data.category}`)}`;
  if (r.type === 'fraud_talk') return `${w('type_fraud_talk')} · ${esc(r.data.topic)} · ${r.data.attendance}`;
  return `${w(`kind_${r.data.kind}`)} · ${formatFen(r.data.amount_fen)}`;
}

async function render({ full = true } = {}) {
  const root = document.getElementById('view-field');
  if (!root || !state.session) return;
  if (!root.firstElementChild) full = true;
  const [pull, visit, waiting, refused] = await Promise.all([
    fstore.get('pull'), fstore.get('open_visit'), fstore.queued(state.session.user.id),
    fstore.inState('rejected', 'conflict'),
  ]);
  const villages = (pull && pull.villages) || [];
  document.querySelector('.bar h1').textContent = w(`title_${channel()}`);
  document.getElementById('point-name').textContent = state.session.user.display_name || '';
  const acked = new Set(((await fstore.get('acked')) || []));
  const alerts = ((pull && pull.alerts) || []).map((a) => `<li data-alert="${a.id}"><b>${esc(a.title)}</b><p>${esc(a.body)}</p>${
    acked.has(a.id) ? `<span class="badge acked">${w('acked')}</span>`
      : `<button type="button" class="ghost" data-act="ack" data-alert-id="${a.id}">${w('ack')}</button>`}</li>`).join('');
  const kinds = KINDS.map((k, i) => `<label><input type="radio" name="kind" value="${k}"${i ? '' : ' checked'}><span>${w(`kind_${k}`)}</span></label>`).join('');
  const categories = REQUEST_CATEGORIES.map((c) => `<option value="${c}">${w(`cat_${c}`)}</option>`).join('');
  // The deadline as a Shanghai calendar day (en-CA formats as YYYY-MM-DD).
  const deadline = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' })
    .format(new Date(Date.now() + REQUEST_DAYS * 86_400_000));
  const mine = villages.filter((v) => v.assigned).length ? villages.filter((v) => v.assigned) : villages;
  let body;
  if (visit) {
    body = `
      <div class="notice visit-card" id="visit-card">
        <b>${esc(w('visiting', { v: visit.village_name }))}</b>
        <span class="small">（${visit.village_source === 'gps' ? w('by_gps') : w('by_pick')}）
          ${esc(w('since', { t: shanghaiTime(visit.started_at) }))}</span>
      </div>
      <div class="households"><span>${w('households')}</span>
        <b id="household-count">${visit.households}</b> ${w('households_unit')}
        <button type="button" class="ghost" data-act="unhousehold" aria-label="${w('remove_household')}">${w('remove_household')}</button>
        <button type="button" class="primary" data-act="household">${w('add_household')}</button></div>
      <form id="field-business" novalidate autocomplete="off"><h2>${w('business')}</h2>
        <fieldset class="kinds"><legend>${w('kind')}</legend>${kinds}</fieldset>
        <label class="field"><span>${w('amount')}</span><input name="amount" inputmode="decimal" placeholder="0.00"></label>
        <div class="card-row"><input name="bin" inputmode="numeric" maxlength="6" placeholder="${w('card_bin')}" aria-label="${w('card_bin')}">
          <span class="stars">******</span>
          <input name="last4" inputmode="numeric" maxlength="4" placeholder="${w('card_last4')}" aria-label="${w('card_last4')}"></div>
        <small class="error" role="alert"></small>
        <button type="submit" class="primary big">${w('save_business')}</button></form>
      <form id="field-talk" novalidate autocomplete="off"><h2>${w('talk')}</h2>
        <label class="field"><span>${w('topic')}</span><input name="topic" maxlength="200"></label>
        <label class="field"><span>${w('attendance')}</span><input name="attendance" inputmode="numeric"></label>
        <small class="error" role="alert"></small>
        <button type="submit" class="primary big">${w('save_talk')}</button></form>
      <form id="field-request" novalidate autocomplete="off"><h2>${w('request')}</h2>
        <label class="field"><span>${w('category')}</span><select name="category">${categories}</select></label>
        <label class="field"><span>${w('request_text')}</span><input name="text" maxlength="2000"></label>
        <label class="field"><span>${w('deadline')}</span><input name="deadline" type="date" value="${deadline}" required></label>
        <small class="error" role="alert"></small>
        <button type="submit" class="primary big">${w('save_request')}</button></form>
      <button type="button" class="ghost big" data-act="end">${w('end')}</button>`;
  } else if (state.picking) {
    const options = mine.map((v) => `<option value="${esc(v.code)}">${esc(v.name)}</option>`).join('');
    body = `<form id="field-pick"><p class="notice warn" id="pick-reason">${w(state.picking.reason)}</p>
      <label class="field"><select name="village" class="big-select">${options}</select></label>
      <small class="error" role="alert"></small>
      <button type="submit" class="primary big">${w('start_picked')}</button></form>`;
  } else {
    body = `${villages.length ? '' : `<p class="notice warn">${w('no_villages')}</p>`}
      <button type="button" class="primary big" data-act="start">${w('start')}</button>`;
  }
  const pending = waiting.map((r) => `<li class="record" data-id="${r.id}">${describe(r)} <span class="badge queued">${w('pending')}</span></li>`).join('');
  const back = refused.filter((r) => r.user_id === state.session.user.id)
    .map((r) => `<li class="record refused" data-id="${r.id}">${describe(r)} <span class="badge">${w('refused')}</span><br><small>${esc(r.sync.reason)}</small></li>`).join('');
  const top = `
    <div class="outbox-banner${waiting.length ? ' waiting' : ''}">
      <span class="outbox-count" id="field-pending-count">${waiting.length ? w('pending_count', { n: waiting.length }) : w('all_synced')}</span>
      <button type="button" class="ghost sync-now" data-act="sync" ${state.syncing ? 'disabled' : ''}>${state.syncing ? w('syncing') : w('sync_now')}</button></div>
    ${alerts ? `<section class="alerts"><h2>${w('alerts')}</h2><ul>${alerts}</ul></section>` : ''}`;
  const lists = `
    ${back ? `<h2>${w('refused')}</h2><ul class="records">${back}</ul>` : ''}
    ${pending ? `<h2>${w('pending')}</h2><ul class="records" id="field-pending">${pending}</ul>` : ''}`;
  if (!full) {
    root.querySelector('#field-top').innerHTML = top;
    root.querySelector('#field-lists').innerHTML = lists;
    return;
  }
  root.innerHTML = `
    <div id="field-top">${top}</div>
    <p id="field-status" class="save-status${state.message === w('saved') ? ' ok' : ''}" role="status">${esc(state.message)}</p>
    <div id="field-main">${body}</div>
    <div id="field-lists">${lists}</div>
    <button type="button" class="ghost big" data-act="sign-out">${w('sign_out')}</button>`;
}
