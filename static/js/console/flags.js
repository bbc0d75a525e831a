// The flag queue: records flagged at ingest (GET /api/v1/flags), each reason in words; a
// supervisor marks one reviewed with a note (PUT /api/v1/flags/<id>/review), a regulator
// reads the queue and the reviews.
import { ApiError, call, get } from './api.js';
import { field, h, mount, select, when } from './dom.js';
import { pageStyle, yuan } from './dashboard.js';
import { regionPicker } from './points.js';
import { ct } from './strings.js';

const PAGE = 50;
const FILTERS = ['flag', 'reviewed', 'region', 'from', 'to'];
// The rules of app/sync/rules.py, app/sync/services.py and app/field/sync.py.
const FLAGS = [
  'over_daily_cap', 'not_multiple_of_10', 'below_minimum', 'point_suspended', 'point_closed',
  'far_from_point', 'clock_skew', 'old_record', 'void_target_unknown',
  'outside_assigned_area', 'position_outside_village',
];

/** A flag in words: "金额不是 10 元的整数倍" for not_multiple_of_10. */
export function flagText(flag) {
  const multiple = flag.match(/^not_multiple_of_(\d+(?:\.\d+)?)$/);
  if (multiple) return ct('flag_not_multiple_of', { n: multiple[1] });
  const key = `flag_${flag}`;
  const text = ct(key);
  return text === key ? flag : text;
}

function kindText(kind) {
  const text = ct(`kind_${kind}`);
  return text === `kind_${kind}` ? kind : text;
}

export async function flagsPage(ctx) {
  pageStyle();
  const p = ctx.params;
  // The queue still to work through, unless she asks for all or the reviewed ones.
  const reviewed = p.has('reviewed') ? p.get('reviewed') : 'false';
  const offset = Number(p.get('offset')) || 0;
  const query = { limit: PAGE, offset, reviewed };
  for (const key of ['flag', 'region', 'from', 'to']) if (p.get(key)) query[key] = p.get(key);
  const [page, region] = await Promise.all([
    get('/flags', query),
    p.get('region') ? get(`/regions/${p.get('region')}`).catch(() => null) : null,
  ]);
  const canReview = ctx.may('flags.review');

  const form = h('form', { class: 'filters flag-filters', role: 'search' },
    field(ct('flag'), 'flag', { control: select('flag', [['', ct('flag_any')], ...FLAGS.map((f) => [f, flagText(f)])], p.get('flag') || '') }),
    field(ct('review_state'), 'reviewed', { control: select('reviewed', [['false', ct('reviewed_false')], ['true', ct('reviewed_true')], ['', ct('reviewed_any')]], reviewed) }),
    regionPicker(p.get('region'), region),
    field(ct('date_from'), 'from', { type: 'date', value: p.get('from') || '' }),
    field(ct('date_to'), 'to', { type: 'date', value: p.get('to') || '' }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, ct('apply')),
      h('a', { href: '#flags', class: 'button' }, ct('reset'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const next = new URLSearchParams();
    for (const key of FILTERS) if (data.get(key) !== null && (data.get(key) || key === 'reviewed')) next.set(key, data.get(key).trim());
    ctx.go(`flags?${next}`);
  });

  mount(ctx.main,
    h('div', { class: 'page-head' }, h('h1', {}, ct('flags_title'))),
    h('p', { class: 'muted small' }, ct(canReview ? 'flags_intro_review' : 'flags_intro_read')),
    form,
    h('p', { class: 'total', role: 'status' }, ct('flags_total', { n: page.total })),
    page.items.length
      ? h('ul', { class: 'cards flag-list' }, page.items.map((item) => flagCard(item, canReview)))
      : h('p', { class: 'muted' }, ct('none_found')),
    pager(page, p, 'flags'));
}

function flagCard(item, canReview) {
  const reviewSlot = h('div', { class: 'review' });
  const card = h('li', { class: 'card flag-item', 'data-id': item.id },
    h('div', { class: 'flag-head' },
      h('strong', {}, item.point_name ? h('a', { href: `#points/${item.point_id}` }, item.point_name) : ct('no_point')),
      h('span', { class: 'muted small' }, when(item.occurred_at))),
    h('div', { class: 'flag-what' },
      h('span', {}, kindText(item.kind)), ' ',
      h('span', { class: 'amount', 'data-fen': String(item.amount_fen) }, yuan(item.amount_fen)),
      item.card_masked ? h('span', { class: 'muted small' }, ` · ${item.card_masked}`) : null,
      item.voucher_no ? h('span', { class: 'muted small' }, ` · ${ct('voucher')} ${item.voucher_no}`) : null),
    h('ul', { class: 'reasons', 'aria-label': ct('flag_reasons') },
      item.flags.map((f) => h('li', { class: 'badge flag', 'data-flag': f }, flagText(f)))),
    reviewSlot);
  drawReview(reviewSlot, item, canReview);
  return card;
}

function drawReview(slot, item, canReview) {
  const r = item.review;
  const shown = r ? h('p', { class: 'reviewed' },
    h('span', { class: 'badge status-active' }, ct('reviewed_true')), ' ',
    h('span', { class: 'note' }, r.note),
    h('span', { class: 'muted small' }, ` — ${r.reviewer_name || ''} ${when(r.reviewed_at)}`))
    : h('p', {}, h('span', { class: 'badge status-suspended' }, ct('reviewed_false')));
  if (!canReview) { mount(slot, shown); return; }
  const note = h('textarea', { name: 'note', maxlength: '500', required: true, rows: '2' });
  note.value = r ? r.note : '';
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'review-form' },
    field(ct('review_note'), 'note', { control: note }),
    error,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, ct(r ? 'review_update' : 'review_save'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const saved = await call('PUT', `/flags/${item.id}/review`, { json: { note: note.value.trim() } });
      drawReview(slot, saved, canReview);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      const fields = err.fields && err.fields.note;
      error.textContent = fields ? [].concat(fields).join('；') : err.message;
      button.disabled = false;
    }
  });
  // A reviewed record's note can be changed, behind a disclosure to keep the queue short.
  mount(slot, shown, r ? h('details', { class: 'change-note' }, h('summary', {}, ct('review_note_edit')), form) : form);
}

/** Previous / next for a page of a list at `#<base>?<params>` (null when one page). */
export function pager(page, params, base) {
  const pages = Math.max(1, Math.ceil(page.total / page.limit));
  const current = Math.floor(page.offset / page.limit) + 1;
  if (pages === 1) return null;
  const link = (offset, label, enabled) => {
    if (!enabled) return h('span', { class: 'button disabled', 'aria-disabled': 'true' }, label);
    const next = new URLSearchParams(params);
    next.set('offset', String(offset));
    return h('a', { class: 'button', href: `#${base}?${next}` }, label);
  };
  return h('nav', { class: 'pager', 'aria-label': ct('page_of', { page: current, pages }) },
    link(page.offset - page.limit, ct('prev'), current > 1),
    h('span', {}, ct('page_of', { page: current, pages })),
    link(page.offset + page.limit, ct('next'), current < pages));
}
