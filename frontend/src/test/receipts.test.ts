import { describe, expect, it } from 'vitest';
import {
  addDays,
  addTraceCodes,
  checkRows,
  closeReasonOk,
  emptyRow,
  firstOfLine,
  gtinCheckDigit,
  initialRows,
  isBlank,
  isReceivable,
  nextCell,
  normaliseTraceCode,
  outstandingPacks,
  parseDate,
  placeFieldErrors,
  receiptBody,
  removeRow,
  rowsNamed,
  splitRow,
  type ReceiveRow,
} from '../api/receipts';
import { holdTextOk, isOpen, openParam } from '../api/lotHolds';

const row = (key: string, poLineId: number, patch: Partial<ReceiveRow> = {}): ReceiveRow => ({ ...emptyRow(poLineId, key), ...patch });
const keys = (prefix = 'k') => {
  let n = 0;
  return () => `${prefix}${++n}`;
};

describe('parseDate', () => {
  it('reads the expiry as typed off a carton or sent by a scanner', () => {
    expect(parseDate('2028-04-30')).toBe('2028-04-30');
    expect(parseDate('20280430')).toBe('2028-04-30');
    expect(parseDate(' 2028/4/3 ')).toBe('2028-04-03');
    expect(parseDate('2028.04.30')).toBe('2028-04-30');
    expect(parseDate('2028年4月30日')).toBe('2028-04-30');
    expect(parseDate('２０２８０４３０')).toBe('2028-04-30');
    expect(parseDate('280430')).toBe('2028-04-30');
  });

  it('refuses what is no real calendar day', () => {
    for (const bad of ['', '2028-02-30', '20270229', '2028-13-01', '2028-00-10', '2028-04', '202804', '28-04-30x', 'abc', '2028-4-31']) {
      expect(parseDate(bad), bad).toBeNull();
    }
    expect(parseDate('20280229')).toBe('2028-02-29');
  });

  it('adds calendar days as the server counts them', () => {
    expect(addDays('2026-12-05', 180)).toBe('2027-06-03');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
  });
});

describe('trace codes (T1)', () => {
  it('takes the 20-digit code and GS1 codes with a right check digit, dropping a scanner prefix', () => {
    expect(normaliseTraceCode(' 81234567890123456789 ')).toEqual({ code: '81234567890123456789' });
    expect(normaliseTraceCode(']C181234567890123456789')).toEqual({ code: '81234567890123456789' });
    expect(gtinCheckDigit('0690123456789')).toBe(2);
    expect(normaliseTraceCode('0106901234567892')).toEqual({ code: '0106901234567892' });
    expect(normaliseTraceCode('010690123456789217271231\u001d10LOT1')).toEqual({ code: '010690123456789217271231\u001d10LOT1' });
    expect(normaliseTraceCode('0106901234567893')).toEqual({ problem: 'check' });
    expect(normaliseTraceCode('1234')).toEqual({ problem: 'format' });
    expect(normaliseTraceCode('8123456789012345678X')).toEqual({ problem: 'format' });
    expect(normaliseTraceCode('0106901234567892 中文')).toEqual({ problem: 'format' });
  });

  it('adds each scanned code once, refusing repeats in the row and codes taken by another row', () => {
    const a = '81234567890123456789';
    const b = '81234567890123456780';
    const c = '81234567890123456781';
    let r = addTraceCodes([], a);
    expect(r).toEqual({ codes: [a], added: [a], refused: [] });
    r = addTraceCodes(r.codes, ` ]C1${a} `);
    expect(r.codes).toEqual([a]);
    expect(r.refused).toEqual([{ raw: a, problem: 'duplicate' }]);
    r = addTraceCodes(r.codes, b, new Set([b]));
    expect(r.refused).toEqual([{ raw: b, problem: 'elsewhere' }]);
    // Pasted several at once: split at line breaks, spaces, commas.
    r = addTraceCodes([a], `${b}\n${c}，1234`);
    expect(r.codes).toEqual([a, b, c]);
    expect(r.added).toEqual([b, c]);
    expect(r.refused).toEqual([{ raw: '1234', problem: 'format' }]);
    expect(addTraceCodes([a], '   ').codes).toEqual([a]);
  });
});

