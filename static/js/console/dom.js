// Building the console's DOM from elements and text nodes only: every value from the API is text.
import { ct } from './strings.js';

/** h('a', {href: '#x', class: 'btn'}, 'text', child, ...) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function mount(root, ...children) {
  root.replaceChildren();
  append(root, children);
  return root;
}

let fieldSeq = 0;

/** A labelled input (or select/textarea given as `control`) with its error slot. */
export function field(label, name, { type = 'text', value = '', control = null, ...attrs } = {}) {
  const id = `f-${name}-${++fieldSeq}`;
  const input = control || h('input', { type, name, id, ...attrs });
  if (!control && value !== null && value !== undefined) input.value = value;
  input.id = id;
  input.name = name;
  const error = h('small', { class: 'error', 'data-error': name, id: `${id}-err` });
  input.setAttribute('aria-describedby', error.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, error);
}

export function select(name, options, value = '') {
  const el = h('select', { name }, options.map(([v, label]) => h('option', { value: v }, label)));
  el.value = value ?? '';
  return el;
}

/** Show the API's {"error": {"fields": {...}}} next to each field of `form`; returns
 *  the messages of fields the form does not have. */
export function showFieldErrors(form, fields = {}) {
  clearFieldErrors(form);
  const unplaced = [];
  for (const [name, reasons] of Object.entries(fields || {})) {
    const text = flatten(reasons).join('；');
    const slot = form.querySelector(`[data-error="${CSS.escape(name)}"]`);
    if (slot) {
      slot.textContent = text;
      const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
      if (input) input.setAttribute('aria-invalid', 'true');
    } else {
      unplaced.push(`${name}: ${text}`);
    }
  }
  const first = form.querySelector('[aria-invalid=true]');
  if (first) first.focus();
  return unplaced;
}

/** Send a form: `request()` is the API call, `done(answer)` what follows it. The API's
 *  field errors appear next to the fields, the rest in the form's .form-error; offline,
 *  she is told what she typed is still there; a 401 has already sent her to sign in. */
export async function submitForm(form, request, done) {
  const message = form.querySelector('.form-error');
  const button = form.querySelector('button[type=submit]');
  message.textContent = '';
  clearFieldErrors(form);
  button.disabled = true; // one tap, one request
  try {
    done(await request());
  } catch (err) {
    if (err.status === 401) return;
    if (err.status === 0) message.textContent = ct('offline_kept');
    else {
      const rest = showFieldErrors(form, err.fields);
      message.textContent = Object.keys(err.fields).length ? [ct('fix_errors'), ...rest].join('；') : err.message;
    }
  } finally {
    button.disabled = false;
  }
}

export function clearFieldErrors(form) {
  for (const slot of form.querySelectorAll('[data-error]')) slot.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

export function flatten(reasons) {
  if (Array.isArray(reasons)) return reasons.flatMap(flatten);
  if (reasons && typeof reasons === 'object') {
    return Object.entries(reasons).flatMap(([k, v]) => flatten(v).map((r) => `${k}: ${r}`));
  }
  return [String(reasons)];
}

const SHANGHAI = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', hour12: false,
});

/** An API instant as Shanghai wall-clock time, "2026/12/02 13:45". */
export function when(iso) {
  return iso ? SHANGHAI.format(new Date(iso)) : '';
}
