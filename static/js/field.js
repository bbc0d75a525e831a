// The field worker's home (grid worker 网格员, mobile team member 流动服务队员): start a
// visit to a village, record business, households and anti-fraud talks during it, end
// it; everything is saved on the phone first and sent when there is a network.
//
// The village is found from the GPS fix inside the village boundaries she pulled; with
// no fix, or a fix outside them, she picks one of her villages, and the screen and the
// visit record both say which ('gps' or 'picked').
import { currentLang, refusedField } from './i18n.js';
import { formatFen, isoWithOffset, maskCard, shanghaiDay, shanghaiTime, yuanToFen } from './ledger.js';
import * as fstore from './field-store.js';
import { villageAt } from './field-geo.js';
import { FIELD_WORDS, INSPECTION_ITEMS, REQUEST_CATEGORIES } from './field-words.js';
import { FIELD_ROLES, isFieldUser } from './roles.js';
import { syncField } from './field-sync.js';

export { FIELD_ROLES, isFieldUser };

const CHANNEL_OF = { grid_worker: 'grid', field_agent: 'mobile' };
const KINDS = ['withdrawal', 'balance_inquiry', 'transfer', 'cash_remittance', 'bill_payment',
  'card_repayment', 'mobile_banking', 'social_security'];
const NO_AMOUNT = new Set(['balance_inquiry', 'mobile_banking', 'social_security']);
const REQUEST_DAYS = 7; // default deadline: a week, as the bank's 限时办结 asks
const TICK_MS = 60_000;
const FIX_TIMEOUT_MS = 10_000;

