// Banks (the tree of head offices, branches and outlets: add, rename) and grid assignments (which grid
// worker looks after which village: assign, end).
import { get, patch, post } from './api.js';
import { field, h, mount, select, submitForm } from './dom.js';
import { banks, invalidateBanks } from './points.js';
import { ct } from './strings.js';

export async function banksPage(ctx) {
  const list = await banks();
  const form = ctx.may('banks.write') ? bankForm(ctx, list) : null;
  const byParent = new Map();
  for (const o of list) {
    const key = list.some((p) => p.id === o.parent_id) ? o.parent_id : null;
    if (!byParent.has(key)) byParent.set(key, []);
    byParent.get(key).push(o);
  }
  const branch = (parent) => {
    const children = byParent.get(parent) || [];
    if (!children.length) return null;
    return h('ul', { class: 'tree' }, children.map((o) => h('li', { 'data-org': o.id },
      h('a', { href: `#points?bank=${o.id}` }, o.name),
      h('span', { class: 'muted small' }, ` · ${ct(`okind_${o.kind}`)}${o.region_code ? ` · ${o.region_code}` : ''}`),
      form ? h('button', { type: 'button', class: 'link edit-org', onclick: () => form.editBank(o) }, ct('edit')) : null,
      branch(o.id))));
  };
  mount(ctx.main, h('h1', {}, ct('nav_banks')), h('p', { class: 'muted' }, ct('banks_intro')),
    h('section', { class: 'card' }, branch(null)),
    form);
}

/** Admins add a head office, or a branch or outlet below one; or rename one (its kind and
 *  place in the tree stay: the API changes name, short name and region only). */
function bankForm(ctx, list) {
  const kinds = ['bank_head_office', 'bank_branch', 'bank_outlet'];
  let editing = null;
  const title = h('h2', {}, ct('new_bank'));
  const submitButton = h('button', { type: 'submit', class: 'primary' }, ct('create'));
  const cancel = h('button', { type: 'button', hidden: true, onclick: () => ctx.go('banks') }, ct('cancel'));
  const form = h('form', { class: 'card new-bank', novalidate: true },
    title,
    h('div', { class: 'grid3' },
      field(ct('name'), 'name'),
      field(ct('org_kind'), 'kind', { control: select('kind', kinds.map((k) => [k, ct(`okind_${k}`)]), 'bank_branch') }),
      field(ct('parent_org'), 'parent_id', { control: select('parent_id', [['', '—'], ...list.map((o) => [String(o.id), o.label])]) }),
      field(ct('short_name'), 'short_name'),
      field(ct('region_code'), 'region_code', { inputmode: 'numeric' })),
    h('p', { class: 'error form-error', role: 'alert' }),
    h('div', { class: 'actions' }, submitButton, cancel));
  form.editBank = (o) => {
    editing = o;
    title.textContent = ct('edit_bank', { name: o.name });
    submitButton.textContent = ct('save');
    cancel.hidden = false;
    form.kind.value = o.kind;
    form.parent_id.value = o.parent_id == null ? '' : String(o.parent_id);
    form.kind.disabled = form.parent_id.disabled = true;
    for (const name of ['name', 'short_name', 'region_code']) form[name].value = o[name] ?? '';
    form.scrollIntoView();
    form.name.focus();
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {};
    for (const name of ['name', 'short_name', 'region_code']) {
      const value = form[name].value.trim();
      if (value) body[name] = value;
      else if (editing && editing[name]) body[name] = null; // cleared on purpose
    }
    if (!editing) {
      body.kind = form.kind.value;
      if (form.parent_id.value) body.parent_id = Number(form.parent_id.value);
    }
    await submitForm(form,
      () => (editing ? patch(`/banks/${editing.id}`, body) : post('/banks', body)),
      () => { invalidateBanks(); ctx.go('banks'); });
  });
  return form;
}

