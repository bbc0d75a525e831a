// The console of supervisors, regulators and admins: one page, a hash router, and the
// navigation of what the signed-in role may use (the permissions /auth/me lists).
import { call, endSession, session, signInAgain } from './api.js';
import { dashboardPage } from './dashboard.js';
import { coveragePage } from './coverage.js';
import { h, mount } from './dom.js';
import { fieldPage } from './fieldwork.js';
import { flagsPage } from './flags.js';
import { importsPage } from './imports.js';
import { assignmentsPage, banksPage } from './org.js';
import { alertsPage, limitsPage } from './rules.js';
import { pointForm, pointPage, pointsPage } from './points.js';
import { ct, currentLang, setLang } from './strings.js';
import { userPage, usersPage } from './users.js';

// [hash, label key, the permission it needs (null: every console role)]
const NAV = [
  ['dashboard', 'nav_dashboard', 'stats.read'],
  ['points', 'nav_points', null],
  ['banks', 'nav_banks', null],
  ['assignments', 'nav_assignments', null],
  ['alerts', 'nav_alerts', null],
  ['flags', 'nav_flags', 'flags.read'],
  ['limits', 'nav_limits', null],
  ['users', 'nav_users', 'users.write'],
  ['imports', 'nav_imports', 'imports.run'],
  ['coverage', 'nav_coverage', 'coverage.read'],
  ['field', 'nav_field', 'requests.read'],
];

const ROUTES = [
  [/^dashboard$/, (ctx) => dashboardPage(ctx), 'stats.read'],
  [/^flags$/, (ctx) => flagsPage(ctx), 'flags.read'],
  [/^points\/new$/, (ctx) => pointForm(ctx, null), 'points.write'],
  [/^points\/(\d+)\/edit$/, (ctx, id) => pointForm(ctx, Number(id)), 'points.write'],
  [/^points\/(\d+)$/, (ctx, id) => pointPage(ctx, Number(id))],
  [/^points$/, (ctx) => pointsPage(ctx)],
  [/^users\/(\d+)$/, (ctx, id) => userPage(ctx, Number(id)), 'users.write'],
  [/^users$/, (ctx) => usersPage(ctx), 'users.write'],
  [/^imports$/, (ctx) => importsPage(ctx), 'imports.run'],
  [/^banks$/, (ctx) => banksPage(ctx)],
  [/^alerts$/, (ctx) => alertsPage(ctx)],
  [/^limits$/, (ctx) => limitsPage(ctx)],
  [/^assignments$/, (ctx) => assignmentsPage(ctx)],
  [/^coverage$/, (ctx) => coveragePage(ctx), 'coverage.read'],
  // 外勤工作: a tab per part of field work, each shown to the roles that may read it.
  [/^field(?:\/(requests|inspections|visits|trainings))?$/, (ctx, tab) => fieldPage(ctx, tab), 'requests.read'],
];

const main = document.getElementById('main');

function user() { return session().user; }

/** May the signed-in user take this action (app/auth/scope.py PERMISSIONS)? */
export function may(action) {
  return !action || (user().permissions || []).includes(action);
}

function parseHash() {
  const raw = location.hash.slice(1) || 'points';
  const [path, qs = ''] = raw.split('?');
  return { path, params: new URLSearchParams(qs) };
}

async function route() {
  const { path, params } = parseHash();
  drawNav(path.split('/')[0]);
  const ctx = { main, params, may, user: user(), go };
  for (const [pattern, view, action] of ROUTES) {
    const m = path.match(pattern);
    if (!m) continue;
    if (!may(action)) return mount(main, h('p', { class: 'notice warn' }, ct('forbidden')));
    mount(main, h('p', { class: 'muted' }, ct('loading')));
    try {
      await view(ctx, ...m.slice(1));
    } catch (err) {
      if (err.status === 401) return undefined;
      const text = err.status === 404 ? ct('not_found') : ct('error_generic', { message: err.message });
      mount(main, h('p', { class: 'notice warn', role: 'alert' }, text));
    }
    document.title = `${ct('console_title')}`;
    return undefined;
  }
  return go('points');
}

/** Navigate to a hash (`points?q=x`); the router draws it. */
export function go(hash) {
  if (location.hash.slice(1) === hash) route();
  else location.hash = hash;
}

function drawNav(current) {
  const list = document.querySelector('#nav ul');
  mount(list, NAV.filter(([, , action]) => may(action)).map(([hash, label]) =>
    h('li', {}, h('a', { href: `#${hash}`, 'aria-current': hash === current ? 'page' : null }, ct(label)))));
  const u = user();
  document.getElementById('who-name').textContent =
    `${u.display_name || u.username} · ${ct(`role_${u.role}`)}${u.org_name ? ` · ${u.org_name}` : ''}`;
  for (const el of document.querySelectorAll('[data-c]')) el.textContent = ct(el.dataset.c);
  document.getElementById('lang').textContent = ct('lang_switch');
  document.getElementById('lang').setAttribute('aria-label', currentLang() === 'zh' ? 'Switch to English' : '切换到中文');
  document.documentElement.lang = currentLang() === 'en' ? 'en' : 'zh-CN';
}

async function signOut() {
  const s = session();
  endSession();
  if (s) {
    fetch('/api/v1/auth/logout', { method: 'POST', headers: { Authorization: `Bearer ${s.token}` } }).catch(() => {});
  }
  location.assign('/');
}

function boot() {
  const s = session();
  if (!s || !s.user || !['supervisor', 'regulator', 'admin'].includes(s.user.role)) {
    signInAgain();
    return;
  }
  document.getElementById('lang').addEventListener('click', () => {
    setLang(currentLang() === 'zh' ? 'en' : 'zh');
    route();
  });
  document.getElementById('sign-out').addEventListener('click', signOut);
  window.addEventListener('hashchange', route);
  // A regulator's console opens on her region's figures.
  if (!location.hash && s.user.role === 'regulator') history.replaceState(null, '', '#dashboard');
  // The session may have been revoked since: a cheap check that also refreshes her name.
  call('GET', '/auth/me').then((me) => {
    const current = session();
    if (current) localStorage.setItem('zhunong.console.session', JSON.stringify({ ...current, user: me }));
  }).catch(() => {});
  route();
}

boot();
