import { describe, expect, it } from 'vitest';
import { hasWork, landingPath, previewCounts, rmbUpper } from '../api/purchaseOrders';

describe('rmbUpper', () => {
  it('writes amounts as on financial documents (the cases of the server’s print::rmb)', () => {
    const cases: [string, string][] = [
      ['0', '零元整'],
      ['0.00', '零元整'],
      ['0.05', '伍分'],
      ['0.10', '壹角'],
      ['0.15', '壹角伍分'],
      ['1', '壹元整'],
      ['1.05', '壹元零伍分'],
      ['10', '壹拾元整'],
      ['10.50', '壹拾元零伍角'],
      ['10.05', '壹拾元零伍分'],
      ['19.99', '壹拾玖元玖角玖分'],
      ['110.00', '壹佰壹拾元整'],
      ['1010.00', '壹仟零壹拾元整'],
      ['1001.00', '壹仟零壹元整'],
      ['1480.80', '壹仟肆佰捌拾元零捌角'],
      ['1409.50', '壹仟肆佰零玖元伍角'],
      ['1680.32', '壹仟陆佰捌拾元零叁角贰分'],
      ['10005.00', '壹万零伍元整'],
      ['10100.00', '壹万零壹佰元整'],
      ['100000', '壹拾万元整'],
      ['1000000.10', '壹佰万元零壹角'],
      ['1000100.00', '壹佰万零壹佰元整'],
      ['20300000.00', '贰仟零叁拾万元整'],
      ['203000000.00', '贰亿零叁佰万元整'],
      ['100000000', '壹亿元整'],
      ['100010000', '壹亿零壹万元整'],
      ['1000000001.00', '壹拾亿零壹元整'],
      ['1234567890.12', '壹拾贰亿叁仟肆佰伍拾陆万柒仟捌佰玖拾元零壹角贰分'],
      ['1234567891.23', '壹拾贰亿叁仟肆佰伍拾陆万柒仟捌佰玖拾壹元贰角叁分'],
      ['1000000000000', '壹万亿元整'],
      ['-1480.80', '负壹仟肆佰捌拾元零捌角'],
      ['-0.05', '负伍分'],
      ['92233720368547758.07', '玖亿亿贰仟贰佰叁拾叁万亿柒仟贰佰零叁亿陆仟捌佰伍拾肆万柒仟柒佰伍拾捌元零柒分'],
      ['348.10', '叁佰肆拾捌元壹角'],
    ];
    for (const [amount, want] of cases) expect(rmbUpper(amount), amount).toBe(want);
  });

  it('takes the money strings of the API (fractions below the fen cut) and nothing else', () => {
    expect(rmbUpper('12.5')).toBe('壹拾贰元伍角');
    expect(rmbUpper('3.8000')).toBe('叁元捌角');
    expect(rmbUpper(' 7 ')).toBe('柒元整');
    expect(rmbUpper('-0.00')).toBe('零元整');
    expect(rmbUpper('')).toBe('');
    expect(rmbUpper(null)).toBe('');
    expect(rmbUpper('¥12')).toBe('');
    expect(rmbUpper('1e3')).toBe('');
  });

  it('uses capital numerals only, never two 零 in a row', () => {
    for (let fen = 0; fen < 2_000_000; fen += 7_919) {
      const s = rmbUpper(`${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`);
      expect(s).toMatch(/^[零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整]+$/);
      expect(s).not.toContain('零零');
      expect(!s.startsWith('零') || s === '零元整').toBe(true);
    }
  });
});

describe('landingPath', () => {
  const po = (id: number) => ({ id }) as never;
  it('opens the one purchase order made, else the aggregation’s list', () => {
    expect(landingPath({ aggregation_id: 4, purchase_orders: [po(9)] })).toBe('/procurement/purchase-orders/9');
    expect(landingPath({ aggregation_id: 4, purchase_orders: [po(9), po(10)] })).toBe('/procurement/purchase-orders?aggregation_id=4');
    expect(landingPath({ aggregation_id: 5, purchase_orders: [] })).toBe('/procurement/purchase-orders?aggregation_id=5');
  });
});

describe('preview', () => {
  const line = {} as never;
  const uncovered = (carried: boolean) => ({ carried }) as never;
  it('has work with approved orders, or with waiting lines a contract now covers', () => {
    expect(hasWork({ orders: [], suppliers: [] })).toBe(false);
    expect(hasWork({ orders: [{} as never], suppliers: [] })).toBe(true);
    expect(hasWork({ orders: [], suppliers: [{ lines: [line] } as never] })).toBe(true);
  });
  it('counts the purchase orders (one per supplier), their lines and the uncovered products', () => {
    expect(
      previewCounts({
        suppliers: [{ lines: [line, line] }, { lines: [line] }] as never,
        uncovered: [uncovered(false), uncovered(true)],
      }),
    ).toEqual({ suppliers: 2, lines: 3, uncovered: 2, carried: 1 });
  });
});
