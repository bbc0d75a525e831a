// Risk alerts and limit rules of the People's Bank: what is in force where, publishing
// and withdrawing alerts, adding and ending limit rules. A point's page shows the limits
// in force at that point (limitsCard).
import { get, post } from './api.js';
import { field, h, mount, select, submitForm, when } from './dom.js';
import { ct } from './strings.js';

const KINDS = ['withdrawal', 'balance_inquiry', 'transfer', 'cash_remittance', 'bill_payment'];
const regionNames = new Map([['', null]]);

/** '1505' -> '通辽市'; '' -> 全国. */
async function regionName(prefix) {
  if (!prefix) return ct('national');
  if (!regionNames.has(prefix)) {
    regionNames.set(prefix, get(`/regions/${prefix}`).then((r) => r.name).catch(() => prefix));
  }
  return regionNames.get(prefix);
}

async function withNames(items) {
  return Promise.all(items.map(async (x) => ({ ...x, region_name: await regionName(x.region_prefix) })));
}

const yuan = (fen) => (fen === null || fen === undefined ? '—' : `${(fen / 100).toLocaleString('zh-CN')} ${ct('yuan')}`);

function regionField(name) {
  const hidden = h('input', { type: 'hidden', name });
  const results = h('ul', { class: 'suggest' });
  const input = h('input', { type: 'search', autocomplete: 'off', placeholder: ct('region_placeholder_default') });
  let timer = null;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    hidden.value = '';
    const q = input.value.trim();
    if (!q) { results.replaceChildren(); return; }
    timer = setTimeout(async () => {
      const page = await get('/regions', { q, limit: 10 }).catch(() => ({ items: [] }));
      mount(results, page.items.map((r) => h('li', {}, h('button', {
        type: 'button', class: 'link',
        onclick: () => { hidden.value = r.prefix; input.value = `${r.name}（${r.prefix}）`; results.replaceChildren(); },
      }, `${r.name}（${r.code}）`))));
    }, 250);
  });
  const f = field(ct('region'), `${name}_search`, { control: input });
  f.querySelector('.error').dataset.error = name;
  return h('div', {}, f, results, hidden);
}

// Alerts -------------------------------------------------------------------------------

export async function alertsPage(ctx) {
  const all = ctx.params.get('all') === '1';
  const page = await get('/alerts', { active: all ? null : true, limit: 100 });
  const items = await withNames(page.items);
  const canPublish = ctx.may('alerts.publish');
  const list = items.length ? h('ul', { class: 'cards' }, items.map((a) => {
    let withdraw = null;
    if (canPublish && a.active) {
      withdraw = h('button', { type: 'button', class: 'danger' }, ct('withdraw'));
      withdraw.addEventListener('click', async () => {
        withdraw.disabled = true;
        try { await post(`/alerts/${a.id}/withdraw`, {}); ctx.go('alerts'); } catch (err) {
          withdraw.disabled = false;
          withdraw.after(h('span', { class: 'error' }, err.message));
        }
      });
    }
    return h('li', { class: 'card', 'data-alert': a.id },
      h('h2', {}, a.title, ' ', h('span', { class: `badge ${a.active ? 'status-active' : 'status-closed'}` }, ct(a.active ? 'in_force' : 'ended'))),
      h('p', { class: 'muted small' }, `${a.region_name} · ${when(a.published_at)}${a.expires_at ? ` → ${when(a.expires_at)}` : ''}`),
      h('p', { class: 'alert-body' }, a.body),
      withdraw);
  })) : h('p', { class: 'muted' }, ct('no_alerts'));

  let form = null;
  if (canPublish) {
    form = h('form', { class: 'card publish', novalidate: true },
      h('h2', {}, ct('publish_alert')),
      field(ct('alert_title'), 'title'),
      field(ct('alert_body'), 'body', { control: h('textarea', { rows: 4 }) }),
      h('div', { class: 'grid2' }, regionField('region_prefix'), field(ct('expires_at'), 'expires_at', { type: 'datetime-local' })),
      h('p', { class: 'error form-error', role: 'alert' }),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, ct('publish'))));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const body = { title: form.title.value.trim(), body: form.body.value.trim() };
      if (form.region_prefix.value) body.region_prefix = form.region_prefix.value;
      if (form.expires_at.value) body.expires_at = `${form.expires_at.value}:00+08:00`;
      submitForm(form, () => post('/alerts', body), () => ctx.go('alerts'));
    });
  }
  mount(ctx.main,
    h('div', { class: 'page-head' }, h('h1', {}, ct('nav_alerts')),
      h('a', { class: 'button', href: all ? '#alerts' : '#alerts?all=1' }, ct(all ? 'show_in_force' : 'show_all'))),
    list, form);
}