const WORDS = {
  zh: {
    ...FIELD_WORDS.zh,
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
    saving: '正在保存…', refused: '被退回', sync_now: '立即同步', syncing: '正在同步…', sign_out: '退出登录',
    alerts: '风险提示', ack: '已阅读，确认', acked: '已确认', type_alert_ack: '确认风险提示', no_villages: '尚未下载村界，请联网同步一次',
    err_amount: '金额格式不对，例如 500 或 88.50', err_card: '卡号只填前 6 位和后 4 位数字',
    err_topic: '请填写宣传主题', err_attendance: '请填写参加人数',
    request: '村民诉求', category: '类别', request_text: '诉求内容', deadline: '办结期限',
    save_request: '保存诉求', err_request_text: '请填写诉求内容', type_request: '诉求',
    type_visit: '走访', type_fraud_talk: '反诈宣传', type_ledger_entry: '业务',
    inspect: '服务点巡检', inspection: '巡检', point: '服务点', save_inspection: '保存巡检',
    cancel: '取消', pass: '合格', fail: '不合格', inspection_note: '说明（可不填）',
    err_unanswered: '还有 {n} 项未检查，请逐项选择合格或不合格', err_no_point: '尚未下载服务点，请联网同步一次',
    type_inspection: '巡检', failed_count: '{n} 项不合格', all_passed: '全部合格',
    today: '今日已同步（{n} 条）', open_requests: '待办诉求', overdue: '已逾期', due_on: '{d} 前办结',
    st_open: '待分派', st_assigned: '已分派',
    why_conflict: '同一条记录已用不同内容上传过，请联系管理员核对',
    why_visit_id: '走访不是您的，或与所记的村不一致', why_village_code: '村不存在或与走访的村不一致',
    why_alert_id: '该风险提示不在您的区域', why_point_id: '该服务点不在您的范围',
    why_time: '时间不对（结束早于开始或时间无效）', why_amount: '金额不对', why_card: '卡号只能留前 6 位和后 4 位',
    why_other: '内容不完整或有误，请重新记录',
    kind_withdrawal: '取款', kind_balance_inquiry: '余额查询', kind_transfer: '转账汇款',
    kind_cash_remittance: '现金汇款', kind_bill_payment: '代理缴费', kind_card_repayment: '信用卡还款',
    kind_mobile_banking: '手机银行开通', kind_social_security: '社保卡业务',
  },
  en: {
    ...FIELD_WORDS.en,
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
    saving: 'Saving…', refused: 'Refused', sync_now: 'Sync now', syncing: 'Syncing…', sign_out: 'Sign out',
    alerts: 'Risk alerts', ack: 'Read: acknowledge', acked: 'Acknowledged', type_alert_ack: 'Alert acknowledged', no_villages: 'No village boundaries yet: sync once online',
    err_amount: 'Amount like 500 or 88.50', err_card: 'Card: first 6 and last 4 digits only',
    err_topic: 'Topic required', err_attendance: 'Attendance required',
    request: "Villager's request", category: 'Category', request_text: 'What is asked', deadline: 'Deadline',
    save_request: 'Save request', err_request_text: 'Write what is asked', type_request: 'Request',
    type_visit: 'Visit', type_fraud_talk: 'Talk', type_ledger_entry: 'Business',
    inspect: 'Inspect a point', inspection: 'Inspection', point: 'Service point',
    save_inspection: 'Save inspection', cancel: 'Cancel', pass: 'Pass', fail: 'Fail',
    inspection_note: 'Note (optional)',
    err_unanswered: '{n} items not checked yet: mark each pass or fail', err_no_point: 'No points yet: sync once online',
    type_inspection: 'Inspection', failed_count: '{n} failed', all_passed: 'All passed',
    today: 'Synced today ({n})', open_requests: 'Open requests', overdue: 'Overdue', due_on: 'due {d}',
    st_open: 'Not assigned', st_assigned: 'Assigned',
    why_conflict: 'Already sent with other content: ask your administrator',
    why_visit_id: 'Not your visit, or another village than the visit', why_village_code: 'No such village, or not the visit\'s',
    why_alert_id: 'This alert is not for your area', why_point_id: 'This point is outside your area',
    why_time: 'Wrong time (ends before it starts, or invalid)', why_amount: 'Wrong amount', why_card: 'Card: first 6 and last 4 digits only',
    why_other: 'Incomplete or wrong: record it again',
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

const state = { session: null, deviceId: null, syncing: false, picking: null, inspecting: false, message: '' };

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
  if (act === 'inspect' || act === 'cancel-inspection') {
    state.inspecting = act === 'inspect';
    state.message = '';
    return render();
  }
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
    // Only the count: what she is typing in the forms below stays.
    const visit = await fstore.get('open_visit');
    document.getElementById('household-count').textContent = visit ? visit.households : 0;
    return undefined;
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
  if (form.id === 'field-inspection') {
    await saveInspection(form, error);
    return;
  }
  // Said at once, before anything is awaited: a 已保存 still on screen from the last
  // record must not stand for this one while it waits for a fix and the commit.
  const submit = form.querySelector('button[type=submit]');
  setStatus(w('saving'));
  submit.disabled = true; // one tap, one record
  try {
    await saveRecord(form, error);
  } finally {
    submit.disabled = false;
  }
}

async function saveRecord(form, error) {
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
    } catch { refuse(error, w('err_amount')); return; }
    if (form.bin.value || form.last4.value) {
      try { card = maskCard(form.bin.value, form.last4.value); } catch { refuse(error, w('err_card')); return; }
    }
    const fix = await Promise.race([position(), new Promise((r) => { setTimeout(() => r(null), 1500); })]);
    record = base('ledger_entry', {
      ...common, channel: channel(), kind, amount_fen: amount, card_masked: card,
      voucher_no: null, note: null, lon: fix ? fix.lon : null, lat: fix ? fix.lat : null, void_of: null,
    });
  } else if (form.id === 'field-request') {
    const said = form.text.value.trim();
    if (!said) { refuse(error, w('err_request_text')); return; }
    record = base('request', {
      village_code: visit.village_code, visit_id: visit.id, category: form.category.value,
      text: said, deadline: form.deadline.value, taken_at: common.occurred_at,
    });
  } else {
    const topic = form.topic.value.trim();
    const attendance = Number.parseInt(form.attendance.value, 10);
    if (!topic) { refuse(error, w('err_topic')); return; }
    if (!(attendance >= 0)) { refuse(error, w('err_attendance')); return; }
    record = base('fraud_talk', { ...common, topic, attendance, note: null });
  }
  await fstore.queue(record);
  form.reset();
  setStatus(w('saved'), true);
  // The banner and lists only: the other forms keep what she has typed in them.
  await render({ full: false });
  sync();
}

function refuse(error, message) {
  error.textContent = message;
  setStatus('');
}

