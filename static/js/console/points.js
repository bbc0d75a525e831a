// Service points: the list with the API's filters, a point's page, the create/edit form.
import { ApiError, get, patch, post } from './api.js';
import { field, h, mount, select, showFieldErrors, clearFieldErrors, when } from './dom.js';
import { ct } from './strings.js';
import { bboxOf, pointsMap } from './map.js';
import { limitsCard } from './rules.js';
import { terminalsCard } from './terminals.js';

const PAGE = 20;
const STATUSES = ['active', 'suspended', 'closed'];
const KINDS = ['withdrawal', 'balance_inquiry', 'transfer', 'cash_remittance', 'bill_payment'];
const SORTS = [['place', 'sort_village'], ['name', 'sort_name'], ['status', 'sort_status']];
const FILTERS = ['q', 'region', 'bank', 'status', 'sort', 'bbox'];
const WIDE = '(min-width: 800px)';

let banksCache = null;
export function invalidateBanks() { banksCache = null; }

/** The banks, branches and outlets she sees, in tree order, named with their depth. */
export async function banks() {
  if (!banksCache) {
    const { items } = await get('/banks', { limit: 500 });
    const list = items.filter((o) => o.kind !== 'regulator');
    const top = Math.min(...list.map((o) => o.depth));
    banksCache = list
      .map((o) => ({ ...o, label: `${'　'.repeat(o.depth - top)}${o.name}` }))
      .sort((a, b) => (a.path < b.path ? -1 : 1));
  }
  return banksCache;
}

function statusBadge(status) {
  return h('span', { class: `badge status-${status}` }, ct(`status_${status}`));
}

// The list -----------------------------------------------------------------------------

export async function pointsPage(ctx) {
  const p = ctx.params;
  const offset = Number(p.get('offset')) || 0;
  const query = { limit: PAGE, offset };
  for (const key of FILTERS) if (p.get(key)) query[key] = p.get(key);
  const [page, bankList, region] = await Promise.all([
    get('/service-points', query),
    banks().catch(() => []),
    p.get('region') ? get(`/regions/${p.get('region')}`).catch(() => null) : null,
  ]);

  const form = h('form', { class: 'filters', role: 'search' },
    field(ct('search'), 'q', { type: 'search', value: p.get('q') || '', placeholder: ct('search_placeholder') }),
    regionPicker(p.get('region'), region),
    field(ct('bank'), 'bank', { control: select('bank', [['', ct('bank_any')], ...bankList.map((b) => [String(b.id), b.label])], p.get('bank') || '') }),
    field(ct('status'), 'status', { control: select('status', [['', ct('status_any')], ...STATUSES.map((s) => [s, ct(`status_${s}`)])], p.get('status') || '') }),
    field(ct('sort'), 'sort', { control: select('sort', SORTS.map(([v, k]) => [v, ct(k)]), p.get('sort') || 'place') }),
    p.get('bbox') ? h('div', { class: 'field' }, h('span', { class: 'label' }, ct('map_area')),
      h('span', { class: 'chip' }, p.get('bbox'), h('input', { type: 'hidden', name: 'bbox', value: p.get('bbox') }),
        h('button', { type: 'button', class: 'link', 'aria-label': ct('map_area_clear'), onclick: (e) => e.target.closest('.field').remove() }, '×'))) : null,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, ct('apply')),
      h('a', { href: '#points', class: 'button' }, ct('reset'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    const data = new FormData(form);
    for (const key of FILTERS) if (data.get(key)) next.set(key, data.get(key).trim());
    if (next.get('sort') === 'place') next.delete('sort');
    ctx.go(`points?${next}`);
  });

  const rows = page.items.map((pt) => h('tr', {},
    h('td', {}, h('a', { href: `#points/${pt.id}` }, pt.name), h('div', { class: 'muted small' }, pt.shop_name)),
    h('td', {}, pt.village_name || pt.village_code),
    h('td', {}, pt.bank_name),
    h('td', {}, pt.keeper_name),
    h('td', {}, statusBadge(pt.status))));

  mount(ctx.main,
    h('div', { class: 'page-head' },
      h('h1', {}, ct('points_title')),
      ctx.may('points.write') ? h('a', { href: '#points/new', class: 'button primary' }, ct('new_point')) : null),
    form,
    listMap(ctx, query),
    h('p', { class: 'total', role: 'status' }, ct('total', { n: page.total })),
    page.items.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
        h('thead', {}, h('tr', {}, [ct('name'), ct('village'), ct('bank'), ct('keeper_name'), ct('status')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, rows)))
      : h('p', { class: 'muted' }, ct('none_found')),
    pager(page, p));
}

