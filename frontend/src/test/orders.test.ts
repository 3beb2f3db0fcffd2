import { describe, expect, it } from 'vitest';
import { linesInput, newIdempotencyKey, parseQuantity } from '../api/orders';

describe('newIdempotencyKey', () => {
  it('is 32 hex digits from 16 random bytes, without crypto.randomUUID', () => {
    const fixed = (a: Uint8Array) => a.map((_, i) => i * 17);
    expect(newIdempotencyKey(fixed)).toBe('00112233445566778899aabbccddeeff');
    const saved = crypto.randomUUID;
    // An insecure context (plain HTTP on a LAN) has no randomUUID.
    Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true });
    try {
      const a = newIdempotencyKey();
      expect(a).toMatch(/^[0-9a-f]{32}$/);
      expect(newIdempotencyKey()).not.toBe(a);
    } finally {
      Object.defineProperty(crypto, 'randomUUID', { value: saved, configurable: true });
    }
  });
});

describe('parseQuantity', () => {
  it('takes full-width digits and refuses anything but whole numbers', () => {
    expect(parseQuantity('１２')).toBe(12);
    expect(parseQuantity(' 1,200 ')).toBe(1200);
    expect(parseQuantity('')).toBeNull();
    expect(parseQuantity('1.5')).toBeNaN();
    expect(parseQuantity('-3')).toBeNaN();
  });
});

describe('linesInput', () => {
  it('sends typed quantities and leaves the rest to the suggestion', () => {
    expect(
      linesInput([
        { entry_id: 1, quantity: 5, typed: true },
        { entry_id: 2, quantity: 9, typed: false },
      ]),
    ).toEqual([
      { entry_id: 1, quantity: 5 },
      { entry_id: 2, quantity: null },
    ]);
  });
});
