// The entry form: log a transaction in seconds, save it durably, never hold a card number.
import { t } from './i18n.js';
import { MONEY_KINDS, buildRecord, formatFen, looksLikeCardNumber } from './ledger.js';
import * as store from './store.js';

const GPS_TIMEOUT_MS = 5000;
const GPS_MAX_AGE_MS = 10 * 60 * 1000; // an older fix is not "where this happened"
let position = null; // {lon, lat, at}
let form;

/** Wire the form. getContext() -> {session}; onSaved(entry) runs after the commit and
 *  resolves when the screen shows it.
 *  No location is asked here: the sign-in screen shares this page (see offerLocation). */
export function initRegister({ getContext, onSaved }) {
  form = document.getElementById('entry-form');
  form.addEventListener('change', (e) => { if (e.target.name === 'kind') showKind(); });
  for (const button of form.querySelectorAll('[data-yuan]')) {
    button.addEventListener('click', () => {
      form.amount.value = button.dataset.yuan;
      showErrors({});
    });
  }
  for (const input of [form.bin, form.last4]) guardCardPart(input);
  for (const input of [form.voucher_no, form.note]) {
    input.addEventListener('input', () => {
      showErrors(looksLikeCardNumber(input.value) ? { [input.name]: 'full_card_number' } : {});
    });
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); save(getContext(), onSaved); });
  // With permission already given, the fix is taken at her first touch of the form rather
  // than on load: a request without a gesture is what browsers (and Lighthouse) object to.
  form.addEventListener('pointerdown', () => { if (locationAllowed && !freshPosition()) locate(); });
  document.getElementById('gps-ask').addEventListener('click', onLocationAnswer);
  watchKeyboard();
  showKind();
}

/**
 * Card digits as she types or pastes them: only digits, BIN in the first box, last four in
 * the second. A whole card number (typed on through both boxes, or pasted into either)
 * keeps its first six and last four and drops the rest at once, with a note saying so;
 * the middle digits are never written to an input, storage or a log.
 */
function guardCardPart(input) {
  // Pasting is allowed (refusing it is hostile, and browsers flag it): the pasted text is
  // replaced in the same input event, and setting the value clears the box's undo history.
  input.addEventListener('input', (e) => {
    placeCardDigits(input, input.value.replace(/\D/g, ''), { pasted: e.inputType === 'insertFromPaste' });
  });
}

/** Typed digits run on from the BIN box into the last-four box, where the last four typed
 *  stay; a paste fills both boxes at once and moves on to the voucher. */
function placeCardDigits(input, digits, { pasted = false } = {}) {
  let dropped = false;
  if (input.name === 'bin') {
    form.bin.value = digits.slice(0, 6);
    const rest = digits.slice(6);
    if (rest) {
      form.last4.value = rest.slice(-4);
      dropped = rest.length > 4;
    }
    if (digits.length >= 6 && form.last4.value.length < 4) form.last4.focus();
  } else {
    if (pasted && digits.length >= 10) form.bin.value = digits.slice(0, 6); // a whole number
    form.last4.value = digits.slice(-4);
    dropped = digits.length > (pasted && digits.length >= 10 ? 10 : 4);
  }
  if (dropped) say(document.getElementById('card-note'), 'card_split');
  if (pasted && form.bin.value.length === 6 && form.last4.value.length === 4) form.voucher_no.focus();
  showErrors({});
}

/** Mark the page while the on-screen keyboard is up: the tab bar steps aside so the save bar
 *  and the field she types in share the space left. Where the page does not shrink with the
 *  keyboard (interactive-widget unsupported), --keyboard lifts the save bar above it. */
function watchKeyboard() {
  const vv = window.visualViewport;
  if (!vv) return;
  let tallest = 0;
  let width = 0;
  const update = () => {
    if (window.innerWidth !== width) { width = window.innerWidth; tallest = 0; } // turned round
    tallest = Math.max(tallest, vv.height);
    // A keyboard takes a third of a phone's screen; a collapsing address bar far less.
    document.body.classList.toggle('keyboard', vv.height < tallest * 0.8);
    const covered = Math.max(0, window.innerHeight - vv.height - vv.offsetTop);
    document.documentElement.style.setProperty('--keyboard', `${Math.round(covered)}px`);
  };
  vv.addEventListener('resize', update);
  vv.addEventListener('scroll', update);
  update();
}

function showKind() {
  const kind = form.kind.value;
  document.getElementById('amount-group').hidden = !MONEY_KINDS.has(kind);
}

/** Put the text of `key` in `el` (or empty it), keeping the key on the element so a switch
 *  of language redraws it in the other language (i18n.applyTo). */
export function say(el, key) {
  if (key) {
    el.dataset.i18n = key;
    el.textContent = t(key);
  } else {
    delete el.dataset.i18n;
    el.textContent = '';
  }
}

function showErrors(errors) {
  for (const slot of form.querySelectorAll('[data-error]')) {
    const code = errors[slot.dataset.error];
    say(slot, code ? `err_${code}` : null);
  }
  for (const input of form.querySelectorAll('input[name]')) {
    input.toggleAttribute('aria-invalid', Boolean(errors[input.name]));
  }
}

let locationAllowed = false; // permission given: fixes may be taken without asking

/**
 * After sign-in: ask for the phone's position once, saying why, or not at all.
 * Permission given earlier -> take a fix now if this follows her sign-in tap, else at her
 * first touch; refused earlier, or "not now" answered once -> a calm line, never asked again.
 */