/** The filtered points (up to 500) on a small map; "filter by this area" sets bbox. */
function listMap(ctx, query) {
  const box = h('div', { class: 'map-box', hidden: true });
  const toggle = h('button', { type: 'button', 'aria-expanded': 'false' }, ct('show_map'));
  const useArea = h('button', { type: 'button', class: 'primary', hidden: true }, ct('filter_by_map'));
  let map = null;
  toggle.addEventListener('click', async () => {
    box.hidden = !box.hidden;
    toggle.setAttribute('aria-expanded', String(!box.hidden));
    toggle.textContent = ct(box.hidden ? 'show_map' : 'hide_map');
    useArea.hidden = box.hidden;
    if (map || box.hidden) return;
    const all = await get('/service-points', { ...query, limit: 500, offset: 0 });
    map = await pointsMap(box, all.items, { onPick: (id) => ctx.go(`points/${id}`) });
    if (!map) useArea.hidden = true;
  });
  useArea.addEventListener('click', () => {
    const next = new URLSearchParams(ctx.params);
    next.set('bbox', bboxOf(map));
    next.delete('offset');
    ctx.go(`points?${next}`);
  });
  return h('div', { class: 'list-map' }, h('div', { class: 'actions' }, toggle, useArea), box);
}

function pager(page, params) {
  const pages = Math.max(1, Math.ceil(page.total / page.limit));
  const current = Math.floor(page.offset / page.limit) + 1;
  const link = (offset, label, enabled) => {
    if (!enabled) return h('span', { class: 'button disabled', 'aria-disabled': 'true' }, label);
    const next = new URLSearchParams(params);
    next.set('offset', String(offset));
    return h('a', { class: 'button', href: `#points?${next}` }, label);
  };
  return h('nav', { class: 'pager', 'aria-label': ct('page_of', { page: current, pages }) },
    link(page.offset - page.limit, ct('prev'), current > 1),
    h('span', {}, ct('page_of', { page: current, pages })),
    link(page.offset + page.limit, ct('next'), current < pages));
}

/** Region by name: type a name, pick a match, then drill down through its children. */
export function regionPicker(code, region) {
  const hidden = h('input', { type: 'hidden', name: 'region', value: code || '' });
  const results = h('ul', { class: 'suggest' });
  const chosen = h('div', { class: 'chosen' });
  const input = h('input', { type: 'search', name: 'region_name', placeholder: ct('region_placeholder'), autocomplete: 'off' });
  const choose = (r) => {
    hidden.value = r ? r.prefix || r.code : '';
    input.value = '';
    results.replaceChildren();
    drawChosen(r);
    if (r) drill(r.code);
  };
  const children = h('select', { class: 'children', hidden: true, 'aria-label': ct('region') });
  children.addEventListener('change', () => {
    const opt = children.selectedOptions[0];
    if (opt && opt.value) choose({ code: opt.value, prefix: opt.dataset.prefix, name: opt.textContent });
  });
  async function drill(parent) {
    const page = await get('/regions', { parent, limit: 200 }).catch(() => ({ items: [] }));
    children.hidden = !page.items.length;
    mount(children, h('option', { value: '' }, '↓'), page.items.map((r) => h('option', { value: r.code, 'data-prefix': r.prefix }, r.name)));
  }
  function drawChosen(r) {
    mount(chosen, r ? h('span', { class: 'chip' }, chain(r),
      h('button', { type: 'button', class: 'link', 'aria-label': ct('region_any'), onclick: () => { choose(null); children.hidden = true; } }, '×')) : null);
  }
  let timer = null;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) { results.replaceChildren(); return; }
    timer = setTimeout(async () => {
      const page = await get('/regions', { q, limit: 10 }).catch(() => ({ items: [] }));
      mount(results, page.items.map((r) => h('li', {},
        h('button', { type: 'button', class: 'link', onclick: () => choose(r) }, `${r.name}（${r.code}）`))));
    }, 250);
  });
  drawChosen(region);
  if (region) drill(region.code);
  const id = 'f-region-name';
  input.id = id;
  return h('div', { class: 'field region' }, h('label', { for: id }, ct('region')), input, results, chosen, children, hidden);
}

