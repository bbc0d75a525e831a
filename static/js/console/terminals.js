// A point's terminals: the table, adding one, removing one (the record stays, with the
// day it was taken away).
import { patch, post } from './api.js';
import { field, h, select, submitForm } from './dom.js';
import { ct } from './strings.js';

const KINDS = ['pos', 'smart_pos', 'atm', 'crs', 'mobile'];

export function terminalsCard(ctx, pt) {
  const writable = ctx.may('terminals.write');
  const form = writable && pt.status !== 'closed' ? terminalForm(ctx, pt) : null;
  const rows = (pt.terminals || []).map((tm) => {
    let edit = null;
    if (form && !tm.removed_on) {
      edit = h('button', { type: 'button', 'data-edit-terminal': tm.id }, ct('edit'));
      edit.addEventListener('click', () => form.editTerminal(tm));
    }
    let remove = null;
    if (writable && !tm.removed_on) {
      remove = h('button', { type: 'button', class: 'danger', 'data-terminal': tm.id }, ct('remove'));
      remove.addEventListener('click', async () => {
        remove.disabled = true;
        try {
          await post(`/terminals/${tm.id}/remove`, {});
          ctx.go(`points/${pt.id}`);
        } catch (err) {
          remove.disabled = false;
          remove.after(h('span', { class: 'error' }, err.message));
        }
      });
    }
    return h('tr', {},
      [tm.merchant_code, tm.terminal_code, tm.serial_no, ct(`tkind_${tm.kind}`), tm.installed_on, tm.removed_on]
        .map((x) => h('td', {}, x ?? '—')),
      writable ? h('td', { class: 'row-actions' }, edit, remove) : null);
  });
  const table = rows.length
    ? h('div', { class: 'table-wrap' }, h('table', { class: 'list terminals' },
      h('thead', {}, h('tr', {}, [ct('merchant_code'), ct('terminal_code'), ct('serial_no'), ct('terminal_kind'), ct('installed_on'), ct('removed_on')]
        .map((x) => h('th', { scope: 'col' }, x)), writable ? h('th', { scope: 'col' }, '') : null)),
      h('tbody', {}, rows)))
    : h('p', { class: 'muted' }, ct('no_terminals'));
  return h('section', { class: 'card', id: 'terminals' }, h('h2', {}, ct('terminals')), table, form);
}

/** Adds a terminal; "编辑" on a row turns it into that terminal's edit form. */
function terminalForm(ctx, pt) {
  let editing = null;
  const title = h('h3', {}, ct('add_terminal'));
  const submitButton = h('button', { type: 'submit', class: 'primary' }, ct('add_terminal'));
  const form = h('form', { class: 'add-terminal', novalidate: true },
    title,
    h('div', { class: 'grid3' },
      field(ct('merchant_code'), 'merchant_code', { autocomplete: 'off' }),
      field(ct('terminal_code'), 'terminal_code', { autocomplete: 'off' }),
      field(ct('serial_no'), 'serial_no', { autocomplete: 'off' }),
      field(ct('terminal_kind'), 'kind', { control: select('kind', KINDS.map((k) => [k, ct(`tkind_${k}`)]), 'pos') }),
      field(ct('installed_on'), 'installed_on', { type: 'date' })),
    h('p', { class: 'error form-error', role: 'alert' }),
    h('div', { class: 'actions' }, submitButton));
  form.editTerminal = (tm) => {
    editing = tm;
    title.textContent = ct('edit_terminal', { code: tm.terminal_code });
    submitButton.textContent = ct('save');
    for (const name of ['merchant_code', 'terminal_code', 'serial_no', 'kind', 'installed_on']) form[name].value = tm[name] ?? '';
    form.scrollIntoView();
    form.merchant_code.focus();
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {};
    for (const [k, v] of new FormData(form).entries()) {
      if (String(v).trim()) body[k] = String(v).trim();
      else if (editing && editing[k]) body[k] = null; // cleared on purpose
    }
    await submitForm(form,
      () => (editing ? patch(`/terminals/${editing.id}`, body) : post(`/service-points/${pt.id}/terminals`, body)),
      () => ctx.go(`points/${pt.id}`));
  });
  return form;
}