function setStatus(message, ok = false) {
  state.message = ok ? message : '';
  const status = document.getElementById('field-status');
  if (!status) return;
  status.textContent = message;
  status.classList.toggle('ok', ok);
}

/** A checklist done at a point: each item answered pass or fail; the failed ones become
 *  findings on the server, owned by the point's keeper with the bank's deadline. */
async function saveInspection(form, error) {
  const unanswered = INSPECTION_ITEMS.filter((i) => !form.querySelector(`input[name=item_${i}]:checked`));
  if (unanswered.length) { error.textContent = w('err_unanswered', { n: unanswered.length }); return; }
  const pointId = Number(form.point.value);
  if (!pointId) { error.textContent = w('err_no_point'); return; }
  const pull = (await fstore.get('pull')) || { points: [] };
  const point = (pull.points || []).find((p) => p.id === pointId);
  const record = base('inspection', {
    point_id: pointId, inspected_at: isoWithOffset(),
    failed_items: INSPECTION_ITEMS.filter((i) => form.querySelector(`input[name=item_${i}]:checked`).value === 'fail'),
    note: form.note.value.trim() || null,
  });
  record.point_name = point ? point.name : String(pointId); // for her list only
  await fstore.queue(record);
  state.inspecting = false;
  state.message = w('saved');
  await render();
  sync();
}

// The server's reason starts with the field it refused ("data.visit_id: …"): that part is
// stable and says it in her language; the server's own sentence is not shown.
const WHY = {
  visit_id: 'why_visit_id', village_code: 'why_village_code', alert_id: 'why_alert_id',
  point_id: 'why_point_id', started_at: 'why_time', ended_at: 'why_time', occurred_at: 'why_time',
  amount_fen: 'why_amount', card_masked: 'why_card',
};

function refusal(r) {
  if (r.sync.state === 'conflict') return w('why_conflict');
  return w(WHY[refusedField(r.sync.reason)] || 'why_other');
}

function describe(r) {
  if (r.type === 'visit') return `${w('type_visit')} · ${esc(r.village_name || r.data.village_code)}`;
  if (r.type === 'alert_ack') return w('type_alert_ack');
  if (r.type === 'request') return `${w('type_request')} · ${w(`cat_${r.data.category}`)}`;
  if (r.type === 'inspection') {
    const n = r.data.failed_items.length;
    return `${w('type_inspection')} · ${esc(r.point_name || r.data.point_id)} · ${n ? w('failed_count', { n }) : w('all_passed')}`;
  }
  if (r.type === 'fraud_talk') return `${w('type_fraud_talk')} · ${esc(r.data.topic)} · ${r.data.attendance}`;
  return `${w(`kind_${r.data.kind}`)} · ${formatFen(r.data.amount_fen)}`;
}

