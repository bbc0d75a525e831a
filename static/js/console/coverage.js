// The coverage page (#coverage?region=1505): a map of the region's villages coloured by
// coverage status and its points (vector tiles from /tiles, scoped by the signed-in
// user's token), the region's figures beside it with drill-down by child region and by
// bank, the uncovered villages (click: the map flies there) and siting suggestions.
import { get, session, signInAgain } from './api.js';
import { h, mount } from './dom.js';
import { coverageMap, focusVillage, setCoverageFilter, showSuggestions } from './map.js';
import { ct } from './strings.js';

// Zoom of a region's centre on the map, by the length of its code prefix.
const ZOOM = { 0: 4, 2: 6, 4: 7.5, 6: 9.5, 9: 11, 12: 13 };
const STATUSES = ['in_village', 'within_distance', 'visits_only', 'uncovered'];
const POINT_KINDS = ['active', 'dormant', 'suspended'];

function pct(rate) {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`;
}

function num(n) {
  return n === null || n === undefined ? '—' : Number(n).toLocaleString('zh-CN');
}

function link(region) {
  return `#coverage${region ? `?region=${region}` : ''}`;
}

/** Where the map opens: the extent of the region's villages in the user's scope (the
 *  API's bbox), or else the region's centroid. */
async function viewOf(region, figures, detail) {
  if (figures.bbox) {
    const [w, s, e, n] = figures.bbox;
    return { bounds: [[w, s], [e, n]] };
  }
  if (detail && detail.lon !== null && detail.lon !== undefined) {
    return { center: [detail.lon, detail.lat], zoom: ZOOM[region.length] ?? 8 };
  }
  return { center: [104.2, 35.9], zoom: 3 };
}

function crumbs(detail, region) {
  const items = [h('a', { href: link('') }, ct('cov_national'))];
  for (const p of (detail && detail.parents) || []) {
    items.push(' › ', h('a', { href: link(prefixOf(p.code, p.level)) }, p.name));
  }
  if (region && detail) items.push(' › ', h('strong', {}, detail.name));
  return h('nav', { class: 'crumbs', 'aria-label': ct('cov_levels') }, items);
}

const LEVEL_LENGTH = { province: 2, city: 4, county: 6, township: 9, village: 12 };
function prefixOf(code, level) { return code.slice(0, LEVEL_LENGTH[level] ?? code.length); }

function statCards(f) {
  const card = (label, value, cls = '') => h('div', { class: `stat ${cls}` }, h('span', { class: 'stat-value' }, value), h('span', { class: 'stat-label' }, label));
  return h('div', { class: 'stats', 'data-figures': 'region' },
    card(ct('cov_rate'), pct(f.coverage_rate), 'big'),
    card(ct('cov_points'), num(f.points)),
    card(ct('cov_dormant'), num(f.dormant_points)),
    card(ct('cov_villages'), num(f.villages)),
    card(ct('cov_covered'), num(f.covered_villages)),
    card(ct('cov_population_rate'), f.population ? pct(f.covered_population / f.population) : '—'));
}

function legend(onToggle, banks) {
  const row = (status) => h('label', { class: 'check legend-row' },
    h('input', { type: 'checkbox', checked: true, name: 'show', value: status, onchange: onToggle }),
    h('span', { class: `swatch swatch-${status}`, 'aria-hidden': 'true' }),
    ct(`cov_status_${status}`));
  return h('fieldset', { class: 'legend', 'data-legend': 'true' },
    h('legend', {}, ct('cov_legend')),
    STATUSES.map(row),
    POINT_KINDS.map((kind) => h('label', { class: 'check legend-row' },
      h('input', { type: 'checkbox', checked: true, name: 'points', value: kind, onchange: onToggle }),
      h('span', { class: `dot dot-${kind}`, 'aria-hidden': 'true' }),
      ct(`cov_point_${kind}`))),
    banks.length > 1 ? h('label', { class: 'legend-row' }, ct('bank'),
      h('select', { name: 'bank', onchange: onToggle },
        h('option', { value: '' }, ct('bank_any')),
        banks.map((b) => h('option', { value: String(b.bank_id) }, b.name || `#${b.bank_id}`)))) : null,
    h('div', { class: 'legend-row' }, h('span', { class: 'dot dot-suggest', 'aria-hidden': 'true' }), ct('cov_suggestion')));
}

function childTable(figures) {
  const kids = figures.children || [];
  if (!kids.length) return h('p', { class: 'muted' }, ct('cov_no_children'));
  return h('div', { class: 'table-wrap' }, h('table', { class: 'list compact', 'data-table': 'children' },
    h('thead', {}, h('tr', {}, [ct('region'), ct('cov_rate'), ct('cov_points'), ct('cov_villages'), ct('cov_covered')].map((t) => h('th', {}, t)))),
    h('tbody', {}, kids.map((c) => h('tr', { 'data-code': c.code },
      h('td', {}, c.code.length < 12 ? h('a', { href: link(c.code) }, c.name || c.code) : (c.name || c.code)),
      h('td', { 'data-label': ct('cov_rate') }, pct(c.coverage_rate)),
      h('td', { 'data-label': ct('cov_points') }, num(c.points)),
      h('td', { 'data-label': ct('cov_villages') }, num(c.villages)),
      h('td', { 'data-label': ct('cov_covered') }, num(c.covered_villages)))))));
}

