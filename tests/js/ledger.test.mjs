// Unit tests of the register's money, card and time rules (static/js/ledger.js):
// `node --test tests/js/` (also `npm test` and `make test`).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  buildRecord, buildVoid, formatFen, isoWithOffset, looksLikeCardNumber, maskCard,
  shanghaiDay, totalsByKind, yuanToFen,
} from '../../static/js/ledger.js';

const CTX = { point_id: 7, position: { lon: 122.3, lat: 43.6 }, now: new Date('2026-03-01T06:05:09Z') };

test('yuan to fen is exact, without floating point', () => {
  assert.equal(yuanToFen('500'), 50000);
  assert.equal(yuanToFen('500.5'), 50050);
  assert.equal(yuanToFen('0.29'), 29); // 0.29 * 100 is 28.999999999999996 in floating point
  assert.equal(yuanToFen('1,000.07'), 100007);
  assert.equal(yuanToFen(' 1，234.10 '), 123410);
  for (const bad of ['', 'abc', '1.234', '-5', '1e3', '5..0']) {
    assert.throws(() => yuanToFen(bad), /amount_format/, bad);
  }
  assert.throws(() => yuanToFen('1000000000'), /amount_too_large/);
});

test('fen are shown with two decimals and thousands separators', () => {
  assert.equal(formatFen(50000), '500.00');
  assert.equal(formatFen(123456789), '1,234,567.89');
  assert.equal(formatFen(5), '0.05');
  assert.equal(formatFen(-1050), '-10.50');
});

test('a card is only BIN and last 4; a full card number is caught anywhere', () => {
  assert.equal(maskCard('622848', '1234'), '622848******1234');
  assert.throws(() => maskCard('62284', '1234'), /card_bin/);
  assert.throws(() => maskCard('622848', '123'), /card_last4/);
  assert.ok(looksLikeCardNumber('6228 4804 0256 4890 018'));
  assert.ok(looksLikeCardNumber('卡号6228-4804-0256-4890'));
  assert.ok(!looksLikeCardNumber('000123'));
});

test('times carry the device offset; days are Shanghai days', () => {
  assert.match(isoWithOffset(new Date()), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
  assert.equal(shanghaiDay('2026-03-01T16:30:00Z'), '2026-03-02'); // 00:30 next day in China
  assert.equal(shanghaiDay('2026-03-01T15:59:59Z'), '2026-03-01');
});

test('a filled-in form becomes one push record, or field errors', () => {
  const { data } = buildRecord({ kind: 'withdrawal', amount: '500', bin: '622848', last4: '1234',
    voucher_no: ' 000123 ', note: '' }, CTX);
  assert.deepEqual({ ...data, occurred_at: undefined }, {
    point_id: 7, kind: 'withdrawal', amount_fen: 50000, card_masked: '622848******1234',
    voucher_no: '000123', occurred_at: undefined, lon: 122.3, lat: 43.6, void_of: null, note: null,
  });
  assert.equal(new Date(data.occurred_at).getTime(), CTX.now.getTime());
  const inquiry = buildRecord({ kind: 'balance_inquiry', bin: '622848', last4: '1234' }, CTX).data;
  assert.equal(inquiry.amount_fen, 0);
  const bill = buildRecord({ kind: 'bill_payment', amount: '88.5' }, { ...CTX, position: null }).data;
  assert.equal(bill.card_masked, null);
  assert.equal(bill.lon, null);
  assert.deepEqual(buildRecord({ kind: 'withdrawal', amount: '0', bin: '6228', last4: '1234',
    note: '6228480402564890018' }, CTX).errors,
  { amount: 'amount_positive', bin: 'card_bin', note: 'full_card_number' });
  assert.deepEqual(buildRecord({ kind: 'transfer', bin: '622848', last4: '1234' }, CTX).errors,
    { amount: 'amount_required' });
  assert.deepEqual(buildRecord({ kind: 'nope' }, CTX).errors, { kind: 'kind_required' });
});

test('a void refers to its original and copies its money', () => {
  const original = { id: 'a-1', data: buildRecord({ kind: 'withdrawal', amount: '200', bin: '622848',
    last4: '4321' }, CTX).data };
  const v = buildVoid(original, { position: null, note: '输错金额', now: CTX.now });
  assert.equal(v.void_of, 'a-1');
  assert.equal(v.amount_fen, 20000);
  assert.equal(v.card_masked, '622848******4321');
  assert.equal(v.note, '输错金额');
  assert.equal(v.lon, null);
  assert.equal(original.data.void_of, null); // the original is frozen, not edited
});

test("today's totals leave out voided, void and refused records", () => {
  const row = (id, kind, fen, extra = {}) => ({ id, data: { kind, amount_fen: fen, void_of: null, ...extra.data },
    sync: extra.sync });
  const rows = [
    row('1', 'withdrawal', 50000),
    row('2', 'withdrawal', 20000),
    row('3', 'withdrawal', 20000, { data: { void_of: '2' } }),
    row('4', 'transfer', 12345, { sync: { state: 'rejected' } }),
    row('5', 'transfer', 100, { sync: { state: 'conflict' } }),
    row('6', 'bill_payment', 8850, { sync: { state: 'pending' } }),
  ];
  const totals = totalsByKind(rows);
  assert.deepEqual(totals.withdrawal, { count: 1, amount_fen: 50000 });
  assert.deepEqual(totals.transfer, { count: 0, amount_fen: 0 });
  assert.deepEqual(totals.bill_payment, { count: 1, amount_fen: 8850 });
  assert.deepEqual(totals.balance_inquiry, { count: 0, amount_fen: 0 });
});