function chain(region) {
  const names = (region.parents || []).map((r) => r.name);
  return [...names, region.name].join(' › ');
}

// A point's page ------------------------------------------------------------------------

export async function pointPage(ctx, id) {
  const pt = await get(`/service-points/${id}`);
  const [history, keepers, grid, limits] = await Promise.all([
    get(`/service-points/${id}/history`, { limit: 100 }),
    get('/users', { point_id: id, limit: 10 }).catch(() => null),
    get('/grid-assignments', { village: pt.village_code, active: true, limit: 10 }).catch(() => null),
    limitsCard(id),
  ]);
  const dl = (pairs) => h('dl', { class: 'props' }, pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));

  const details = dl([
    [ct('code'), pt.code], [ct('shop_name'), pt.shop_name], [ct('bank'), pt.bank_name],
    [ct('village'), `${pt.village_name}（${pt.village_code}）`], [ct('address'), pt.address],
    [ct('keeper_name'), pt.keeper_name], [ct('keeper_phone'), pt.keeper_phone],
    [ct('licence_no'), pt.licence_no], [ct('services'), (pt.services || []).map((s) => ct(`kind_${s}`)).join('、')],
    [ct('opened_on'), pt.opened_on], [ct('signage'), pt.signage ? ct('yes') : ct('no')],
    [`${ct('lon')} / ${ct('lat')}`, `${pt.lon.toFixed(6)}, ${pt.lat.toFixed(6)}`],
  ]);

  const keeperList = keepers && keepers.items.length
    ? h('ul', {}, keepers.items.map((u) => h('li', {}, ctx.may('users.write') ? h('a', { href: `#users/${u.id}` }, `${u.display_name}（${u.username}）`) : `${u.display_name}（${u.username}）`, u.active ? '' : ` · ${ct('user_inactive')}`)))
    : h('p', { class: 'muted' }, ct('no_keeper_account'));
  const gridList = grid && grid.items.length
    ? h('ul', {}, grid.items.map((a) => h('li', {}, `${a.display_name}（${a.username}）`)))
    : h('p', { class: 'muted' }, ct('no_grid_worker'));

  mount(ctx.main,
    h('p', {}, h('a', { href: '#points' }, `← ${ct('back_to_list')}`)),
    h('div', { class: 'page-head' },
      h('h1', {}, pt.name, ' ', statusBadge(pt.status)),
      ctx.may('points.write') ? h('a', { href: `#points/${id}/edit`, class: 'button' }, ct('edit')) : null),
    pt.status_reason ? h('p', { class: 'muted' }, `${ct(`status_${pt.status}`)} · ${ct('since', { date: pt.status_since })} · ${pt.status_reason}`) : null,
    h('div', { class: 'grid2' },
      h('section', { class: 'card' }, h('h2', {}, ct('details')), details),
      h('div', {},
        ctx.may('points.write') ? statusCard(ctx, pt) : null,
        h('section', { class: 'card' }, h('h2', {}, ct('keeper_account')), keeperList,
          ctx.may('users.write') && pt.status !== 'closed'
            ? h('a', { class: 'button', href: `#users?new_keeper=${pt.id}` }, ct('new_keeper')) : null),
        positionCard(pt),
        h('section', { class: 'card' }, h('h2', {}, ct('grid_worker')), gridList),
        limits)),
    terminalsCard(ctx, pt),
    h('section', { class: 'card', id: 'history' }, h('h2', {}, ct('history')), historyTable(id, history)));
}

/** The point on a small map: drawn at once on a desktop, on request on a phone. */
function positionCard(pt) {
  const box = h('div', { class: 'map-box small' });
  const card = h('section', { class: 'card', id: 'position' }, h('h2', {}, ct('position')), box);
  const draw = () => pointsMap(box, [pt], { single: true });
  if (matchMedia(WIDE).matches) {
    requestAnimationFrame(draw);
  } else {
    box.hidden = true;
    const show = h('button', { type: 'button' }, ct('show_map'));
    show.addEventListener('click', () => { show.remove(); box.hidden = false; draw(); });
    card.append(show);
  }
  return card;
}

