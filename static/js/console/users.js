// People: the list, creating a person, and one person's page (deactivate, reset the
// password, revoke a phone).
import { get, patch, post } from './api.js';
import { field, h, mount, select, submitForm as submit, when } from './dom.js';
import { ct } from './strings.js';

const PAGE = 30;
const ROLES = ['keeper', 'grid_worker', 'field_agent', 'supervisor', 'regulator', 'admin'];
const MANAGED_BY_SUPERVISOR = ['keeper', 'grid_worker', 'field_agent'];

function rolesFor(ctx) {
  return ctx.user.role === 'admin' ? ROLES : MANAGED_BY_SUPERVISOR;
}

export async function usersPage(ctx) {
  const p = ctx.params;
  const offset = Number(p.get('offset')) || 0;
  const [page, orgs] = await Promise.all([
    get('/users', { limit: PAGE, offset, q: p.get('q'), role: p.get('role') }),
    get('/banks', { limit: 500 }).then((r) => r.items.sort((a, b) => (a.path < b.path ? -1 : 1))),
  ]);
  const filters = h('form', { class: 'filters', role: 'search' },
    field(ct('search'), 'q', { type: 'search', value: p.get('q') || '' }),
    field(ct('role'), 'role', { control: select('role', [['', '—'], ...ROLES.map((r) => [r, ct(`role_${r}`)])], p.get('role') || '') }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, ct('apply'))));
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const key of ['q', 'role']) if (filters[key].value.trim()) next.set(key, filters[key].value.trim());
    ctx.go(`users?${next}`);
  });
  const pages = Math.max(1, Math.ceil(page.total / PAGE));
  const current = Math.floor(offset / PAGE) + 1;
  const link = (to, label, ok) => {
    if (!ok) return h('span', { class: 'button disabled', 'aria-disabled': 'true' }, label);
    const next = new URLSearchParams(p);
    next.set('offset', String(to));
    return h('a', { class: 'button', href: `#users?${next}` }, label);
  };
  mount(ctx.main,
    h('h1', {}, ct('users_title')),
    filters,
    h('p', { class: 'total', role: 'status' }, ct('total', { n: page.total })),
    h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
      h('thead', {}, h('tr', {}, [ct('display_name'), ct('username'), ct('role'), ct('org'), ct('active')].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, page.items.map((u) => h('tr', {},
        h('td', {}, h('a', { href: `#users/${u.id}` }, u.display_name)),
        h('td', {}, u.username),
        h('td', {}, ct(`role_${u.role}`)),
        h('td', {}, u.org_name || (u.point_id ? `#${u.point_id}` : '—')),
        h('td', {}, h('span', { class: `badge ${u.active ? 'status-active' : 'status-closed'}` }, ct(u.active ? 'user_active' : 'user_inactive')))))))),
    h('nav', { class: 'pager' }, link(offset - PAGE, ct('prev'), current > 1), h('span', {}, ct('page_of', { page: current, pages })), link(offset + PAGE, ct('next'), current < pages)),
    createForm(ctx, orgs));
}

function createForm(ctx, orgs) {
  const form = h('form', { class: 'card', novalidate: true },
    h('h2', {}, ct('new_user')),
    h('div', { class: 'grid2' },
      field(ct('username'), 'username', { autocomplete: 'off' }),
      field(ct('display_name'), 'display_name'),
      field(ct('role'), 'role', { control: select('role', rolesFor(ctx).map((r) => [r, ct(`role_${r}`)]), 'keeper') }),
      field(ct('org_keeper_none'), 'org_id', { control: select('org_id', [['', '—'], ...orgs.map((o) => [String(o.id), `${'　'.repeat(Math.max(0, o.depth - 1))}${o.name}`])], ctx.user.org_id ? String(ctx.user.org_id) : '') }),
      field(ct('phone'), 'phone', { type: 'tel' }),
      field(ct('point_id'), 'point_id', { inputmode: 'numeric', value: ctx.params.get('new_keeper') || '' }),
      field(ct('county_code'), 'county_code', { inputmode: 'numeric' }),
      field(ct('password'), 'password', { type: 'password', autocomplete: 'new-password' })),
    h('p', { class: 'error form-error', role: 'alert' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, ct('create'))));
  if (ctx.params.get('new_keeper')) {
    form.role.value = 'keeper';
    requestAnimationFrame(() => { form.scrollIntoView(); form.username.focus(); });
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const body = {};
    for (const [k, v] of data.entries()) if (String(v).trim()) body[k] = String(v).trim();
    for (const key of ['point_id', 'org_id']) if (/^\d+$/.test(body[key] || '')) body[key] = Number(body[key]);
    if (body.role === 'keeper') delete body.org_id; // a keeper belongs to her point
    await submit(form, () => post('/users', body), (u) => ctx.go(`users/${u.id}`));
  });
  return form;
}

