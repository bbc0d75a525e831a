// Register lines: money, card and time rules of a record, with no DOM and no storage,
// so the page, the service worker and the tests use the same rules.

export const KINDS = ['withdrawal', 'balance_inquiry', 'transfer', 'cash_remittance', 'bill_payment'];
// Kinds that move money; a balance inquiry has no amount.
export const MONEY_KINDS = new Set(['withdrawal', 'transfer', 'cash_remittance', 'bill_payment']);
// Kinds done with a customer's card at the terminal; remittance and bill payment may be cash.
export const CARD_KINDS = new Set(['withdrawal', 'balance_inquiry', 'transfer']);
export const SHANGHAI = 'Asia/Shanghai';

// 12 or more digits in a row look like a card number (PAN), which the register must never
// hold; the server refuses the same (app/privacy.py), so the phone stops it first.
const PAN_LIKE = /\d{12,}/;
const MAX_FEN = 99_999_999_99; // under 100 million yuan: a typo, not a village transaction

/** "500", "500.5", "1,000.00" yuan -> integer fen, without floating point. Throws 'amount_format'. */
export function yuanToFen(text) {
  const clean = String(text ?? '').replace(/[\s,，]/g, '');
  const m = /^(\d{1,10})(?:\.(\d{0,2}))?$/.exec(clean);
  if (!m) throw new Error('amount_format');
  const fen = Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'));
  if (fen > MAX_FEN) throw new Error('amount_too_large');
  return fen;
}

/** 50000 -> "500.00"; 123456789 -> "1,234,567.89" (two decimals, always). */
export function formatFen(fen) {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(fen));
  const yuan = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${yuan}.${String(abs % 100).padStart(2, '0')}`;
}

/** True when a field's text holds something that looks like a full card number. */
export function looksLikeCardNumber(text) {
  return PAN_LIKE.test(String(text ?? '').replace(/[\s-]/g, ''));
}

/** BIN (first 6) + last 4 -> "622848******1234". Throws 'card_bin' / 'card_last4'. */
export function maskCard(bin, last4) {
  if (!/^\d{6}$/.test(bin)) throw new Error('card_bin');
  if (!/^\d{4}$/.test(last4)) throw new Error('card_last4');
  return `${bin}******${last4}`;
}

/** ISO 8601 with the device's own offset, e.g. "2026-03-01T14:05:09+08:00". */
export function isoWithOffset(date = new Date()) {
  const pad = (n) => String(Math.abs(n)).padStart(2, '0');
  const off = -date.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
    + `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
    + `${sign}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
}

/** The calendar day in Shanghai of an instant, as "YYYY-MM-DD". */
export function shanghaiDay(instant) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: SHANGHAI, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date(instant));
}

/** "14:05" in Shanghai. */
export function shanghaiTime(instant) {
  return new Intl.DateTimeFormat('en-GB', { timeZone: SHANGHAI, hour: '2-digit', minute: '2-digit', hour12: false })
    .format(new Date(instant));
}

/**
 * Check a filled-in form and build the push `data` of a new record.
 * form: {kind, amount, bin, last4, voucher_no, note}; ctx: {point_id, position, now}.
 * Returns {data} or {errors: {field: code}}; codes are translated by the page.
 */
export function buildRecord(form, ctx) {
  const errors = {};
  const kind = form.kind;
  if (!KINDS.includes(kind)) errors.kind = 'kind_required';

  let amountFen = 0;
  if (MONEY_KINDS.has(kind)) {
    try {
      amountFen = yuanToFen(form.amount);
      if (amountFen <= 0) errors.amount = 'amount_positive';
    } catch (e) {
      errors.amount = form.amount ? e.message : 'amount_required';
    }
  }

  let cardMasked = null;
  const bin = (form.bin || '').trim();
  const last4 = (form.last4 || '').trim();
  if (bin || last4 || CARD_KINDS.has(kind)) {
    try {
      cardMasked = maskCard(bin, last4);
    } catch (e) {
      errors[e.message === 'card_bin' ? 'bin' : 'last4'] = e.message;
    }
  }

  const voucher = (form.voucher_no || '').trim();
  if (voucher.length > 40) errors.voucher_no = 'too_long';
  if (looksLikeCardNumber(voucher)) errors.voucher_no = 'full_card_number';
  const note = (form.note || '').trim();
  if (note.length > 200) errors.note = 'too_long';
  if (looksLikeCardNumber(note)) errors.note = 'full_card_number';

  if (Object.keys(errors).length) return { errors };
  const pos = ctx.position;
  return {
    data: {
      point_id: ctx.point_id,
      kind,
      amount_fen: amountFen,
      card_masked: cardMasked,
      voucher_no: voucher || null,
      occurred_at: isoWithOffset(ctx.now || new Date()),
      lon: pos ? pos.lon : null,
      lat: pos ? pos.lat : null,
      void_of: null,
      note: note || null,
    },
  };
}

/** The void record that cancels `original` (same kind, amount and card; refers to it). */
export function buildVoid(original, ctx) {
  const pos = ctx.position;
  return {
    ...original.data,
    occurred_at: isoWithOffset(ctx.now || new Date()),
    lon: pos ? pos.lon : null,
    lat: pos ? pos.lat : null,
    void_of: original.id,
    note: ctx.note || null,
  };
}

/** Totals by kind over records that stand: voids and the records they cancel count for nothing,
 *  and neither do records the server refused. */
export function totalsByKind(rows) {
  const voided = new Set(rows.filter((r) => r.data.void_of).map((r) => r.data.void_of));
  const totals = Object.fromEntries(KINDS.map((k) => [k, { count: 0, amount_fen: 0 }]));
  for (const r of rows) {
    if (r.data.void_of || voided.has(r.id)) continue;
    if (r.sync && (r.sync.state === 'rejected' || r.sync.state === 'conflict')) continue;
    const t = totals[r.data.kind];
    if (!t) continue;
    t.count += 1;
    t.amount_fen += r.data.amount_fen || 0;
  }
  return totals;
}
