// Rendering of the register's screens from a snapshot of local state. No storage and no
// network here: app.js gathers the snapshot, these functions only draw it.
import { age, errorText, flagText, refusalText, t } from './i18n.js';
import { KINDS, formatFen, shanghaiTime, totalsByKind } from './ledger.js';

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value == null) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('data-')) node.setAttribute(name, value);
    else node[name] = value;
  }
  for (const child of children.flat()) {
    if (child != null && child !== false) node.append(child);
  }
  return node;
}

/** snapshot: {view, session, pull, alertAcks, outbox, today, waiting, refused, syncStatus,
 *  syncing, persisted, now}. Record lists are drawn only for the view on screen (a tab change
 *  redraws): laying out hidden lists is work a cheap phone feels. */
export function render(s) {
  renderHeader(s);
  renderBanners(s);
  renderAlerts(s);
  if (s.view === 'today') { renderTotals(s); renderToday(s); }
  if (s.view === 'outbox') renderOutbox(s);
}

function renderHeader(s) {
  const point = s.pull && s.pull.point;
  $('#point-name').textContent = point ? point.name : '';
}

function renderBanners(s) {
  const expired = Boolean(s.session && s.session.expired);
  for (const banner of $$('.auth-banner')) banner.hidden = !expired;
  // Refused persistent storage matters only while records exist on this phone alone:
  // say so, with how many, and nothing once they are synced.
  for (const warning of $$('.storage-warning')) {
    warning.hidden = s.persisted !== false || !s.outbox.waiting;
    warning.textContent = t('storage_refused', { n: s.outbox.waiting });
  }
  for (const banner of $$('.outbox-banner')) {
    const { waiting, oldest, refused } = s.outbox;
    banner.className = `outbox-banner ${waiting ? 'waiting' : 'clear'}`;
    banner.replaceChildren(
      el('div', { class: 'outbox-text' },
        el('strong', { class: 'outbox-count' },
          waiting ? t('outbox_waiting', { n: waiting, age: age(oldest, s.now) }) : t('outbox_clear')),
        refused ? el('span', { class: 'outbox-refused' }, t('outbox_refused', { n: refused })) : null),
      el('button', {
        type: 'button', class: 'primary sync-now', 'data-action': 'sync', disabled: s.syncing,
        textContent: s.syncing ? t('syncing') : t('sync_now'),
      }),
    );
  }
  const badge = $('#tab-count');
  const attention = s.outbox.waiting + s.outbox.refused;
  badge.hidden = !attention;
  badge.textContent = String(attention);
  renderSyncStatus(s);
}

function renderSyncStatus(s) {
  const st = s.syncStatus;
  let text = st && st.ok_at ? t('last_sync', { age: age(st.ok_at, s.now) }) : t('never_synced');
  if (st && st.status === 'failed') text += ' · ' + t('sync_failed', { error: errorText(st.error) });
  $('#sync-status').textContent = text;
}

/** Each alert with 已阅读，确认 until she has acknowledged it, then a calm 已确认 (from the
 *  moment it is saved on the phone; the sync takes it to the server). */
function renderAlerts(s) {
  const alerts = (s.pull && s.pull.alerts) || [];
  const acks = s.alertAcks || new Map();
  $('#alerts').hidden = alerts.length === 0;
  $('#alert-list').replaceChildren(...alerts.map((a) => {
    const ack = acks.get(a.id);
    const acked = Boolean(ack) && ack.state !== 'rejected';
    return el('li', { class: acked ? 'alert acked' : 'alert', 'data-alert-id': String(a.id) },
      el('strong', { class: 'alert-title' }, a.title || ''),
      el('p', { class: 'alert-body' }, a.body || ''),
      el('div', { class: 'alert-foot' }, acked
        ? el('span', { class: 'badge alert-acked' }, t('alert_acked'))
        : el('button', { type: 'button', class: 'ghost', 'data-action': 'ack-alert', textContent: t('alert_ack') })));
  }));
}

function renderTotals(s) {
  const totals = totalsByKind(s.today);
  const rows = KINDS.map((kind) => el('tr', { class: totals[kind].count ? '' : 'zero' },
    el('th', {}, t(`kind_${kind}`)),
    el('td', {}, `${totals[kind].count} ${t('count_unit')}`.trim()),
    el('td', { class: 'num' }, kind === 'balance_inquiry' ? '—' : `${formatFen(totals[kind].amount_fen)} ${t('yuan')}`)));
  $('#totals').replaceChildren(el('tbody', {}, rows));
}