function bankTable(figures) {
  const banks = figures.banks || [];
  if (!banks.length) return h('p', { class: 'muted' }, ct('cov_no_banks'));
  return h('div', { class: 'table-wrap' }, h('table', { class: 'list compact', 'data-table': 'banks' },
    h('thead', {}, h('tr', {}, [ct('bank'), ct('cov_points'), ct('cov_villages_with_points'), ct('cov_dormant')].map((t) => h('th', {}, t)))),
    h('tbody', {}, banks.map((b) => h('tr', {},
      h('td', {}, b.name || `#${b.bank_id}`),
      h('td', { 'data-label': ct('cov_points') }, num(b.points)),
      h('td', { 'data-label': ct('cov_villages_with_points') }, num(b.villages_with_points)),
      h('td', { 'data-label': ct('cov_dormant') }, num(b.dormant_points)))))));
}

export async function coveragePage(ctx) {
  const region = ctx.params.get('region') || '';
  const [figures, detail, uncovered] = await Promise.all([
    get('/coverage', { region }),
    region ? get(`/regions/${region}`).catch(() => null) : null,
    get('/coverage/villages', { region, status: 'uncovered', limit: 100 }),
  ]);
  const view = await viewOf(region, figures, detail);
  const title = region ? (detail ? detail.name : region) : ct('cov_national');

  const mapBox = h('div', { class: 'map-box coverage-map', role: 'region', 'aria-label': ct('cov_map') });
  let map = null;
  const pending = [];
  const withMap = (fn) => { if (map) fn(map); else pending.push(fn); };

  const checked = (name) => [...legendBox.querySelectorAll(`input[name=${name}]:checked`)].map((i) => i.value);
  const filters = () => {
    const bank = legendBox.querySelector('select[name=bank]');
    return { statuses: checked('show'), points: checked('points'), bank: bank && bank.value ? Number(bank.value) : null };
  };
  const legendBox = legend(() => withMap((m) => setCoverageFilter(m, filters())), figures.banks || []);

  const flyTo = async (code) => {
    const r = await get(`/regions/${code}`).catch(() => null);
    if (!r || r.lon === null || r.lon === undefined) return;
    withMap((m) => focusVillage(m, code, [r.lon, r.lat]));
    mapBox.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  };

  const uncoveredList = h('section', { class: 'card', id: 'uncovered' },
    h('h2', {}, ct('cov_uncovered_title'), ' ', h('span', { class: 'muted small' }, ct('total', { n: uncovered.total }))),
    uncovered.items.length
      ? h('ul', { class: 'village-list' }, uncovered.items.map((v) => h('li', {},
        h('button', { type: 'button', class: 'link', 'data-village': v.code, onclick: () => flyTo(v.code) }, v.name),
        h('span', { class: 'muted small' },
          ` ${ct('cov_population')} ${num(v.population)}`,
          v.nearest_m !== null && v.nearest_m !== undefined ? ` · ${ct('cov_nearest', { km: (v.nearest_m / 1000).toFixed(1) })}` : ''))))
      : h('p', { class: 'muted' }, ct('cov_none_uncovered')),
    uncovered.total > uncovered.items.length
      ? h('p', { class: 'muted small' }, ct('cov_first_n', { n: uncovered.items.length })) : null);

  const suggestionsBox = ctx.may('coverage.plan') ? suggestionsSection(region, withMap, flyTo) : null;

  mount(ctx.main,
    h('div', { class: 'page-head' }, h('h1', {}, ct('cov_title'), ' · ', title),
      h('span', { class: 'muted small' }, ct('cov_distance', { km: (figures.distance_m / 1000).toFixed(1), days: figures.dormant_days }))),
    crumbs(detail, region),
    h('div', { class: 'coverage-layout' },
      h('div', { class: 'coverage-map-col' }, mapBox, legendBox),
      h('aside', { class: 'coverage-side' },
        h('section', { class: 'card' }, h('h2', {}, ct('cov_figures')), statCards(figures)),
        h('section', { class: 'card' }, h('h2', {}, ct('cov_children')), childTable(figures)),
        h('section', { class: 'card' }, h('h2', {}, ct('cov_banks')), bankTable(figures)))),
    h('div', { class: 'coverage-lists' }, uncoveredList, suggestionsBox));

  const token = (session() || {}).token;
  map = await coverageMap(mapBox, { token, view, onSignedOut: signInAgain });
  if (map) for (const fn of pending.splice(0)) fn(map);
}

function suggestionsSection(region, withMap, flyTo) {
  const out = h('div', { class: 'suggestions', 'aria-live': 'polite' });
  const input = h('input', { type: 'number', name: 'k', min: '1', max: '50', value: '5', id: 'cov-k', inputmode: 'numeric' });
  const run = async (e) => {
    e.preventDefault();
    mount(out, h('p', { class: 'muted' }, ct('loading')));
    try {
      const res = await get('/coverage/suggestions', { region, k: input.value });
      if (!res.items.length) {
        mount(out, h('p', { class: 'muted' }, ct('cov_no_suggestions')));
      } else {
        mount(out, h('ol', { class: 'suggestion-list' }, res.items.map((s, i) => h('li', { 'data-suggestion': s.village_code },
          h('button', { type: 'button', class: 'link', onclick: () => flyTo(s.village_code) }, `${i + 1}. ${s.village_name}`),
          h('span', { class: 'badge status-active' }, ct('cov_gain', { n: num(s.newly_covered_population), v: s.newly_covered_villages.length })),
          h('p', { class: 'reason' }, s.reason)))));
      }
      withMap((m) => showSuggestions(m, res.items));
    } catch (err) {
      mount(out, h('p', { class: 'notice warn', role: 'alert' }, ct('error_generic', { message: err.message })));
    }
  };
  return h('section', { class: 'card', id: 'suggestions' },
    h('h2', {}, ct('cov_suggestions_title')),
    h('p', { class: 'muted small' }, ct('cov_suggestions_help')),
    h('form', { class: 'inline-form', onsubmit: run },
      h('label', { for: 'cov-k' }, ct('cov_k')), input,
      h('button', { type: 'submit', class: 'primary' }, ct('cov_suggest'))),
    out);
}
