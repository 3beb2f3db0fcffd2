import { describe, expect, it } from 'vitest';
import { formatPacks, toPacks, unsignedPacks } from '../lib/packs';

const tablets = { pack_size: 10, pack_unit: '盒', base_unit: '片' };
const ampoule = { pack_size: 1, pack_unit: '支', base_unit: '支' };

describe('formatPacks', () => {
  it('writes quantities as the server does', () => {
    expect(formatPacks(25, tablets)).toBe('2盒+5片');
    expect(formatPacks(20, tablets)).toBe('2盒');
    expect(formatPacks(5, tablets)).toBe('5片');
    expect(formatPacks(0, tablets)).toBe('0片');
    expect(formatPacks(-25, tablets)).toBe('-(2盒+5片)');
    expect(formatPacks(-20, tablets)).toBe('-2盒');
    expect(formatPacks(3, ampoule)).toBe('3支');
  });
  it('marks a positive difference when asked', () => {
    expect(formatPacks(25, tablets, true)).toBe('+(2盒+5片)');
    expect(formatPacks(5, tablets, true)).toBe('+5片');
    expect(formatPacks(0, tablets, true)).toBe('0片');
  });
  it('splits and unsigns', () => {
    expect(toPacks(365, { pack_size: 36, pack_unit: '盒', base_unit: '片' })).toEqual([10, 5]);
    expect(toPacks(7, ampoule)).toEqual([7, 0]);
    expect(unsignedPacks('-(2盒+5片)')).toBe('2盒+5片');
    expect(unsignedPacks('+5片')).toBe('5片');
    expect(unsignedPacks('2盒')).toBe('2盒');
  });
});