async function render({ full = true } = {}) {
  const root = document.getElementById('view-field');
  if (!root || !state.session) return;
  if (!root.firstElementChild) full = true;
  const [pull, visit, waiting, refused, recent] = await Promise.all([
    fstore.get('pull'), fstore.get('open_visit'), fstore.queued(state.session.user.id),
    fstore.inState('rejected', 'conflict'), fstore.since(Date.now() - 36 * 3_600_000),
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
  } else if (state.inspecting) {
    const points = (pull && pull.points) || [];
    const options = points.map((p) => `<option value="${p.id}">${esc(p.name)}</option>`).join('');
    const items = INSPECTION_ITEMS.map((i) => `<fieldset class="check-item"><legend>${w(`item_${i}`)}</legend>
      <label><input type="radio" name="item_${i}" value="pass"><span>${w('pass')}</span></label>
      <label><input type="radio" name="item_${i}" value="fail"><span>${w('fail')}</span></label></fieldset>`).join('');
    body = `<form id="field-inspection" novalidate autocomplete="off"><h2>${w('inspect')}</h2>
      ${points.length ? '' : `<p class="notice warn">${w('err_no_point')}</p>`}
      <label class="field"><span>${w('point')}</span><select name="point">${options}</select></label>
      ${items}
      <label class="field"><span>${w('inspection_note')}</span><input name="note" maxlength="1000"></label>
      <small class="error" role="alert"></small>
      <button type="submit" class="primary big">${w('save_inspection')}</button>
      <button type="button" class="ghost big" data-act="cancel-inspection">${w('cancel')}</button></form>`;
  } else if (state.picking) {
    const options = mine.map((v) => `<option value="${esc(v.code)}">${esc(v.name)}</option>`).join('');
    body = `<form id="field-pick"><p class="notice warn" id="pick-reason">${w(state.picking.reason)}</p>
      <label class="field"><select name="village" class="big-select">${options}</select></label>
      <small class="error" role="alert"></small>
      <button type="submit" class="primary big">${w('start_picked')}</button></form>`;
  } else {
    body = `${villages.length ? '' : `<p class="notice warn">${w('no_villages')}</p>`}
      <button type="button" class="primary big" data-act="start">${w('start')}</button>
      ${state.session.user.role === 'field_agent'
    ? `<button type="button" class="ghost big" data-act="inspect">${w('inspect')}</button>` : ''}`;
  }
  const pending = waiting.map((r) => `<li class="record" data-id="${r.id}">${describe(r)} <span class="badge queued">${w('pending')}</span></li>`).join('');
  const back = refused.filter((r) => r.user_id === state.session.user.id)
    .map((r) => `<li class="record refused" data-id="${r.id}">${describe(r)} <span class="badge">${w('refused')}</span><br><small>${esc(refusal(r))}</small></li>`).join('');
  const top = `
    <div class="outbox-banner${waiting.length ? ' waiting' : ''}">
      <span class="outbox-count" id="field-pending-count">${waiting.length ? w('pending_count', { n: waiting.length }) : w('all_synced')}</span>
      <button type="button" class="ghost sync-now" data-act="sync" ${state.syncing ? 'disabled' : ''}>${state.syncing ? w('syncing') : w('sync_now')}</button></div>
    ${alerts ? `<section class="alerts"><h2>${w('alerts')}</h2><ul>${alerts}</ul></section>` : ''}`;
  const names = new Map(villages.map((v) => [v.code, v.name]));
  const openRequests = ((pull && pull.requests) || []).map((q) => `<li class="record${q.overdue ? ' overdue' : ''}" data-request="${esc(q.id)}">
    <b>${w(`cat_${q.category}`)}</b> · ${esc(names.get(q.village_code) || q.village_code)} · ${w(`st_${q.status}`)}
    <br><small>${esc(q.text)}</small><br><small>${q.overdue ? `<span class="badge overdue">${w('overdue')}</span> ` : ''}${esc(w('due_on', { d: q.deadline }))}</small></li>`).join('');
  const today = shanghaiDay(Date.now());
  const todays = recent.filter((r) => r.user_id === state.session.user.id && r.sync.state === 'synced'
    && shanghaiDay(r.saved_at) === today);
  const synced = todays.map((r) => `<li class="record" data-id="${r.id}">${shanghaiTime(r.saved_at)} ${describe(r)}</li>`).join('');
  const lists = `
    ${synced ? `<details class="today"><summary>${w('today', { n: todays.length })}</summary>
      <ul class="records" id="field-today">${synced}</ul></details>` : ''}
    ${openRequests ? `<h2>${w('open_requests')}</h2><ul class="records" id="field-requests">${openRequests}</ul>` : ''}
    ${back ? `<h2>${w('refused')}</h2><ul class="records">${back}</ul>` : ''}
    ${pending ? `<h2>${w('pending')}</h2><ul class="records" id="field-pending">${pending}</ul>` : ''}`;
  if (!full) {
    root.querySelector('#field-top').innerHTML = top;
    root.querySelector('#field-lists').innerHTML = lists;
    // The home's buttons hold nothing typed: redrawn too, so the first pull's villages
    // take the "no boundaries yet" notice away without a reload.
    if (!visit && !state.inspecting && !state.picking) root.querySelector('#field-main').innerHTML = body;
    return;
  }
  root.innerHTML = `
    <div id="field-top">${top}</div>
    <p id="field-status" class="save-status${state.message === w('saved') ? ' ok' : ''}" role="status">${esc(state.message)}</p>
    <div id="field-main">${body}</div>
    <div id="field-lists">${lists}</div>
    <button type="button" class="ghost big" data-act="sign-out">${w('sign_out')}</button>`;
}
