// Field work (外勤工作) as the bank and the People's Bank follow it, one page with four tabs:
//   村民诉求  villagers' requests (GET /api/v1/requests), overdue ones first and marked; the
//             bank assigns, resolves and closes them with the villager's feedback
//   巡检      points due an inspection, findings past their deadline, fixes to verify and
//             the recent inspections with their failed items in words
//   走访      visits with their business (count and yuan), and the mobile teams' plans done
//   培训      training sessions and the keepers and grid workers untrained or overdue
// Each tab is shown to the roles with its read permission; each action only to the roles
// that may take it (app/auth/scope.py PERMISSIONS); the API's refusals are shown in words.
import { FIELD_WORDS } from '../field-words.js';
import { call, get } from './api.js';
import { clearFieldErrors, field, h, mount, select, showFieldErrors, when } from './dom.js';
import { count, pageStyle, today, yuan } from './dashboard.js';
import { flagText, pager } from './flags.js';
import { banks, regionPicker } from './points.js';
import { ct, currentLang } from './strings.js';

const PAGE = 20;
const REQUEST_STATUSES = ['open', 'assigned', 'resolved', 'closed'];
// Whom a request can be assigned to (app/field/requests.py ASSIGNABLE_ROLES).
const ASSIGNABLE_ROLES = ['grid_worker', 'field_agent', 'supervisor'];
const FIELD_CHANNELS = ['grid', 'mobile'];

// [tab, label key, read permission]
export const FIELD_TABS = [
  ['requests', 'field_tab_requests', 'requests.read'],
  ['inspections', 'field_tab_inspections', 'inspections.read'],
  ['visits', 'field_tab_visits', 'visits.read'],
  ['trainings', 'field_tab_trainings', 'trainings.read'],
];
const VIEWS = { requests: requestsTab, inspections: inspectionsTab, visits: visitsTab, trainings: trainingsTab };

/** A request's category or an inspection item in words (the field phone's words). */
export function fieldWord(prefix, value) {
  const words = FIELD_WORDS[currentLang()] || FIELD_WORDS.zh;
  return words[`${prefix}_${value}`] ?? FIELD_WORDS.zh[`${prefix}_${value}`] ?? value;
}
const categoryText = (c) => fieldWord('cat', c);
const itemText = (i) => fieldWord('item', i);

// Names of the people and points the lists give by id: one list of those in scope (an id
// not in a complete list is outside her scope and stays a number), then one by one only
// when that list was cut at its limit.
let directories = {};
async function nameMap(kind, ids) {
  const unique = [...new Set(ids.filter((id) => id !== null && id !== undefined))];
  if (!unique.length) return new Map();
  directories[kind] ??= get(`/${kind}`, { limit: 500 }).catch(() => ({ items: [], total: Infinity }));
  const list = await directories[kind];
  const known = new Map(list.items.map((x) => [x.id, x.display_name || x.name]));
  const complete = list.total <= list.items.length;
  const missing = complete ? [] : unique.filter((id) => !known.has(id));
  const found = await Promise.all(missing.map((id) =>
    get(`/${kind}/${id}`).then((x) => x.display_name || x.name).catch(() => null)));
  missing.forEach((id, i) => { if (found[i]) known.set(id, found[i]); });
  return new Map(unique.map((id) => [id, known.get(id) || `#${id}`]));
}

function daysBefore(day, n) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - n);
  return d.toISOString().slice(0, 10);
}
function daysBetween(a, b) {
  return Math.round((new Date(`${b}T00:00:00Z`) - new Date(`${a}T00:00:00Z`)) / 86400000);
}

const badge = (cls, text) => h('span', { class: `badge ${cls}` }, text);
const overdueBadge = () => badge('overdue', ct('overdue'));

