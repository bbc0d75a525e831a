// The dashboard of regulators and supervisors: a region's business over a range of days
// (GET /api/v1/stats) beside the same days a year earlier, its coverage, the months, the
// child regions and the banks; exports of the same figures and of the ledger.
// Charts are chart.js (static/vendor, its UMD build loaded by a <script src> only here).
import { ApiError, get, session, signInAgain } from './api.js';
import { field, h, mount, showFieldErrors } from './dom.js';
import { regionPicker } from './points.js';
import { ct } from './strings.js';

const CHART_JS = '/static/vendor/chart.js/chart.umd.min.js';
export const CHANNELS = ['point', 'grid', 'mobile'];
const COLORS = { point: '#a4161a', grid: '#1e7b34', mobile: '#1f5fa8' };

const YUAN = new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY' });
const COUNT = new Intl.NumberFormat('zh-CN');
const PERCENT = new Intl.NumberFormat('zh-CN', { style: 'percent', maximumFractionDigits: 1 });
const SIGNED_PERCENT = new Intl.NumberFormat('zh-CN', { style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' });

/** Fen as yuan, "¥1,234.50" (zh-CN, whatever the console's language). */
export const yuan = (fen) => YUAN.format((fen || 0) / 100);
export const count = (n) => COUNT.format(n || 0);

/** Today's business day in Shanghai, YYYY-MM-DD. */
export function today() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
}

/** The page's stylesheet (the console's index.html links only console.css). */
export function pageStyle() {
  if (!document.querySelector('link[data-dashboard]')) {
    document.head.append(h('link', { rel: 'stylesheet', href: '/static/css/dashboard.css', 'data-dashboard': 'true' }));
  }
}

let library = null;
function loadChart() {
  library ??= new Promise((resolve, reject) => {
    if (window.Chart) { resolve(window.Chart); return; }
    document.head.append(h('script', {
      src: CHART_JS,
      onload: () => resolve(window.Chart),
      onerror: () => { library = null; reject(new Error('chart.js')); },
    }));
  });
  return library;
}

let charts = [];
function dropCharts() {
  for (const chart of charts) chart.destroy();
  charts = [];
}

/** A chart in `box` (a sized .chart-box); the table beside it says the same in words. */
async function drawChart(box, config) {
  let Chart;
  try { Chart = await loadChart(); } catch { box.replaceWith(h('p', { class: 'muted small' }, ct('chart_unavailable'))); return; }
  if (config.height) box.style.height = `${config.height}px`; // CSSOM: allowed by the CSP
  const canvas = h('canvas', { role: 'img', 'aria-label': box.dataset.label || '' });
  box.replaceChildren(canvas);
  const chart = new Chart(canvas, {
    ...config,
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: config.indexAxis || 'x',
      plugins: { legend: { position: 'bottom' }, tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${yuan(c.raw * 100)}` } } },
      scales: {
        x: { stacked: true, ...(config.indexAxis === 'y' ? { ticks: { callback: short } } : {}) },
        y: { stacked: true, ...(config.indexAxis === 'y' ? {} : { ticks: { callback: short } }) },
      },
      ...config.options,
    },
  });
  charts.push(chart);
  box.dataset.ready = 'true';
}

/** Axis ticks in 万元 beyond ten thousand yuan. */
function short(value) {
  return Math.abs(value) >= 10000 ? `${COUNT.format(value / 10000)}${ct('ten_thousand')}` : COUNT.format(value);
}

/** Months from `from` to `to`, "YYYY-MM" (the keys of group_by=period&period=month). */
function months(from, to) {
  const out = [];
  let [y, m] = from.slice(0, 7).split('-').map(Number);
  const [ey, em] = to.slice(0, 7).split('-').map(Number);
  while (y < ey || (y === ey && m <= em)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m += 1;
    if (m > 12) { m = 1; y += 1; }
  }
  return out;
}

/** The groups of one grouping summed per key: count, amount and amount by channel. */
export function byKey(groups) {
  const rows = new Map();
  for (const g of groups || []) {
    const row = rows.get(g.key) || { key: g.key, name: g.name || g.key, count: 0, amount_fen: 0, channel: {} };
    row.count += g.count;
    row.amount_fen += g.amount_fen;
    row.channel[g.channel] = (row.channel[g.channel] || 0) + g.amount_fen;
    rows.set(g.key, row);
  }
  return [...rows.values()];
}

function channelOf(figures, channel) {
  return (figures.by_channel || []).find((c) => c.channel === channel) || { count: 0, amount_fen: 0 };
}

function change(now, before) {
  if (!before) return now ? ct('change_new') : '—';
  return SIGNED_PERCENT.format((now - before) / before);
}

function figureCard(key, now, before) {
  return h('div', { class: 'figure', 'data-figure': key },
    h('div', { class: 'label' }, ct(`figure_${key}`)),
    h('div', { class: 'value', 'data-fen': String(now.amount_fen) }, yuan(now.amount_fen)),
    h('div', { class: 'small', 'data-count': String(now.count) }, ct('n_transactions', { n: count(now.count) })),
    h('div', { class: 'small muted' },
      ct('last_year'), ' ', h('span', { 'data-prev-fen': String(before.amount_fen) }, yuan(before.amount_fen)),
      ' · ', h('span', { class: 'change' }, change(now.amount_fen, before.amount_fen))));
}

function coverageCard(coverage) {
  const rate = coverage.coverage_rate;
  return h('div', { class: 'figure', 'data-figure': 'coverage' },
    h('div', { class: 'label' }, ct('figure_coverage')),
    h('div', { class: 'value', 'data-rate': rate === null || rate === undefined ? '' : String(rate) },
      rate === null || rate === undefined ? '—' : PERCENT.format(rate)),
    h('div', { class: 'small', 'data-points': String(coverage.points) }, ct('n_points', { n: count(coverage.points) })),
    h('div', { class: 'small muted', 'data-villages': String(coverage.villages) },
      ct('n_villages', { covered: count(coverage.covered_villages), n: count(coverage.villages) })));
}

function breakdownTable(rows, { caption, link }) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'list figures' },
    h('caption', { class: 'sr-only' }, caption),
    h('thead', {}, h('tr', {},
      [ct('name'), ct('col_count'), ct('col_amount'), ...CHANNELS.map((c) => ct(`channel_${c}`))]
        .map((x, i) => h('th', { scope: 'col', class: i ? 'num' : null }, x)))),
    h('tbody', {}, rows.map((r) => h('tr', { 'data-key': r.key },
      h('td', {}, link ? h('a', { href: link(r) }, r.name) : r.name),
      h('td', { class: 'num', 'data-label': ct('col_count') }, count(r.count)),
      h('td', { class: 'num', 'data-label': ct('col_amount'), 'data-fen': String(r.amount_fen) }, yuan(r.amount_fen)),
      CHANNELS.map((c) => h('td', { class: 'num', 'data-label': ct(`channel_${c}`) }, yuan(r.channel[c] || 0))))))));
}

function channelDatasets(rows) {
  return CHANNELS.map((c) => ({
    label: ct(`channel_${c}`),
    data: rows.map((r) => (r.channel[c] || 0) / 100),
    backgroundColor: COLORS[c],
  }));
}

// Downloads -------------------------------------------------------------------------------

/** GET an export with the bearer token and hand it to the browser as a file (a plain link
 *  cannot send the Authorization header). */
export async function download(path, query, fallbackName) {
  const s = session();
  if (!s) { signInAgain(); return; }
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
  const response = await fetch(`/api/v1${path}?${params}`, { headers: { Authorization: `Bearer ${s.token}` }, cache: 'no-store' });
  if (response.status === 401) { signInAgain(); return; }
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try { message = (await response.json()).error.message || message; } catch { /* not JSON */ }
    throw new ApiError(response.status, message);
  }
  const disposition = response.headers.get('Content-Disposition') || '';
  const name = (disposition.match(/filename="?([^";]+)"?/) || [])[1] || fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

function exportButtons(query, childLevel) {
  const status = h('p', { class: 'small', role: 'status' });
  const statsQuery = { ...query, group_by: childLevel ? 'region_level,period' : 'period', period: 'month' };
  const button = (label, path, q, name) => h('button', {
    type: 'button',
    onclick: async (e) => {
      const btn = e.currentTarget;
      btn.disabled = true;
      status.className = 'small';
      status.textContent = ct('exporting');
      try {
        await download(path, q, name);
        status.textContent = ct('exported');
      } catch (err) {
        status.className = 'small error';
        status.textContent = ct('error_generic', { message: err.message });
      } finally {
        btn.disabled = false;
      }
    },
  }, label);
  return h('section', { class: 'card exports' },
    h('h2', {}, ct('exports')),
    h('div', { class: 'actions' },
      button(ct('export_csv'), '/exports/stats.csv', statsQuery, 'stats.csv'),
      button(ct('export_xlsx'), '/exports/stats.xlsx', statsQuery, 'stats.xlsx'),
      button(ct('export_ledger'), '/exports/ledger.csv', query, 'ledger.csv')),
    h('p', { class: 'small muted' }, ct('export_ledger_hint')),
    status);
}

// The page --------------------------------------------------------------------------------

export async function dashboardPage(ctx) {
  pageStyle();
  dropCharts();
  const p = ctx.params;
  const to = p.get('to') || today();
  const from = p.get('from') || `${to.slice(0, 4)}-01-01`;
  const region = p.get('region') || '';
  const query = { region, from, to };
  loadChart().catch(() => {}); // in parallel with the figures

  const [main, counties, banks, regionRow, queue] = await Promise.all([
    get('/stats', { ...query, group_by: 'period', period: 'month' }),
    // A village has no lower level: the API says so with a 400, the table is left out.
    get('/stats', { ...query, group_by: 'region_level' }).catch((err) => {
      if (err.status === 400) return null;
      throw err;
    }),
    get('/stats', { ...query, group_by: 'bank' }),
    region ? get(`/regions/${region}`).catch(() => null) : null,
    ctx.may('flags.read') ? get('/flags', { ...query, reviewed: 'false', limit: 1 }).catch(() => null) : null,
  ]);

  const form = h('form', { class: 'filters dash-filters', role: 'search' },
    regionPicker(region, regionRow),
    field(ct('date_from'), 'from', { type: 'date', value: from, required: true }),
    field(ct('date_to'), 'to', { type: 'date', value: to, required: true }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, ct('apply')),
      h('a', { href: '#dashboard', class: 'button' }, ct('reset'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    if (data.get('from') > data.get('to')) {
      showFieldErrors(form, { from: [ct('from_after_to')] });
      return;
    }
    const next = new URLSearchParams();
    for (const key of ['region', 'from', 'to']) if (data.get(key)) next.set(key, data.get(key).trim());
    ctx.go(`dashboard?${next}`);
  });

  const prev = main.previous_year;
  const figures = h('section', { class: 'figures-row', 'aria-label': ct('figures') },
    figureCard('total', main.totals, prev.totals),
    CHANNELS.map((c) => figureCard(c, channelOf(main, c), channelOf(prev, c))),
    coverageCard(main.coverage));

  // Trends by month: amounts stacked by channel.
  const monthRows = byKey(main.groups);
  const monthly = months(from, to).map((m) => monthRows.find((r) => r.key === m) || { key: m, name: m, count: 0, amount_fen: 0, channel: {} });
  const trendBox = h('div', { class: 'chart-box', 'data-chart': 'months', 'data-label': ct('trend_title') });

  const countyRows = counties ? byKey(counties.groups).sort((a, b) => b.amount_fen - a.amount_fen) : null;
  const countyBox = h('div', { class: 'chart-box bars', 'data-chart': 'regions', 'data-label': ct('by_region_title') });
  const bankRows = byKey(banks.groups).sort((a, b) => b.amount_fen - a.amount_fen);
  const bankBox = h('div', { class: 'chart-box bars', 'data-chart': 'banks', 'data-label': ct('by_bank_title') });
  const drill = (r) => {
    const next = new URLSearchParams({ region: r.key, from, to });
    return `#dashboard?${next}`;
  };

  mount(ctx.main,
    h('div', { class: 'page-head' },
      h('h1', {}, ct('dashboard_title'), ' · ', h('span', { class: 'region-name' }, main.region_name)),
      h('p', { class: 'muted small period' }, ct('period_line', { from, to, pfrom: prev.from, pto: prev.to }))),
    form,
    queue ? h('p', { class: `notice ${queue.total ? 'warn' : 'ok'} flag-queue` },
      h('a', { href: `#flags?${new URLSearchParams({ reviewed: 'false', ...(region ? { region } : {}), from, to })}` },
        ct('flags_waiting', { n: count(queue.total) }))) : null,
    figures,
    h('section', { class: 'card' }, h('h2', {}, ct('trend_title')), trendBox),
    h('div', { class: 'dash-two' },
      countyRows ? h('section', { class: 'card', id: 'by-region' }, h('h2', {}, ct('by_region_title')),
        countyRows.length ? [countyBox, breakdownTable(countyRows, { caption: ct('by_region_title'), link: drill })]
          : h('p', { class: 'muted' }, ct('no_business'))) : null,
      h('section', { class: 'card', id: 'by-bank' }, h('h2', {}, ct('by_bank_title')),
        bankRows.length ? [bankBox, breakdownTable(bankRows, { caption: ct('by_bank_title') })]
          : h('p', { class: 'muted' }, ct('no_business')))),
    ctx.may('exports.run') ? exportButtons(query, Boolean(counties)) : null);

  const bars = (rows) => ({
    height: 60 + 28 * rows.length,
    type: 'bar',
    indexAxis: 'y',
    data: { labels: rows.map((r) => r.name), datasets: channelDatasets(rows) },
  });
  await Promise.all([
    drawChart(trendBox, { type: 'bar', data: { labels: monthly.map((r) => r.key), datasets: channelDatasets(monthly) } }),
    countyRows && countyRows.length ? drawChart(countyBox, bars(countyRows.slice(0, 15))) : null,
    bankRows.length ? drawChart(bankBox, bars(bankRows.slice(0, 15))) : null,
  ]);
}