function renderToday(s) {
  const voidedBy = new Map(s.today.filter((r) => r.data.void_of).map((r) => [r.data.void_of, r]));
  const byId = new Map(s.today.map((r) => [r.id, r]));
  const items = s.today.map((r) => recordItem(r, {
    voidedBy: voidedBy.get(r.id) || null,
    target: r.data.void_of ? byId.get(r.data.void_of) : null,
    actions: true,
  }));
  $('#today-list').replaceChildren(...(items.length ? items : [el('li', { class: 'empty muted' }, t('no_records'))]));
}

function renderOutbox(s) {
  $('#refused').hidden = s.refused.length === 0;
  $('#refused-list').replaceChildren(...s.refused.map((r) => recordItem(r, { refusedActions: true })));
  $('#waiting').hidden = s.waiting.length === 0;
  $('#waiting-list').replaceChildren(...s.waiting.map((r) => recordItem(r, {})));
  const user = s.session && s.session.user;
  $('#account-line').textContent = user ? `${user.display_name || user.username} (${user.username})` : '';
  // The device id is an identifier to read out to the bank, not a word: kept as code.
  const code = el('code', {}, (s.deviceId || '').slice(0, 8));
  code.setAttribute('translate', 'no');
  $('#device-line').replaceChildren(...(s.deviceId ? [t('device_label'), code] : []));
}

/** What identifies a record to her: time, kind, amount, card, voucher. */
function describe(r) {
  const d = r.data;
  return [
    shanghaiTime(r.saved_at), t(`kind_${d.kind}`),
    d.kind === 'balance_inquiry' ? null : `${formatFen(d.amount_fen)} ${t('yuan')}`,
    d.card_masked, d.voucher_no && `#${d.voucher_no}`,
  ].filter(Boolean).join(' ');
}

/** One register line: time, kind, amount, card, voucher, sync state, flags in words, what
 *  a void cancels (or what cancelled it), and what she can do. */
function recordItem(r, { voidedBy = null, target = null, actions = false, refusedActions = false }) {
  const d = r.data;
  const voided = Boolean(voidedBy);
  const state = r.sync ? r.sync.state : 'queued';
  const isVoid = Boolean(d.void_of);
  const title = isVoid ? `${t('void_record')} · ${t(`kind_${d.kind}`)}` : t(`kind_${d.kind}`);
  const amount = d.kind === 'balance_inquiry' ? '' : `${formatFen(d.amount_fen)} ${t('yuan')}`;
  const details = [d.card_masked, d.voucher_no && `#${d.voucher_no}`, d.note].filter(Boolean).join(' · ');
  const canVoid = actions && !isVoid && !voided && state !== 'rejected' && state !== 'conflict';
  const flags = (r.sync && r.sync.flags) || [];
  return el('li', {
    class: ['record', `state-${state}`, voided && 'voided', isVoid && 'is-void'].filter(Boolean).join(' '),
    'data-id': r.id,
  },
  el('div', { class: 'record-main' },
    el('span', { class: 'record-time' }, shanghaiTime(r.saved_at)),
    el('span', { class: 'record-kind' }, title),
    el('span', { class: 'record-amount' }, amount)),
  details ? el('div', { class: 'record-sub' }, details) : null,
  isVoid && target ? el('div', { class: 'record-link' }, t('void_of_line', { what: describe(target) })) : null,
  voidedBy ? el('div', { class: 'record-link' }, t('voided_by', { time: shanghaiTime(voidedBy.saved_at) })) : null,
  state === 'rejected' || state === 'conflict'
    ? el('p', { class: 'reason' }, t('reason_line', { text: refusalText(state, r.sync.reason) })) : null,
  flags.length ? el('ul', { class: 'flags' }, flags.map((f) => el('li', {}, flagText(f)))) : null,
  el('div', { class: 'record-foot' },
    el('span', { class: `badge ${state}` }, t(`state_${state}`)),
    voided ? el('span', { class: 'badge voided' }, t('voided')) : null,
    flags.length ? el('span', { class: 'badge flagged' }, t('flagged')) : null,
    canVoid ? el('button', { type: 'button', class: 'ghost small', 'data-action': 'void', textContent: t('void') }) : null,
    refusedActions ? el('button', { type: 'button', class: 'ghost small', 'data-action': 'reenter', textContent: t('reenter') }) : null,
    refusedActions ? el('button', { type: 'button', class: 'primary small', 'data-action': 'ack', textContent: t('acknowledge') }) : null));
}

/** Show one view (signin, register, today, outbox) and mark its tab. */
export function showView(name) {
  $('#booting').hidden = true;
  for (const view of $$('.view')) view.hidden = view.id !== `view-${name}`;
  $('#tabs').hidden = name === 'signin';
  for (const tab of $$('#tabs a')) tab.classList.toggle('active', tab.dataset.view === name);
  window.scrollTo(0, 0);
}
