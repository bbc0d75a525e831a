// Importing service points from a file: the API checks every row first and imports all
// of them or none; a bad file comes back with each bad line and its reasons.
import { call } from './api.js';
import { banks as bankList } from './points.js';
import { field, h, mount, select } from './dom.js';
import { ct } from './strings.js';

const TEMPLATE = [
  'name,shop_name,keeper_name,keeper_phone,village_code,address,lon,lat,services,licence_no,opened_on,signage,merchant_code,terminal_code',
  '前进村助农取款服务点,前进村副食商店,王桂兰,13904751234,150502001001,前进村中心街1号,122.3012,43.6011,取款;余额查询;转账,92150502MA0001,2020-05-01,是,,',
].join('\r\n');

export async function importsPage(ctx) {
  const banks = await bankList();
  const result = h('div', { id: 'import-result', 'aria-live': 'polite' });
  const importButton = h('button', { type: 'submit', value: 'import', class: 'primary', disabled: true }, ct('do_import'));
  const form = h('form', { class: 'card', novalidate: true },
    h('div', { class: 'grid3' },
      field(ct('file'), 'file', { type: 'file', accept: '.csv,.geojson,.json,.gpkg', required: true }),
      field(ct('bank'), 'bank_id', { control: select('bank_id', banks.map((b) => [String(b.id), b.label]), banks[0] ? String(banks[0].id) : '') }),
      field(ct('crs'), 'crs', { control: select('crs', [['wgs84', ct('crs_wgs84')], ['gcj02', ct('crs_gcj02')], ['bd09', ct('crs_bd09')]], 'wgs84') })),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', value: 'check', class: 'primary' }, ct('check')),
      importButton,
      templateLink()));
  // Importing needs a passed check of the same file, bank and coordinate system.
  form.addEventListener('change', () => { importButton.disabled = true; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const dryRun = !(e.submitter && e.submitter.value === 'import');
    const file = form.file.files[0];
    const slot = form.querySelector('[data-error=file]');
    slot.textContent = file ? '' : ct('choose_file');
    if (!file) return;
    for (const b of form.querySelectorAll('button')) b.disabled = true;
    mount(result, h('p', { class: 'muted' }, ct(dryRun ? 'checking' : 'importing')));
    let passed = false;
    try {
      const body = new FormData(form);
      body.set('dry_run', dryRun ? 'true' : 'false');
      const done = await call('POST', '/imports/service-points', { form: body });
      passed = dryRun;
      mount(result, h('p', { class: 'notice ok', role: 'status' },
        dryRun ? ct('check_ok', { n: done.checked }) : ct('imported', { n: done.imported })));
    } catch (err) {
      if (err.status === 401) return;
      mount(result, badRows(err));
    } finally {
      form.querySelector('button[value=check]').disabled = false;
      importButton.disabled = !passed;
    }
  });
  mount(ctx.main, h('h1', {}, ct('imports_title')), h('p', { class: 'muted' }, ct('imports_intro')), form, result);
}

function templateLink() {
  const url = URL.createObjectURL(new Blob(['\ufeff', TEMPLATE, '\r\n'], { type: 'text/csv;charset=utf-8' }));
  return h('a', { class: 'button', href: url, download: 'service-points-template.csv' }, ct('template'));
}

/** "line 7": [...] entries of the 422 answer, in line order, as a table. */
function badRows(err) {
  const entries = Object.entries(err.fields || {});
  if (!entries.length) return h('p', { class: 'notice warn', role: 'alert' }, err.status === 0 ? ct('offline_kept') : err.message);
  const lineOf = (key) => Number((key.match(/\d+/) || [Infinity])[0]);
  entries.sort((a, b) => lineOf(a[0]) - lineOf(b[0]));
  return h('div', { class: 'notice warn', role: 'alert' },
    h('p', {}, ct('check_bad', { n: entries.length })),
    h('div', { class: 'table-wrap' }, h('table', { class: 'list bad-rows' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ct('line')), h('th', { scope: 'col' }, ct('reason')))),
      h('tbody', {}, entries.map(([key, reasons]) => h('tr', {},
        h('td', {}, Number.isFinite(lineOf(key)) ? String(lineOf(key)) : key),
        h('td', {}, h('ul', {}, [].concat(reasons).map((r) => h('li', {}, typeof r === 'string' ? r : JSON.stringify(r)))))))))));
}
