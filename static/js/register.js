// The entry form: log a transaction in seconds, save it durably, never hold a card number.
import { t } from './i18n.js';
import { MONEY_KINDS, buildRecord, formatFen, looksLikeCardNumber } from './ledger.js';
import * as store from './store.js';

const GPS_TIMEOUT_MS = 5000;
const GPS_MAX_AGE_MS = 10 * 60 * 1000; // an older fix is not "where this happened"
let position = null; // {lon, lat, at}
let form;

/** Wire the form. getContext() -> {session}; onSaved(entry) runs after the commit. */
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
  showKind();
  locate();
}

/** Only digits, at most `data-digits` of them: more digits means someone is typing or pasting
 *  a full card number, which is refused and wiped, never kept. */
function guardCardPart(input) {
  const max = Number(input.dataset.digits);
  input.addEventListener('paste', (e) => {
    const text = (e.clipboardData && e.clipboardData.getData('text')) || '';
    if (text.replace(/\D/g, '').length > max) {
      e.preventDefault();
      input.value = '';
      showErrors({ [input.name]: 'full_card_number' });
    }
  });
  input.addEventListener('input', () => {
    const digits = input.value.replace(/\D/g, '');
    if (digits.length > max) {
      input.value = '';
      showErrors({ [input.name]: 'full_card_number' });
      return;
    }
    input.value = digits;
    showErrors({});
    if (input.name === 'bin' && digits.length === max) form.last4.focus();
  });
}

function showKind() {
  const kind = form.kind.value;
  document.getElementById('amount-group').hidden = !MONEY_KINDS.has(kind);
}

function showErrors(errors) {
  for (const slot of form.querySelectorAll('[data-error]')) {
    const code = errors[slot.dataset.error];
    slot.textContent = code ? t(`err_${code}`) : '';
  }
  for (const input of form.querySelectorAll('input[name]')) {
    input.toggleAttribute('aria-invalid', Boolean(errors[input.name]));
  }
}

/** Ask for a fix in the background; saving never waits for it. */
export function locate() {
  const line = document.getElementById('gps');
  if (!('geolocation' in navigator)) { line.textContent = t('gps_off'); return; }
  if (!position) line.textContent = t('gps_pending');
  navigator.geolocation.getCurrentPosition(
    (p) => {
      position = { lon: round(p.coords.longitude), lat: round(p.coords.latitude), at: Date.now() };
      line.textContent = t('gps_ok');
    },
    () => { if (!freshPosition()) line.textContent = t('gps_off'); },
    { enableHighAccuracy: false, timeout: GPS_TIMEOUT_MS, maximumAge: GPS_MAX_AGE_MS },
  );
}

const round = (x) => Math.round(x * 1e6) / 1e6; // ~0.1 m: more digits are noise

export function freshPosition() {
  return position && Date.now() - position.at < GPS_MAX_AGE_MS ? position : null;
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
  const built = buildRecord(readForm(), { point_id: session.user.point_id, position: freshPosition() });
  showErrors(built.errors || {});
  if (built.errors) { status.textContent = ''; return; }
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
    status.textContent = t('err_save_failed');
    return;
  } finally {
    button.disabled = false;
  }
  const amount = MONEY_KINDS.has(entry.data.kind) ? ` ${formatFen(entry.data.amount_fen)} ${t('yuan')}` : '';
  status.className = 'save-status ok';
  status.textContent = `✓ ${t('saved')} · ${t(`kind_${entry.data.kind}`)}${amount}`;
  for (const name of ['amount', 'bin', 'last4', 'voucher_no', 'note']) form[name].value = '';
  window.scrollTo(0, 0); // the confirmation, the outbox count and the type buttons, ready for the next
  locate();
  onSaved(entry);
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
  document.getElementById('save-status').textContent = '';
  showKind();
  showErrors({});
}