function statusCard(ctx, pt) {
  const actions = { active: ['suspend', 'close'], suspended: ['reopen', 'close'], closed: ['reopen'] }[pt.status] || [];
  const form = h('form', { class: 'status-form', novalidate: true },
    field(ct('reason'), 'reason', { control: h('textarea', { rows: 2, maxlength: 500, placeholder: ct('reason_placeholder') }) }),
    h('p', { class: 'error', role: 'alert' }),
    h('div', { class: 'actions' }, actions.map((a) => h('button', { type: 'submit', value: a, class: a === 'reopen' ? 'primary' : 'danger' }, ct(`act_${a}`)))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const action = e.submitter && e.submitter.value;
    const message = form.querySelector('p.error');
    message.textContent = '';
    clearFieldErrors(form);
    for (const b of form.querySelectorAll('button')) b.disabled = true;
    try {
      await post(`/service-points/${pt.id}/${action}`, { reason: form.reason.value.trim() });
      ctx.go(`points/${pt.id}`);
    } catch (err) {
      if (err.status === 401) return;
      message.textContent = err.status === 0 ? ct('offline_kept') : showFieldErrors(form, err.fields).join('；') || err.message;
      for (const b of form.querySelectorAll('button')) b.disabled = false;
    }
  });
  return h('section', { class: 'card' }, h('h2', {}, ct('status_change')), form);
}

/** Every change, oldest first; further pages on request (更多记录) until the total is shown. */
function historyTable(pointId, first) {
  if (!first.items.length) return h('p', { class: 'muted' }, ct('no_history'));
  const row = (e) => h('tr', {},
    h('td', { class: 'nowrap' }, when(e.at)),
    h('td', {}, e.actor || '—'),
    h('td', {}, ct(`action_${e.action}`) === `action_${e.action}` ? e.action : ct(`action_${e.action}`), e.reason ? h('div', { class: 'muted small' }, e.reason) : null),
    h('td', {}, diff(e.before, e.after)));
  const body = h('tbody', {}, first.items.map(row));
  let shown = first.items.length;
  const more = h('button', { type: 'button', hidden: shown >= first.total }, ct('older_history'));
  more.addEventListener('click', async () => {
    more.disabled = true;
    const page = await get(`/service-points/${pointId}/history`, { limit: first.limit, offset: shown });
    body.append(...page.items.map(row));
    shown += page.items.length;
    more.hidden = shown >= page.total || !page.items.length;
    more.disabled = false;
  });
  return h('div', {}, h('div', { class: 'table-wrap' }, h('table', { class: 'list history' },
    h('thead', {}, h('tr', {}, [ct('when'), ct('who'), ct('what'), ct('change')].map((x) => h('th', { scope: 'col' }, x)))),
    body)), more);
}

const HIDDEN_IN_DIFF = new Set(['status_since', 'county_code']);

/** before → after of each field that changed (a creation lists what was set). */
function diff(before, after) {
  const keys = new Set([...Object.keys(before || {}), ...Object.keys(after || {})]);
  const items = [];
  for (const key of keys) {
    if (HIDDEN_IN_DIFF.has(key)) continue;
    const a = before ? before[key] : undefined;
    const b = after ? after[key] : undefined;
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    const label = ct(key) === key ? key : ct(key);
    items.push(h('li', {}, h('span', { class: 'k' }, label), '：',
      before ? h('del', {}, show(a)) : null, before ? ' → ' : null, h('ins', {}, show(b))));
  }
  return items.length ? h('ul', { class: 'diff' }, items) : '—';
}

function show(value) {
  if (value === null || value === undefined || value === '') return '∅';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'boolean') return value ? ct('yes') : ct('no');
  return String(value);
}

// Create and edit -----------------------------------------------------------------------

// What was typed, kept across a failed save: the network was down, or the session had
// expired and she signs in again (a new page load, so the draft is in sessionStorage).
const drafts = {
  key: (id) => `zhunong.console.draft.point.${id ?? 'new'}`,
  get(id) {
    try { return JSON.parse(sessionStorage.getItem(this.key(id))); } catch { return null; }
  },
  set(id, value) {
    try { sessionStorage.setItem(this.key(id), JSON.stringify(value)); } catch { /* kept in the form only */ }
  },
  delete(id) {
    try { sessionStorage.removeItem(this.key(id)); } catch { /* nothing kept */ }
  },
};