function table(caption, heads, rows, cls = '') {
  return h('div', { class: 'table-wrap' }, h('table', { class: `list field-table ${cls}` },
    h('caption', { class: 'sr-only' }, caption),
    h('thead', {}, h('tr', {}, heads.map(([text, num]) => h('th', { scope: 'col', class: num ? 'num' : null }, text)))),
    h('tbody', {}, rows)));
}
/** A cell labelled for the phone's card layout. */
const td = (label, content, attrs = {}) => h('td', { 'data-label': label, ...attrs }, content);

/** A form's submit runs `send`; the API's refusal is shown in words, by its fields. */
function actionForm(cls, controls, label, send) {
  const error = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary' }, label);
  const form = h('form', { class: `field-action ${cls}` }, controls, error, h('div', { class: 'actions' }, button));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    clearFieldErrors(form);
    button.disabled = true;
    try {
      await send(new FormData(form));
    } catch (err) {
      if (err.status === 401) return;
      const unplaced = showFieldErrors(form, err.fields);
      error.textContent = [refusal(err), ...unplaced].join('；');
      button.disabled = false;
    }
  });
  return form;
}

function refusal(err) {
  if (err.status === 0) return err.message;
  if (err.status === 403) return ct('field_refused_403', { message: err.message });
  if (err.status === 404) return ct('field_refused_404');
  if (err.status === 409) return ct('field_refused_409', { message: err.message });
  return ct('error_generic', { message: err.message });
}

// The page ------------------------------------------------------------------------------

export async function fieldPage(ctx, tab) {
  pageStyle();
  directories = {};
  const tabs = FIELD_TABS.filter(([, , action]) => ctx.may(action));
  const current = tabs.find(([t]) => t === tab) || tabs[0];
  if (!current || (tab && current[0] !== tab)) {
    mount(ctx.main, h('p', { class: 'notice warn' }, ct('forbidden')));
    return;
  }
  const body = h('div', { class: 'field-body' });
  await VIEWS[current[0]](ctx, body);
  mount(ctx.main,
    h('div', { class: 'page-head' }, h('h1', {}, ct('field_title'))),
    h('nav', { class: 'tabs', 'aria-label': ct('field_title') },
      h('ul', {}, tabs.map(([t, label]) => h('li', {},
        h('a', { href: `#field/${t}`, 'data-tab': t, 'aria-current': t === current[0] ? 'page' : null }, ct(label)))))),
    body);
}

function filterForm(ctx, base, cls, controls, keys) {
  const form = h('form', { class: `filters field-filters ${cls}`, role: 'search' },
    controls,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, ct('apply')),
      h('a', { href: `#${base}`, class: 'button' }, ct('reset'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    if (data.get('from') && data.get('to') && data.get('from') > data.get('to')) {
      showFieldErrors(form, { from: [ct('from_after_to')] });
      return;
    }
    const next = new URLSearchParams();
    for (const key of keys) if (data.get(key)) next.set(key, String(data.get(key)).trim());
    ctx.go(`${base}?${next}`);
  });
  return form;
}

// 村民诉求 ------------------------------------------------------------------------------

async function assignees() {
  const pages = await Promise.all(ASSIGNABLE_ROLES.map((role) =>
    get('/users', { role, active: 'true', limit: 500 }).catch(() => ({ items: [] }))));
  return pages.flatMap((p) => p.items);
}

