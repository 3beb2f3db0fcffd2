import { describe, expect, it } from 'vitest';
import { formatMoney, formatPack, formatValue } from '../lib/format';

describe('formatPack', () => {
  it('writes base units per pack', () => {
    expect(formatPack({ pack_size: 28, base_unit: '片', pack_unit: '盒' })).toBe('28片/盒');
    expect(formatPack({ pack_size: 10, base_unit: '支', pack_unit: '盒' })).toBe('10支/盒');
  });
  it('writes the inner pack as people do: 7片×4/盒', () => {
    expect(formatPack({ pack_size: 28, inner_pack_size: 7, base_unit: '片', pack_unit: '盒' })).toBe('7片×4/盒');
    expect(formatPack({ pack_size: 20, inner_pack_size: 10, base_unit: '粒', pack_unit: '盒' })).toBe('10粒×2/盒');
    // No inner division, or one that does not divide: the total.
    expect(formatPack({ pack_size: 28, inner_pack_size: null, base_unit: '片', pack_unit: '盒' })).toBe('28片/盒');
    expect(formatPack({ pack_size: 28, inner_pack_size: 28, base_unit: '片', pack_unit: '盒' })).toBe('28片/盒');
  });
  it('drops the pack unit when it is the base unit', () => {
    expect(formatPack({ pack_size: 1, base_unit: '支', pack_unit: '支' })).toBe('1支');
    expect(formatPack({ pack_size: 1, base_unit: '瓶', pack_unit: '' })).toBe('1瓶');
  });
  it('trims and survives missing parts', () => {
    expect(formatPack({ pack_size: 24, base_unit: ' 粒 ', pack_unit: ' 盒' })).toBe('24粒/盒');
    expect(formatPack({ pack_size: null, base_unit: '片', pack_unit: '盒' })).toBe('/盒');
  });
});

describe('formatMoney', () => {
  it('keeps decimal strings exact, at least two decimals', () => {
    expect(formatMoney('12.5')).toBe('¥12.50');
    expect(formatMoney('0.1234')).toBe('¥0.1234');
    expect(formatMoney('3')).toBe('¥3.00');
    expect(formatMoney('1234567.80')).toBe('¥1,234,567.80');
    expect(formatMoney('12.3400')).toBe('¥12.34');
  });
  it('leaves odd input alone', () => {
    expect(formatMoney('')).toBe('');
    expect(formatMoney(null)).toBe('');
    expect(formatMoney('n/a')).toBe('n/a');
  });
});

describe('formatValue', () => {
  it('shows nulls as a dash and objects as JSON', () => {
    expect(formatValue(null)).toBe('—');
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
    expect(formatValue(3)).toBe('3');
  });
});

describe('consortiumToday', () => {
  it('is the calendar day in China (UTC+8)', async () => {
    const { consortiumToday } = await import('../lib/format');
    const d = consortiumToday();
    const expected = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    expect(d.format('YYYY-MM-DD')).toBe(expected);
  });
});
