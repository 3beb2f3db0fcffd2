import { describe, expect, it } from 'vitest';
import { approvedTotal, isEditable, planAdjustments, reasonOk } from '../api/orders';

const lines = [
  { id: 1, quantity: 10, price: '19.50' },
  { id: 2, quantity: 4, price: '1.2250' },
  { id: 3, quantity: 0, price: null },
];

describe('planAdjustments (O4)', () => {
  it('sends nothing for untouched, empty or unchanged cells', () => {
    const plan = planAdjustments(lines, { 1: { quantity: '10', reason: '' }, 2: { quantity: '', reason: 'x' } });
    expect(plan).toEqual({ adjustments: [], problems: {}, packs: 14 });
  });

  it('sends a changed quantity with its trimmed reason, full-width digits made plain', () => {
    const plan = planAdjustments(lines, { 1: { quantity: '６', reason: '  库存可用两个月 ' }, 2: { quantity: '0', reason: '停用' } });
    expect(plan.adjustments).toEqual([
      { line_id: 1, quantity: 6, reason: '库存可用两个月' },
      { line_id: 2, quantity: 0, reason: '停用' },
    ]);
    expect(plan.problems).toEqual({});
    expect(plan.packs).toBe(6);
  });

  it('asks for a reason of two characters, a whole number, at most ten times the ordered', () => {
    const plan = planAdjustments(lines, {
      1: { quantity: '101', reason: '太多了' },
      2: { quantity: '5', reason: ' 多 ' },
      3: { quantity: '1.5', reason: '' },
    });
    expect(plan.adjustments).toEqual([]);
    expect(plan.problems).toEqual({ 1: 'tooMany', 2: 'reason', 3: 'quantity' });
    // Ten times the ordered is the limit; an order of 0 packs may be raised to 10.
    expect(planAdjustments(lines, { 1: { quantity: '100', reason: '补足' } }).problems).toEqual({});
    expect(planAdjustments(lines, { 3: { quantity: '10', reason: '补足' } }).adjustments).toEqual([{ line_id: 3, quantity: 10, reason: '补足' }]);
  });

  it('counts the packs left to buy (approving all struck buys nothing)', () => {
    const plan = planAdjustments(lines.slice(0, 2), { 1: { quantity: '0', reason: '不需要' }, 2: { quantity: '0', reason: '不需要' } });
    expect(plan.packs).toBe(0);
  });
});

describe('approvedTotal (O6)', () => {
  it('sums price × approved packs per line, each rounded half up to the fen', () => {
    // 10 × 19.50 = 195.00; 4 × 1.2250 = 4.90
    expect(approvedTotal(lines, {})).toBe('199.90');
    // 3 × 1.2250 = 3.675 → 3.68
    expect(approvedTotal(lines, { 1: { quantity: '0', reason: '' }, 2: { quantity: '3', reason: '' } })).toBe('3.68');
    // A cell not yet a number counts as ordered.
    expect(approvedTotal(lines, { 1: { quantity: 'abc', reason: '' } })).toBe('199.90');
    expect(approvedTotal([], {})).toBe('0.00');
  });
});

describe('review helpers', () => {
  it('counts a reason in characters after trimming', () => {
    expect(reasonOk('退回')).toBe(true);
    expect(reasonOk(' 退 ')).toBe(false);
    expect(reasonOk(undefined)).toBe(false);
  });

  it('lets the member change a draft or a returned order only', () => {
    expect(isEditable('draft')).toBe(true);
    expect(isEditable('returned')).toBe(true);
    expect(isEditable('submitted')).toBe(false);
    expect(isEditable('approved')).toBe(false);
  });
});