async function requestsTab(ctx, body) {
  const p = ctx.params;
  const offset = Number(p.get('offset')) || 0;
  const query = { limit: PAGE, offset };
  for (const key of ['status', 'overdue', 'region']) if (p.get(key)) query[key] = p.get(key);
  const may = {
    assign: ctx.may('requests.assign'), resolve: ctx.may('requests.resolve'), close: ctx.may('requests.close'),
  };
  const inRegion = p.get('region') ? { region: p.get('region') } : {};
  const [page, region, late, staff, byStatus] = await Promise.all([
    get('/requests', query),
    p.get('region') ? get(`/regions/${p.get('region')}`).catch(() => null) : null,
    get('/requests', { overdue: 'true', limit: 1, ...inRegion }),
    may.assign ? assignees() : [],
    Promise.all(REQUEST_STATUSES.map((status) =>
      get('/requests', { status, limit: 1, ...inRegion }).then((r) => r.total).catch(() => null))),
  ]);
  const people = await nameMap('users', page.items.flatMap((r) => [r.created_by, r.assignee_id]));
  for (const s of staff) people.set(s.id, s.display_name);

  const form = filterForm(ctx, 'field/requests', 'request-filters', [
    field(ct('status'), 'status', { control: select('status', [['', ct('status_any')], ...REQUEST_STATUSES.map((s) => [s, ct(`req_${s}`)])], p.get('status') || '') }),
    field(ct('deadline'), 'overdue', { control: select('overdue', [['', ct('overdue_any')], ['true', ct('overdue')], ['false', ct('overdue_not')]], p.get('overdue') || '') }),
    regionPicker(p.get('region'), region),
  ], ['status', 'overdue', 'region']);

  const env = { may, people, staff };
  mount(body,
    h('p', { class: 'muted small' }, ct(may.assign ? 'requests_intro_bank' : 'requests_intro_read')),
    form,
    late.total ? h('p', { class: 'notice warn late-count' },
      h('a', { href: `#field/requests?${new URLSearchParams({ overdue: 'true', ...inRegion })}` },
        ct('requests_late', { n: count(late.total) }))) : null,
    h('ul', { class: 'status-counts', 'aria-label': ct('status') }, REQUEST_STATUSES.map((status, i) => h('li', {},
      h('a', {
        class: 'button', 'data-status': status, 'aria-current': p.get('status') === status ? 'true' : null,
        href: `#field/requests?${new URLSearchParams({ status, ...inRegion })}`,
      }, ct(`req_${status}`), ' ', h('strong', {}, byStatus[i] === null ? '—' : count(byStatus[i])))))),
    h('p', { class: 'total', role: 'status' }, ct('requests_total', { n: page.total })),
    page.items.length
      ? h('ul', { class: 'cards request-list' }, page.items.map((item) => {
        const li = h('li', {});
        drawRequest(li, item, env);
        return li;
      }))
      : h('p', { class: 'muted' }, ct('requests_none')),
    pager(page, p, 'field/requests'));
}