export async function offerLocation({ signedInNow = false } = {}) {
  const line = document.getElementById('gps');
  const ask = document.getElementById('gps-ask');
  if (!('geolocation' in navigator)) { say(line, 'gps_off'); return; }
  let state = 'prompt';
  try { state = (await navigator.permissions.query({ name: 'geolocation' })).state; } catch { /* no Permissions API */ }
  if (state === 'granted') {
    locationAllowed = true;
    ask.hidden = true;
    if (signedInNow) locate();
    return;
  }
  if (state === 'denied' || (await store.getSetting('gps_asked'))) {
    ask.hidden = true;
    say(line, 'gps_denied');
    return;
  }
  ask.hidden = false;
}

async function onLocationAnswer(e) {
  const button = e.target.closest('[data-action]');
  if (!button) return;
  document.getElementById('gps-ask').hidden = true;
  if (button.dataset.action === 'gps-allow') {
    locationAllowed = true;
    locate(); // the browser's own question follows her tap (before any await: the gesture counts)
  } else {
    say(document.getElementById('gps'), 'gps_denied');
  }
  await store.setSetting('gps_asked', true);
}

/** Ask for a fix in the background; saving never waits for it. */
export function locate() {
  const line = document.getElementById('gps');
  if (!('geolocation' in navigator) || !locationAllowed) return;
  if (!position) say(line, 'gps_pending');
  navigator.geolocation.getCurrentPosition(
    (p) => {
      position = { lon: round(p.coords.longitude), lat: round(p.coords.latitude), at: Date.now() };
      say(line, 'gps_ok');
    },
    (err) => {
      if (err.code === err.PERMISSION_DENIED) locationAllowed = false;
      if (!freshPosition()) say(line, err.code === err.PERMISSION_DENIED ? 'gps_denied' : 'gps_off');
    },
    { enableHighAccuracy: false, timeout: GPS_TIMEOUT_MS, maximumAge: GPS_MAX_AGE_MS },
  );
}

const round = (x) => Math.round(x * 1e6) / 1e6; // ~0.1 m: more digits are noise

export function freshPosition() {
  return position && Date.now() - position.at < GPS_MAX_AGE_MS ? position : null;
}

/**
 * An amount as people write it -> the plain form the ledger rules read: full-width digits
 * (１００), a trailing 元 or a leading ¥, spaces. Commas only as thousands separators
 * (1,000 or 12,345.50); anything else ambiguous ("1,00") comes back null and is refused.
 */
export function normalizeAmount(text) {
  const plain = String(text ?? '')
    .replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/．/g, '.')
    .replace(/，/g, ',')
    .replace(/\s+/g, '')
    .replace(/^[¥￥]/, '')
    .replace(/(元|块)$/, '');
  if (!plain.includes(',')) return plain;
  return /^\d{1,3}(,\d{3})+(\.\d{0,2})?$/.test(plain) ? plain.replace(/,/g, '') : null;
}

function readForm() {
  return {
    kind: form.kind.value,
    amount: form.amount.value,
    bin: form.bin.value,
    last4: form.last4.value,
    voucher_no: form.voucher_no.value,
    note: form.note.value,
  };
}

async function save({ session }, onSaved) {
  const status = document.getElementById('save-status');
  say(status, null);
  const filled = readForm();
  const amount = normalizeAmount(filled.amount);
  const built = buildRecord({ ...filled, amount: amount ?? '' }, { point_id: session.user.point_id, position: freshPosition() });
  // An ambiguous amount (null) is a format error even though the other fields may pass.
  const errors = amount === null && MONEY_KINDS.has(filled.kind) ? { ...(built.errors || {}), amount: 'amount_format' } : built.errors;
  showErrors(errors || {});
  if (errors) { status.className = 'save-status'; focusFirstError(); return; }
  const entry = {
    id: crypto.randomUUID(),
    user_id: session.user.id,
    saved_at: Date.now(),
    data: built.data,
  };
  status.className = 'save-status';
  status.textContent = t('saving');
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    await store.addEntry(entry); // resolves on the transaction's complete event
  } catch (err) {
    status.className = 'save-status error';
    say(status, 'err_save_failed');
    return;
  } finally {
    button.disabled = false;
  }
  for (const name of ['amount', 'bin', 'last4', 'voucher_no', 'note']) form[name].value = '';
  // The banner's count includes this record before the confirmation shows.
  await Promise.resolve(onSaved(entry)).catch(() => { /* saved all the same */ });
  const shown = MONEY_KINDS.has(entry.data.kind) ? ` ${formatFen(entry.data.amount_fen)} ${t('yuan')}` : '';
  status.className = 'save-status ok';
  status.textContent = `✓ ${t('saved')} · ${t(`kind_${entry.data.kind}`)}${shown}`;
  say(document.getElementById('card-note'), null);
  // Ready for the next customer: the form from its top (the banners and alerts above stay a
  // scroll away, so a long alert never pushes the fields down record after record), focus
  // on the type she starts with (a radio, so the keyboard closes).
  form.querySelector('input[name=kind]:checked').focus({ preventScroll: true });
  form.scrollIntoView({ block: 'start' });
  locate();
}

function focusFirstError() {
  const bad = form.querySelector('input[aria-invalid]');
  if (bad) bad.focus();
}

/** Fill the form from a refused record, to re-enter it as a new record after checking. */
export function prefill(entry) {
  const d = entry.data;
  form.kind.value = d.kind;
  form.amount.value = d.amount_fen ? (d.amount_fen / 100).toFixed(2) : '';
  form.bin.value = d.card_masked ? d.card_masked.slice(0, 6) : '';
  form.last4.value = d.card_masked ? d.card_masked.slice(-4) : '';
  form.voucher_no.value = d.voucher_no || '';
  form.note.value = d.note || '';
  say(document.getElementById('save-status'), null);
  say(document.getElementById('card-note'), null);
  showKind();
  showErrors({});
}