export async function assignmentsPage(ctx) {
  const active = ctx.params.get('ended') !== '1';
  const [page, workers] = await Promise.all([
    get('/grid-assignments', { active, limit: 200 }),
    ctx.may('assignments.write') ? get('/users', { role: 'grid_worker', active: true, limit: 200 }) : { items: [] },
  ]);
  const rows = page.items.map((a) => {
    let end = null;
    if (ctx.may('assignments.write') && !a.ends_on) {
      end = h('button', { type: 'button', class: 'danger' }, ct('end_assignment'));
      end.addEventListener('click', async () => {
        end.disabled = true;
        try { await post(`/grid-assignments/${a.id}/end`, {}); ctx.go('assignments'); } catch (err) {
          end.disabled = false;
          end.after(h('span', { class: 'error' }, err.message));
        }
      });
    }
    return h('tr', { 'data-assignment': a.id },
      h('td', {}, `${a.display_name}（${a.username}）`),
      h('td', {}, h('a', { href: `#points?region=${a.village_code}` }, a.village_name), h('div', { class: 'muted small' }, a.village_code)),
      h('td', {}, a.starts_on), h('td', {}, a.ends_on || '—'),
      ctx.may('assignments.write') ? h('td', {}, end) : null);
  });
  mount(ctx.main,
    h('div', { class: 'page-head' }, h('h1', {}, ct('nav_assignments')),
      h('a', { class: 'button', href: active ? '#assignments?ended=1' : '#assignments' }, ct(active ? 'show_ended' : 'show_open'))),
    h('p', { class: 'total', role: 'status' }, ct('total_assignments', { n: page.total })),
    page.items.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
        h('thead', {}, h('tr', {}, [ct('grid_worker_col'), ct('village'), ct('starts_on'), ct('ends_on')].map((x) => h('th', { scope: 'col' }, x)),
          ctx.may('assignments.write') ? h('th', { scope: 'col' }, '') : null)),
        h('tbody', {}, rows)))
      : h('p', { class: 'muted' }, ct('none')),
    ctx.may('assignments.write') ? assignForm(ctx, workers.items) : null);
}

function assignForm(ctx, workers) {
  const village = h('input', { type: 'hidden', name: 'village_code' });
  const results = h('ul', { class: 'suggest' });
  const search = h('input', { type: 'search', autocomplete: 'off', placeholder: ct('region_placeholder') });
  let timer = null;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    village.value = '';
    const q = search.value.trim();
    if (!q) { results.replaceChildren(); return; }
    timer = setTimeout(async () => {
      const page = await get('/regions', { q, level: 'village', limit: 10 }).catch(() => ({ items: [] }));
      mount(results, page.items.map((r) => h('li', {}, h('button', {
        type: 'button', class: 'link',
        onclick: () => { village.value = r.code; search.value = `${r.name}（${r.code}）`; results.replaceChildren(); },
      }, `${r.name}（${r.code}）`))));
    }, 250);
  });
  const villageField = field(ct('village'), 'village_search', { control: search });
  villageField.querySelector('.error').dataset.error = 'village_code';
  const form = h('form', { class: 'card assign', novalidate: true },
    h('h2', {}, ct('assign')),
    h('div', { class: 'grid3' },
      field(ct('grid_worker_col'), 'user_id', { control: select('user_id', [['', '—'], ...workers.map((u) => [String(u.id), `${u.display_name}（${u.username}）`])]) }),
      h('div', {}, villageField, results, village),
      field(ct('starts_on'), 'starts_on', { type: 'date' })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'replace' }), ct('replace_open')),
    h('p', { class: 'error form-error', role: 'alert' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, ct('assign'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { village_code: village.value, replace: form.replace.checked };
    if (form.user_id.value) body.user_id = Number(form.user_id.value);
    if (form.starts_on.value) body.starts_on = form.starts_on.value;
    await submitForm(form, () => post('/grid-assignments', body), () => ctx.go('assignments'));
  });
  return form;
}