/** Send a form's request, showing the API's field errors next to the fields. */
export async function userPage(ctx, id) {
  const u = await get(`/users/${id}`);
  const devices = await get(`/users/${id}/devices`).catch(() => []);
  const managed = ctx.user.role === 'admin' || MANAGED_BY_SUPERVISOR.includes(u.role);

  const toggle = h('form', { class: 'inline' },
    h('p', { class: 'error form-error', role: 'alert' }),
    h('button', { type: 'submit', class: u.active ? 'danger' : 'primary' }, ct(u.active ? 'deactivate' : 'activate')));
  toggle.addEventListener('submit', (e) => {
    e.preventDefault();
    submit(toggle, () => patch(`/users/${id}`, { active: !u.active }), () => ctx.go(`users/${id}`));
  });

  const reset = h('form', { class: 'inline', novalidate: true },
    field(ct('new_password'), 'password', { type: 'password', autocomplete: 'new-password' }),
    h('p', { class: 'error form-error', role: 'alert' }),
    h('p', { class: 'ok', role: 'status' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, ct('reset_password'))));
  reset.addEventListener('submit', (e) => {
    e.preventDefault();
    submit(reset, () => patch(`/users/${id}`, { password: reset.password.value }), () => {
      reset.password.value = '';
      reset.querySelector('.ok').textContent = ct('done');
    });
  });

  const deviceRows = devices.map((d) => {
    const button = d.revoked_at || !ctx.may('devices.revoke') ? null
      : h('button', { type: 'button', class: 'danger' }, ct('revoke'));
    if (button) {
      button.addEventListener('click', async () => {
        button.disabled = true;
        try { await post(`/devices/${d.id}/revoke`, {}); ctx.go(`users/${id}`); } catch (err) { button.disabled = false; button.after(h('span', { class: 'error' }, err.message)); }
      });
    }
    return h('tr', { 'data-device': d.id },
      h('td', {}, d.label || '—', h('div', { class: 'muted small' }, d.device_hint)),
      h('td', {}, when(d.registered_at)),
      h('td', {}, when(d.last_seen_at) || '—'),
      h('td', {}, d.revoked_at ? `${ct('revoked')} ${when(d.revoked_at)}` : button));
  });

  mount(ctx.main,
    h('p', {}, h('a', { href: '#users' }, `← ${ct('users_title')}`)),
    h('h1', {}, u.display_name, ' ', h('span', { class: `badge ${u.active ? 'status-active' : 'status-closed'}` }, ct(u.active ? 'user_active' : 'user_inactive'))),
    h('dl', { class: 'props card' }, [
      [ct('username'), u.username], [ct('role'), ct(`role_${u.role}`)], [ct('org'), u.org_name],
      [ct('phone'), u.phone], [ct('county_code'), u.county_code],
    ].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v || (u.point_id && k === ct('org') ? h('a', { href: `#points/${u.point_id}` }, `#${u.point_id}`) : '—'))])),
    managed ? h('section', { class: 'card' }, h('h2', {}, ct('active')), toggle) : null,
    managed ? h('section', { class: 'card' }, h('h2', {}, ct('reset_password')), reset) : null,
    h('section', { class: 'card' }, h('h2', {}, ct('devices')),
      devices.length
        ? h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
          h('thead', {}, h('tr', {}, [ct('devices'), ct('when'), ct('last_seen'), ''].map((x) => h('th', { scope: 'col' }, x)))),
          h('tbody', {}, deviceRows)))
        : h('p', { class: 'muted' }, ct('no_devices'))));
}