function drawRequest(li, item, env, said = '') {
  li.className = `card request-item${item.overdue ? ' is-overdue' : ''}`;
  li.dataset.id = item.id;
  li.dataset.status = item.status;
  const name = (id) => (id ? env.people.get(id) || `#${id}` : '—');
  const facts = [
    [ct('taken_by'), `${name(item.created_by)} · ${when(item.taken_at)}`],
    item.assignee_id ? [ct('assignee'), name(item.assignee_id)] : null,
    item.resolution ? [ct('resolution'), h('span', { class: 'resolution' }, item.resolution, h('span', { class: 'muted small' }, ` · ${when(item.resolved_at)}`))] : null,
    item.feedback ? [ct('feedback'), h('span', { class: 'feedback' },
      badge(item.satisfied ? 'status-active' : 'status-suspended', ct(item.satisfied ? 'satisfied' : 'unsatisfied')), ' ',
      item.feedback, h('span', { class: 'muted small' }, ` · ${when(item.closed_at)}`))] : null,
  ].filter(Boolean);
  mount(li,
    h('div', { class: 'request-head' },
      h('span', { class: 'badges' },
        item.overdue ? overdueBadge() : null,
        badge(`req-${item.status}`, ct(`req_${item.status}`)),
        badge('cat', categoryText(item.category))),
      h('span', { class: 'where' }, h('strong', {}, item.village_name || item.village_code))),
    h('p', { class: 'deadline' }, ct('deadline_on', { d: item.deadline }),
      item.overdue ? h('span', { class: 'late-days' }, ` ${ct('late_days', { n: daysBetween(item.deadline, today()) })}`) : null),
    h('p', { class: 'request-text' }, item.text),
    h('dl', { class: 'props' }, facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    said ? h('p', { class: 'ok', role: 'status' }, said) : null,
    requestActions(li, item, env));
}

function requestActions(li, item, env) {
  const redraw = (saved, key, vars) => drawRequest(li, saved, env, ct(key, vars));
  const forms = [];
  const open = item.status === 'open' || item.status === 'assigned';
  if (open && env.may.assign) {
    const near = (u) => (u.county_code && item.village_code.startsWith(u.county_code) ? 0 : 1);
    const people = [...env.staff].sort((a, b) => near(a) - near(b) || ASSIGNABLE_ROLES.indexOf(a.role) - ASSIGNABLE_ROLES.indexOf(b.role));
    const chooser = select('assignee_id', [['', ct('assignee_pick')],
      ...people.map((u) => [String(u.id), `${u.display_name}（${ct(`role_${u.role}`)}${near(u) ? '' : ` · ${ct('same_county')}`}）`])],
    item.assignee_id ? String(item.assignee_id) : '');
    chooser.required = true;
    const assign = actionForm('assign-form', field(ct('assign_to'), 'assignee_id', { control: chooser }),
      ct(item.status === 'assigned' ? 'reassign' : 'assign_request'),
      async (data) => {
        const saved = await call('POST', `/requests/${item.id}/assign`, { json: { assignee_id: Number(data.get('assignee_id')) } });
        redraw(saved, 'assigned_to', { name: env.people.get(saved.assignee_id) || '' });
      });
    forms.push(item.status === 'assigned' ? h('details', { class: 'reassign' }, h('summary', {}, ct('reassign')), assign) : assign);
  }
  if (item.status === 'assigned' && env.may.resolve) {
    const text = h('textarea', { name: 'resolution', required: true, maxlength: '2000', rows: '2' });
    forms.push(actionForm('resolve-form', field(ct('resolution_what'), 'resolution', { control: text }), ct('resolve'),
      async (data) => {
        const saved = await call('POST', `/requests/${item.id}/resolve`, { json: { resolution: data.get('resolution').trim() } });
        redraw(saved, 'resolved_said');
      }));
  }
  if (item.status === 'resolved' && env.may.close) {
    const text = h('textarea', { name: 'feedback', required: true, maxlength: '2000', rows: '2' });
    const choice = (value, label) => h('label', { class: 'check' },
      h('input', { type: 'radio', name: 'satisfied', value, required: true }), label);
    forms.push(actionForm('close-form', [
      field(ct('feedback_what'), 'feedback', { control: text }),
      h('fieldset', { class: 'checks' }, h('legend', {}, ct('feedback_satisfied')),
        choice('true', ct('satisfied')), choice('false', ct('unsatisfied'))),
    ], ct('close_request'), async (data) => {
      const saved = await call('POST', `/requests/${item.id}/close`, {
        json: { feedback: data.get('feedback').trim(), satisfied: data.get('satisfied') === 'true' },
      });
      redraw(saved, 'closed_said');
    }));
  }
  return forms.length ? h('div', { class: 'request-actions' }, forms) : null;
}

// 巡检 ----------------------------------------------------------------------------------

async function inspectionsTab(ctx, body) {
  const p = ctx.params;
  const offset = Number(p.get('offset')) || 0;
  const canVerify = ctx.may('findings.verify');
  const onlyDue = p.get('due') === 'overdue';
  const [due, dueLate, late, fixed, recent] = await Promise.all([
    get('/inspections/due', { limit: 100, ...(onlyDue ? { overdue: 'true' } : {}) }),
    get('/inspections/due', { overdue: 'true', limit: 1 }),
    get('/findings', { overdue: 'true', limit: 100 }),
    get('/findings', { status: 'fixed', limit: 100 }),
    get('/inspections', { limit: PAGE, offset }),
  ]);
  const findings = [...late.items, ...fixed.items, ...recent.items.flatMap((i) => i.findings)];
  const [points, people] = await Promise.all([
    nameMap('service-points', [...findings.map((f) => f.point_id), ...recent.items.map((i) => i.point_id)]),
    nameMap('users', [...findings.map((f) => f.owner_id), ...recent.items.map((i) => i.inspector_id)]),
  ]);
  const point = (id) => h('a', { href: `#points/${id}` }, points.get(id) || `#${id}`);
  const person = (id) => (id ? people.get(id) || `#${id}` : '—');

  const dueRows = due.items.map((d) => h('tr', { 'data-point': String(d.point_id), class: d.overdue ? 'is-overdue' : null },
    td(ct('point'), [h('a', { href: `#points/${d.point_id}` }, d.point_name), d.overdue ? [' ', overdueBadge()] : null]),
    td(ct('last_inspected'), d.last_inspected_at ? when(d.last_inspected_at) : h('span', { class: 'never' }, ct('never_inspected'))),
    td(ct('every'), ct('every_days', { n: d.every_days })),
    td(ct('next_due'), d.next_due)));

  const lateRows = late.items.map((f) => h('tr', { 'data-finding': String(f.id), class: 'is-overdue' },
    td(ct('point'), point(f.point_id)),
    td(ct('finding_item'), itemText(f.item)),
    td(ct('owner'), person(f.owner_id)),
    td(ct('deadline'), [f.deadline, ' ', overdueBadge(), h('span', { class: 'late-days' }, ` ${ct('late_days', { n: daysBetween(f.deadline, today()) })}`)])));

  const fixedRows = fixed.items.map((f) => {
    const cell = td(ct('verify'), canVerify ? null : h('span', { class: 'muted' }, ct('awaiting_verify')));
    if (canVerify) {
      mount(cell, actionForm('verify-form', null, ct('verify_fix'), async () => {
        const saved = await call('POST', `/findings/${f.id}/verify`);
        mount(cell, h('span', { class: 'ok', role: 'status' }, ct('verified_at', { t: when(saved.verified_at) })));
      }));
    }
    return h('tr', { 'data-finding': String(f.id) },
      td(ct('point'), point(f.point_id)),
      td(ct('finding_item'), itemText(f.item)),
      td(ct('fix'), [f.fix, h('div', { class: 'muted small' }, `${person(f.owner_id)} · ${when(f.fixed_at)}`)]),
      cell);
  });

  const recentCards = recent.items.map((i) => h('li', { class: 'card inspection-item', 'data-id': i.id },
    h('div', { class: 'request-head' },
      h('strong', {}, point(i.point_id)),
      h('span', { class: 'muted small' }, `${person(i.inspector_id)} · ${when(i.inspected_at)}`)),
    i.failed_items.length
      ? h('ul', { class: 'reasons', 'aria-label': ct('failed_items') }, i.failed_items.map((item) => {
        const f = i.findings.find((x) => x.item === item);
        return h('li', { class: 'badge flag', 'data-item': item },
          itemText(item), f ? ` · ${ct(`finding_${f.status}`)}` : '');
      }))
      : h('p', {}, badge('status-active', ct('all_passed'))),
    i.note ? h('p', { class: 'small' }, i.note) : null));

  const section = (id, title, note, ...content) => h('section', { class: 'card', id },
    h('h2', {}, title), note ? h('p', { class: 'muted small' }, note) : null, content);
  mount(body,
    h('section', { class: 'figures-row field-figures', 'aria-label': ct('figures') },
      figure('due', ct('fig_due'), dueLate.total, dueLate.total ? 'warn' : ''),
      figure('late_findings', ct('fig_late_findings'), late.total, late.total ? 'warn' : ''),
      figure('fixed', ct('fig_fixed'), fixed.total),
      figure('inspections', ct('fig_inspections'), recent.total)),
    section('late-findings', ct('late_findings_title'), ct('late_findings_note'),
      shownOf(late),
      lateRows.length ? table(ct('late_findings_title'), [[ct('point')], [ct('finding_item')], [ct('owner')], [ct('deadline')]], lateRows)
        : h('p', { class: 'muted' }, ct('late_findings_none'))),
    section('to-verify', ct('to_verify_title'), canVerify ? null : ct('verify_read_only'),
      shownOf(fixed),
      fixedRows.length ? table(ct('to_verify_title'), [[ct('point')], [ct('finding_item')], [ct('fix')], [ct('verify')]], fixedRows)
        : h('p', { class: 'muted' }, ct('to_verify_none'))),
    section('due', ct('due_title'), ct('due_note', { n: count(due.total) }),
      h('div', { class: 'actions due-toggle' }, onlyDue
        ? h('a', { class: 'button', href: '#field/inspections' }, ct('due_all'))
        : h('a', { class: 'button', href: '#field/inspections?due=overdue' }, ct('due_only', { n: count(dueLate.total) }))),
      shownOf(due),
      dueRows.length ? table(ct('due_title'), [[ct('point')], [ct('last_inspected')], [ct('every')], [ct('next_due')]], dueRows)
        : h('p', { class: 'muted' }, ct('none_found'))),
    section('recent', ct('recent_inspections'), null,
      recentCards.length ? h('ul', { class: 'cards inspection-list' }, recentCards) : h('p', { class: 'muted' }, ct('inspections_none')),
      pager(recent, p, 'field/inspections')));
}

/** "the first 100 of 240" when a list is longer than one call brings. */
function shownOf(page) {
  return page.total > page.items.length ? h('p', { class: 'muted small' }, ct('shown_of', { n: page.items.length, total: count(page.total) })) : null;
}

function figure(key, label, n, cls = '') {
  return h('div', { class: `figure ${cls}`, 'data-figure': key },
    h('div', { class: 'label' }, label),
    h('div', { class: 'value', 'data-n': String(n) }, count(n)));
}

// 走访 ----------------------------------------------------------------------------------

async function visitsTab(ctx, body) {
  const p = ctx.params;
  const to = p.get('to') || today();
  const from = p.get('from') || daysBefore(to, 29);
  const offset = Number(p.get('offset')) || 0;
  const query = { limit: PAGE, offset, from, to };
  for (const key of ['region', 'bank', 'team', 'channel', 'user']) if (p.get(key)) query[key] = p.get(key);
  const canTeams = ctx.may('teams.read');
  const [page, region, bankList, teams] = await Promise.all([
    get('/visits', query),
    p.get('region') ? get(`/regions/${p.get('region')}`).catch(() => null) : null,
    banks().catch(() => []),
    canTeams ? get('/teams', { limit: 100 }).catch(() => ({ items: [] })) : { items: [] },
  ]);
  const plans = await Promise.all(teams.items.map((t) =>
    get(`/teams/${t.id}/plans`, { from, to, limit: 100 }).catch(() => null)));

  const form = filterForm(ctx, 'field/visits', 'visit-filters', [
    regionPicker(p.get('region'), region),
    field(ct('bank'), 'bank', { control: select('bank', [['', ct('bank_any')], ...bankList.map((b) => [String(b.id), b.label])], p.get('bank') || '') }),
    canTeams ? field(ct('team'), 'team', { control: select('team', [['', ct('team_any')], ...teams.items.map((t) => [String(t.id), t.name])], p.get('team') || '') }) : null,
    field(ct('channel'), 'channel', { control: select('channel', [['', ct('channel_any')], ...FIELD_CHANNELS.map((c) => [c, ct(`visit_channel_${c}`)])], p.get('channel') || '') }),
    field(ct('date_from'), 'from', { type: 'date', value: from, required: true }),
    field(ct('date_to'), 'to', { type: 'date', value: to, required: true }),
    p.get('user') ? h('input', { type: 'hidden', name: 'user', value: p.get('user') }) : null,
  ], ['region', 'bank', 'team', 'channel', 'user', 'from', 'to']);

  const sum = page.items.reduce((acc, v) => ({
    n: acc.n + v.business_count, fen: acc.fen + v.business_fen, households: acc.households + v.households,
  }), { n: 0, fen: 0, households: 0 });
  const who = (v) => {
    const next = new URLSearchParams({ user: String(v.user_id), from, to });
    return h('a', { href: `#field/visits?${next}` }, v.user_name);
  };
  const rows = page.items.map((v) => h('tr', { 'data-id': v.id },
    td(ct('visit_when'), [when(v.started_at), h('div', { class: 'muted small' }, `${ct('until')} ${when(v.ended_at).slice(-5)}`)], { class: 'nowrap' }),
    td(ct('village'), [v.village_name, v.village_source === 'picked' ? h('div', { class: 'muted small' }, ct('village_picked')) : null,
      (v.flags || []).length ? h('ul', { class: 'reasons' }, v.flags.map((f) => h('li', { class: 'badge flag', 'data-flag': f }, flagText(f)))) : null]),
    td(ct('channel'), badge(`channel-${v.channel}`, ct(`visit_channel_${v.channel}`))),
    td(ct('visitor'), who(v)),
    td(ct('households'), count(v.households), { class: 'num' }),
    td(ct('col_count'), count(v.business_count), { class: 'num', 'data-count': String(v.business_count) }),
    td(ct('col_amount'), yuan(v.business_fen), { class: 'num', 'data-fen': String(v.business_fen) }),
    td(ct('talks'), v.talks ? ct('talks_n', { n: v.talks, people: count(v.talk_attendance) }) : '—', { class: 'num' })));
  const foot = page.items.length ? h('tfoot', {}, h('tr', { class: 'sum' },
    h('th', { scope: 'row', colspan: '4' }, ct('page_sum')),
    td(ct('households'), count(sum.households), { class: 'num' }),
    td(ct('col_count'), count(sum.n), { class: 'num' }),
    td(ct('col_amount'), yuan(sum.fen), { class: 'num', 'data-fen': String(sum.fen) }),
    h('td', {}))) : null;
  const visitTable = table(ct('visits_title'), [[ct('visit_when')], [ct('village')], [ct('channel')], [ct('visitor')],
    [ct('households'), true], [ct('col_count'), true], [ct('col_amount'), true], [ct('talks'), true]], rows, 'figures visits');
  if (foot) visitTable.firstChild.append(foot);

  mount(body,
    form,
    p.get('user') && page.items[0] ? h('p', { class: 'chip-line' }, ct('visits_of', { name: page.items[0].user_name }), ' ',
      h('a', { href: `#field/visits?${new URLSearchParams({ from, to })}` }, ct('visits_everyone'))) : null,
    h('p', { class: 'total', role: 'status' }, ct('visits_total', { n: page.total, from, to })),
    page.items.length ? visitTable : h('p', { class: 'muted' }, ct('visits_none')),
    pager(page, p, 'field/visits'),
    canTeams ? teamsSection(teams.items, plans, from, to) : null);
}

function teamsSection(teams, plans, from, to) {
  const pct = (done, planned) => (planned ? `${Math.round((100 * done) / planned)}%` : '—');
  const rows = teams.map((t, i) => {
    const pl = plans[i];
    const visits = new URLSearchParams({ team: String(t.id), from, to });
    return h('tr', { 'data-team': String(t.id) },
      td(ct('team'), [h('strong', {}, t.name), pl && pl.items.length ? h('details', { class: 'plans' },
        h('summary', {}, ct('plans_show')),
        h('ul', { class: 'plan-list' }, pl.items.map((x) => h('li', { 'data-done': String(x.done) },
          `${x.planned_on} ${x.village_name} `, badge(x.done ? 'status-active' : (x.planned_on < today() ? 'overdue' : 'status-closed'),
            ct(x.done ? 'plan_done' : (x.planned_on < today() ? 'plan_missed' : 'plan_todo'))))))) : null]),
      td(ct('members'), count(t.members), { class: 'num' }),
      td(ct('planned'), pl ? count(pl.planned) : '—', { class: 'num', 'data-planned': pl ? String(pl.planned) : '' }),
      td(ct('done'), pl ? count(pl.done) : '—', { class: 'num', 'data-done': pl ? String(pl.done) : '' }),
      td(ct('done_rate'), pl ? pct(pl.done, pl.planned) : '—', { class: 'num' }),
      td(ct('visits_title'), h('a', { href: `#field/visits?${visits}` }, ct('team_visits'))));
  });
  return h('section', { class: 'card', id: 'teams' },
    h('h2', {}, ct('teams_title')),
    h('p', { class: 'muted small' }, ct('teams_note', { from, to })),
    rows.length ? table(ct('teams_title'), [[ct('team')], [ct('members'), true], [ct('planned'), true], [ct('done'), true], [ct('done_rate'), true], [ct('visits_title')]], rows, 'figures teams')
      : h('p', { class: 'muted' }, ct('teams_none')));
}

// 培训 ----------------------------------------------------------------------------------

const EVERY = [180, 365, 730];

async function trainingsTab(ctx, body) {
  const p = ctx.params;
  const offset = Number(p.get('offset')) || 0;
  const every = EVERY.includes(Number(p.get('every'))) ? Number(p.get('every')) : 365;
  const [sessions, untrained, bankList] = await Promise.all([
    get('/trainings', { limit: PAGE, offset }),
    get('/trainings/untrained', { every_days: every, limit: 200 }),
    banks().catch(() => []),
  ]);
  const bankName = (id) => (bankList.find((b) => b.id === id) || {}).name || `#${id}`;
  const form = filterForm(ctx, 'field/trainings', 'training-filters', [
    field(ct('train_every'), 'every', { control: select('every', EVERY.map((n) => [String(n), ct('within_days', { n })]), String(every)) }),
  ], ['every']);
  const never = untrained.items.filter((u) => !u.last_trained_on).length;
  const sessionRows = sessions.items.map((s) => h('tr', { 'data-id': String(s.id) },
    td(ct('held_on'), s.held_on, { class: 'nowrap' }),
    td(ct('topic'), s.topic),
    td(ct('bank'), bankName(s.bank_id)),
    td(ct('attendees'), count(s.attendees), { class: 'num' })));
  const untrainedRows = untrained.items.map((u) => h('tr', { 'data-user': String(u.user_id) },
    td(ct('name'), h('a', { href: `#users/${u.user_id}` }, u.display_name)),
    td(ct('role'), ct(`role_${u.role}`)),
    td(ct('last_trained'), u.last_trained_on
      ? [u.last_trained_on, ' ', badge('overdue', ct('train_overdue_days', { n: daysBetween(u.last_trained_on, today()) - every }))]
      : badge('overdue', ct('never_trained')))));
  mount(body,
    h('section', { class: 'figures-row field-figures', 'aria-label': ct('figures') },
      figure('sessions', ct('fig_sessions'), sessions.total),
      figure('never', ct('fig_never_trained'), never, never ? 'warn' : ''),
      figure('untrained', ct('fig_untrained'), untrained.total, untrained.total ? 'warn' : '')),
    h('section', { class: 'card', id: 'untrained' },
      h('h2', {}, ct('untrained_title')),
      form,
      h('p', { class: 'total', role: 'status' }, ct('untrained_total', { n: untrained.total, days: every })),
      untrainedRows.length ? table(ct('untrained_title'), [[ct('name')], [ct('role')], [ct('last_trained')]], untrainedRows)
        : h('p', { class: 'ok' }, ct('untrained_none'))),
    h('section', { class: 'card', id: 'sessions' },
      h('h2', {}, ct('sessions_title')),
      sessionRows.length ? table(ct('sessions_title'), [[ct('held_on')], [ct('topic')], [ct('bank')], [ct('attendees'), true]], sessionRows, 'figures')
        : h('p', { class: 'muted' }, ct('sessions_none')),
      pager(sessions, p, 'field/trainings')));
}