// Limits -------------------------------------------------------------------------------

export async function limitsPage(ctx) {
  const all = ctx.params.get('all') === '1';
  const page = await get('/limits', { in_force_on: all ? null : today(), limit: 200 });
  const items = await withNames(page.items);
  const canWrite = ctx.may('limits.write');
  const rows = items.map((r) => {
    let end = null;
    if (canWrite && (!r.valid_to || r.valid_to >= today())) {
      end = h('button', { type: 'button', class: 'danger' }, ct('end_rule'));
      end.addEventListener('click', async () => {
        end.disabled = true;
        try { await post(`/limits/${r.id}/end`, {}); ctx.go('limits'); } catch (err) {
          end.disabled = false;
          end.after(h('span', { class: 'error' }, err.message));
        }
      });
    }
    return h('tr', { 'data-rule': r.id },
      h('td', {}, ct(`kind_${r.kind}`)),
      h('td', {}, r.region_name, r.bank_id ? h('div', { class: 'muted small' }, `${ct('bank')} #${r.bank_id}`) : null),
      h('td', {}, yuan(r.min_fen)), h('td', {}, yuan(r.multiple_of_fen)), h('td', {}, yuan(r.per_card_daily_fen)),
      h('td', { class: 'nowrap' }, `${r.valid_from} → ${r.valid_to || ''}`),
      h('td', {}, r.source || '—'),
      canWrite ? h('td', {}, end) : null);
  });
  const table = items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
    h('thead', {}, h('tr', {}, [ct('kind'), ct('region'), ct('min'), ct('multiple_of'), ct('per_card_daily'), ct('valid'), ct('source')]
      .map((x) => h('th', { scope: 'col' }, x)), canWrite ? h('th', { scope: 'col' }, '') : null)),
    h('tbody', {}, rows))) : h('p', { class: 'muted' }, ct('none'));

  let form = null;
  if (canWrite) {
    form = h('form', { class: 'card new-rule', novalidate: true },
      h('h2', {}, ct('new_rule')),
      h('div', { class: 'grid3' },
        field(ct('kind'), 'kind', { control: select('kind', KINDS.map((k) => [k, ct(`kind_${k}`)]), 'withdrawal') }),
        regionField('region_prefix'),
        field(ct('min_yuan'), 'min_fen', { inputmode: 'decimal' }),
        field(ct('multiple_of_yuan'), 'multiple_of_fen', { inputmode: 'decimal' }),
        field(ct('per_card_daily_yuan'), 'per_card_daily_fen', { inputmode: 'decimal' }),
        field(ct('valid_from'), 'valid_from', { type: 'date' }),
        field(ct('valid_to'), 'valid_to', { type: 'date' }),
        field(ct('source'), 'source')),
      h('p', { class: 'error form-error', role: 'alert' }),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, ct('save'))));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const body = { kind: form.kind.value };
      for (const name of ['region_prefix', 'valid_from', 'valid_to', 'source']) if (form[name].value.trim()) body[name] = form[name].value.trim();
      for (const name of ['min_fen', 'multiple_of_fen', 'per_card_daily_fen']) {
        const v = form[name].value.trim();
        if (v) body[name] = /^\d+(\.\d{1,2})?$/.test(v) ? Math.round(Number(v) * 100) : v;
      }
      submitForm(form, () => post('/limits', body), () => ctx.go('limits'));
    });
  }
  mount(ctx.main,
    h('div', { class: 'page-head' }, h('h1', {}, ct('nav_limits')),
      h('a', { class: 'button', href: all ? '#limits' : '#limits?all=1' }, ct(all ? 'show_in_force' : 'show_all'))),
    h('p', { class: 'muted' }, ct(all ? 'limits_all' : 'limits_today')),
    table, form);
}

/** The limits in force at one point today: the most specific rule per kind. */
export async function limitsCard(pointId) {
  const effective = await get('/limits/effective', { point_id: pointId }).catch(() => null);
  if (!effective) return null;
  const items = await withNames(effective.limits);
  return h('section', { class: 'card', id: 'limits' }, h('h2', {}, ct('limits_here')),
    items.length ? h('ul', {}, items.map((r) => h('li', {},
      `${ct(`kind_${r.kind}`)}：`,
      [r.min_fen != null ? `${ct('min')} ${yuan(r.min_fen)}` : null,
        r.multiple_of_fen != null ? `${ct('multiple_of')} ${yuan(r.multiple_of_fen)}` : null,
        r.per_card_daily_fen != null ? `${ct('per_card_daily')} ${yuan(r.per_card_daily_fen)}` : null].filter(Boolean).join('，'),
      h('span', { class: 'muted small' }, ` · ${r.region_name}`))))
      : h('p', { class: 'muted' }, ct('none')));
}

function today() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
}