export async function pointForm(ctx, id) {
  const [pt, bankList] = await Promise.all([id ? get(`/service-points/${id}`) : null, banks()]);
  const v = drafts.get(id) || pt || { services: ['withdrawal', 'balance_inquiry', 'transfer'], signage: true };
  const services = h('fieldset', { class: 'checks' }, h('legend', {}, ct('services')),
    KINDS.map((k) => h('label', {}, h('input', { type: 'checkbox', name: 'services', value: k, checked: (v.services || []).includes(k) }), ct(`kind_${k}`))),
    h('small', { class: 'error', 'data-error': 'services' }));
  const form = h('form', { class: 'point-form', novalidate: true },
    h('div', { class: 'grid2' },
      field(ct('bank'), 'bank_id', { control: select('bank_id', [['', '—'], ...bankList.map((b) => [String(b.id), b.label])], v.bank_id ? String(v.bank_id) : (bankList[0] ? String(bankList[0].id) : '')) }),
      field(ct('code'), 'code', { value: v.code ?? '' }),
      field(ct('name'), 'name', { value: v.name ?? '' }),
      field(ct('shop_name'), 'shop_name', { value: v.shop_name ?? '' }),
      field(ct('keeper_name'), 'keeper_name', { value: v.keeper_name ?? '' }),
      field(ct('keeper_phone'), 'keeper_phone', { type: 'tel', value: v.keeper_phone ?? '' }),
      field(ct('village_code'), 'village_code', { inputmode: 'numeric', value: v.village_code ?? '' }),
      field(ct('address'), 'address', { value: v.address ?? '' }),
      field(ct('lon'), 'lon', { inputmode: 'decimal', value: v.lon ?? '' }),
      field(ct('lat'), 'lat', { inputmode: 'decimal', value: v.lat ?? '' }),
      field(ct('licence_no'), 'licence_no', { value: v.licence_no ?? '' }),
      field(ct('opened_on'), 'opened_on', { type: 'date', value: v.opened_on ?? '' })),
    services,
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'signage', checked: !!v.signage }), ct('signage')),
    h('p', { class: 'error form-error', role: 'alert' }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, ct('save')),
      h('a', { class: 'button', href: id ? `#points/${id}` : '#points' }, ct('cancel'))));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = readPoint(form, pt);
    const message = form.querySelector('.form-error');
    const button = form.querySelector('button[type=submit]');
    message.textContent = '';
    clearFieldErrors(form);
    button.disabled = true;
    button.textContent = ct('saving');
    try {
      const saved = id ? await patch(`/service-points/${id}`, body) : await post('/service-points', body);
      drafts.delete(id);
      ctx.go(`points/${saved.id}`);
    } catch (err) {
      if (err.status === 401) { drafts.set(id, { ...v, ...body }); return; }
      if (err.status === 0) {
        drafts.set(id, { ...v, ...body });
        message.textContent = ct('offline_kept');
      } else {
        const rest = showFieldErrors(form, err.fields);
        message.textContent = Object.keys(err.fields).length ? [ct('fix_errors'), ...rest].join('；') : err.message;
      }
    } finally {
      button.disabled = false;
      button.textContent = ct('save');
    }
  });

  mount(ctx.main,
    h('p', {}, h('a', { href: id ? `#points/${id}` : '#points' }, `← ${id ? pt.name : ct('back_to_list')}`)),
    h('h1', {}, ct(id ? 'form_edit' : 'form_new')),
    form);
}

/** The form as the API's body: numbers as numbers, empty optional fields as null; on
 *  edit only what changed is sent. */
function readPoint(form, original) {
  const data = new FormData(form);
  const text = (name) => (data.get(name) || '').trim();
  const num = (name) => (text(name) === '' ? null : Number(text(name)));
  const body = {
    bank_id: text('bank_id') ? Number(text('bank_id')) : null,
    code: text('code') || null,
    name: text('name'),
    shop_name: text('shop_name'),
    keeper_name: text('keeper_name'),
    keeper_phone: text('keeper_phone') || null,
    village_code: text('village_code'),
    address: text('address') || null,
    lon: num('lon'),
    lat: num('lat'),
    licence_no: text('licence_no') || null,
    opened_on: text('opened_on') || null,
    services: data.getAll('services'),
    signage: form.signage.checked,
  };
  if (Number.isNaN(body.lon)) body.lon = text('lon');
  if (Number.isNaN(body.lat)) body.lat = text('lat');
  if (!original) {
    for (const key of Object.keys(body)) if (body[key] === null) delete body[key];
    return body;
  }
  const changed = {};
  for (const [key, value] of Object.entries(body)) {
    if (JSON.stringify(value) !== JSON.stringify(original[key] ?? null)) changed[key] = value;
  }
  if ('lon' in changed || 'lat' in changed) { changed.lon = body.lon; changed.lat = body.lat; }
  return changed;
}

export { ApiError };