describe('the receive grid', () => {
  const lines = [
    { id: 11, outstanding: 10 },
    { id: 12, outstanding: 0 },
    { id: 13, outstanding: 5 },
  ];

  it('opens with a row per line still outstanding; a split adds a row after the line’s last', () => {
    const rows = initialRows(lines, keys());
    expect(rows.map((r) => [r.key, r.poLineId])).toEqual([
      ['k1', 11],
      ['k2', 13],
    ]);
    expect(rows.every(isBlank)).toBe(true);
    const s1 = splitRow(rows, 'k1', 'x1');
    expect(s1.at).toBe(1);
    const s2 = splitRow(s1.rows, 'k1', 'x2');
    expect(s2.rows.map((r) => r.key)).toEqual(['k1', 'x1', 'x2', 'k2']);
    expect(s2.at).toBe(2);
    expect(s2.rows.map((_, i) => firstOfLine(s2.rows, i))).toEqual([true, false, false, true]);
    // A split row goes; the last row of a line is only emptied.
    expect(removeRow(s2.rows, 'x1').map((r) => r.key)).toEqual(['k1', 'x2', 'k2']);
    const typed = s2.rows.map((r) => (r.key === 'k2' ? { ...r, lotNo: 'B1' } : r));
    const emptied = removeRow(typed, 'k2');
    expect(emptied.map((r) => r.key)).toEqual(['k1', 'x1', 'x2', 'k2']);
    expect(isBlank(emptied[3])).toBe(true);
  });

  it('moves Enter along the row (the damage note only when damaged), then to the next row, never past the last', () => {
    const rows = [row('a', 11), row('b', 13, { damaged: '2' })];
    expect(nextCell(rows, 0, 'lot_no')).toEqual({ row: 0, field: 'expiry' });
    expect(nextCell(rows, 0, 'expiry')).toEqual({ row: 0, field: 'quantity' });
    expect(nextCell(rows, 0, 'quantity')).toEqual({ row: 0, field: 'damaged' });
    expect(nextCell(rows, 0, 'damaged')).toEqual({ row: 0, field: 'trace_codes' });
    expect(nextCell(rows, 1, 'damaged')).toEqual({ row: 1, field: 'damage_note' });
    expect(nextCell(rows, 1, 'damage_note')).toEqual({ row: 1, field: 'trace_codes' });
    expect(nextCell(rows, 0, 'trace_codes')).toEqual({ row: 1, field: 'lot_no' });
    expect(nextCell(rows, 1, 'trace_codes')).toBeNull();
  });

  it('checks the rows as D1 and T1 will: lot, expiry, shelf life, packs, what is outstanding, codes', () => {
    const day = '2026-12-05';
    const rows = [
      row('ok', 11, { lotNo: 'L1', expiry: '20280430', quantity: '6', damaged: '1', codes: ['81234567890123456789'] }),
      row('split', 11, { lotNo: 'L2', expiry: '2028-05-31', quantity: '5' }),
      row('blank', 13),
    ];
    let c = checkRows(rows, lines, { receivedOn: day, minShelfDays: 180 });
    expect(c.issues.ok).toEqual([{ field: 'quantity', problem: 'tooMany', params: { outstanding: 10, taking: 11 } }]);
    expect(c.issues.split).toEqual([{ field: 'quantity', problem: 'tooMany', params: { outstanding: 10, taking: 11 } }]);
    expect(c.issues.blank).toBeUndefined();
    expect([c.rows, c.good, c.damaged, c.codes]).toEqual([2, 11, 1, 1]);

    c = checkRows([row('a', 11, { lotNo: 'L1', expiry: '2027-06-02', quantity: '1' })], lines, { receivedOn: day, minShelfDays: 180 });
    expect(c.issues.a).toEqual([{ field: 'expiry', problem: 'shortDated', params: { first: '2027-06-03', days: 180 } }]);
    c = checkRows([row('a', 11, { lotNo: 'L1', expiry: '2027-06-03', quantity: '1' })], lines, { receivedOn: day, minShelfDays: 180 });
    expect(c.issues).toEqual({});
    // Without the settings only what has expired is caught.
    c = checkRows([row('a', 11, { lotNo: 'L1', expiry: '2027-01-01', quantity: '1' })], lines, { receivedOn: day, minShelfDays: null });
    expect(c.issues).toEqual({});
    c = checkRows([row('a', 11, { lotNo: 'L1', expiry: day, quantity: '1' })], lines, { receivedOn: day });
    expect(c.issues.a).toEqual([{ field: 'expiry', problem: 'expired' }]);
    // Damaged packs only: no shelf-life check (nothing is stocked).
    c = checkRows([row('a', 11, { lotNo: 'L1', expiry: day, damaged: '2' })], lines, { receivedOn: day, minShelfDays: 180 });
    expect(c.issues).toEqual({});

    c = checkRows(
      [
        row('a', 11, { quantity: '2' }),
        row('b', 11, { lotNo: 'x'.repeat(41), expiry: '2028-02-30', quantity: 'two' }),
        row('c', 13, { lotNo: 'L', expiry: '2028-01-01', quantity: '0', damaged: '' }),
        row('d', 13, { lotNo: 'L', expiry: '2028-01-01', quantity: '1', codes: ['81234567890123456789', '81234567890123456780'] }),
      ],
      lines,
      { receivedOn: day },
    );
    expect(c.issues.a.map((i) => i.problem)).toEqual(['lotRequired', 'expiryRequired']);
    expect(c.issues.b.map((i) => i.problem)).toEqual(['lotTooLong', 'badNumber', 'expiryBad']);
    expect(c.issues.c.map((i) => i.problem)).toEqual(['nothing']);
    expect(c.issues.d).toEqual([{ field: 'trace_codes', problem: 'tooManyCodes', params: { codes: 2, packs: 1 } }]);
  });

  it('builds the receipt from the rows: blank rows out, texts trimmed, dates normalised, no invoice = to come', () => {
    const rows = [
      row('a', 11, { lotNo: ' L1 ', expiry: '20280430', quantity: '６', damaged: '1', damageNote: ' 外箱压破 ', codes: ['81234567890123456789'] }),
      row('b', 13),
      row('c', 13, { lotNo: 'B1', expiry: '2028-05-31', quantity: '5' }),
    ];
    const { body, sent } = receiptBody({ id: 7, version: 3 }, rows, { receivedOn: '2026-12-05', invoiceNo: '  ', note: '' });
    expect(sent).toEqual(['a', 'c']);
    expect(body).toEqual({
      purchase_order_id: 7,
      version: 3,
      received_on: '2026-12-05',
      lines: [
        {
          po_line_id: 11,
          lot_no: 'L1',
          expiry: '2028-04-30',
          quantity: 6,
          damaged: 1,
          damage_note: '外箱压破',
          trace_codes: ['81234567890123456789'],
        },
        { po_line_id: 13, lot_no: 'B1', expiry: '2028-05-31', quantity: 5, damaged: 0, trace_codes: [] },
      ],
    });
    const withInvoice = receiptBody({ id: 7, version: 3 }, rows, { receivedOn: '2026-12-05', invoiceNo: ' 04412345 ', note: ' 冷链 2–8℃ ' }).body;
    expect(withInvoice.invoice_no).toBe('04412345');
    expect(withInvoice.note).toBe('冷链 2–8℃');
  });

  it('puts the server’s field errors back at the rows they name', () => {
    const placed = placeFieldErrors(
      [
        { field: 'lines[1].po_line_id', message: 'not a line' },
        { field: 'lines[0].lot_no', message: '1 到 40 个字符' },
        { field: 'lines[5].lot_no', message: 'out of range' },
        { field: 'invoice_no', message: '1 到 64 个字符' },
        { field: 'version', message: 'bad' },
      ],
      ['a', 'c'],
    );
    expect(placed.rows).toEqual({ c: { row: 'not a line' }, a: { lot_no: '1 到 40 个字符' } });
    expect(placed.header).toEqual({ invoice_no: '1 到 64 个字符' });
    expect(placed.rest.map((e) => e.field)).toEqual(['lines[5].lot_no', 'version']);
  });

  it('finds the rows a refusal names: by trace code, by lot number, by product', () => {
    const rows = [
      row('a', 11, { lotNo: 'L1', codes: ['81234567890123456789'] }),
      row('b', 11, { lotNo: 'L12' }),
      row('c', 13, { lotNo: '240501' }),
      row('d', 13),
    ];
    const products: Record<number, { name_zh: string; strength: string }> = {
      11: { name_zh: '阿莫西林胶囊', strength: '0.25g' },
      13: { name_zh: '二甲双胍片', strength: '0.5g' },
    };
    const named = (detail: string) => rowsNamed(detail, rows, (id) => products[id]);
    expect(named('追溯码 81234567890123456789 在本医共体已登记过')).toEqual(['a']);
    expect(named('批号 L12 已过期（有效期至 2026-12-01）')).toEqual(['b']);
    expect(named('lot L1 has expired')).toEqual(['a']);
    expect(named('二甲双胍片 0.5g：入库 9 包装，超过采购订单尚未到货的 5 包装')).toEqual(['c']);
    expect(named('采购订单 PO1 已结案')).toEqual([]);
  });

  it('knows which purchase orders still receive, and what a close needs', () => {
    expect(['issued', 'receiving', 'received', 'closed', 'cancelled'].map((s) => isReceivable(s as never))).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(outstandingPacks({ lines: [{ outstanding: 4 }, { outstanding: 0 }, { outstanding: 3 }] as never })).toBe(7);
    expect(closeReasonOk(' 断 ')).toBe(false);
    expect(closeReasonOk('断货')).toBe(true);
  });
});

describe('lot holds', () => {
  it('filters by state and needs a reason', () => {
    expect([openParam('open'), openParam('released'), openParam('all')]).toEqual([true, false, undefined]);
    expect(isOpen({ released_at: null })).toBe(true);
    expect(isOpen({ released_at: '2026-12-05T08:00:00Z' })).toBe(false);
    expect(holdTextOk('  a ')).toBe(false);
    expect(holdTextOk('复检')).toBe(true);
  });
});
