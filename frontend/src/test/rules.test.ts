import { describe, expect, it, beforeAll, afterEach } from 'vitest';
import dayjs from 'dayjs';
import i18n from '../i18n';
import { consortiumToday, followServerDay, DATE_FORMAT } from '../lib/format';
import { effectiveDateRule, rangeRule, wholeAtLeastRule } from '../lib/rules';
import type { RuleObject } from 'antd/es/form';

beforeAll(async () => {
  await i18n.changeLanguage('zh-CN');
});

const t = i18n.t.bind(i18n);

/** The rule's message for a value, or null when it passes. */
async function refusal(rule: unknown, value: unknown): Promise<string | null> {
  const r = rule as RuleObject;
  try {
    await r.validator?.(r, value, () => undefined);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

describe('form rules refuse what was typed instead of changing it', () => {
  afterEach(() => followServerDay(null));

  it('an effective date before today or beyond two years is refused with the bounds', async () => {
    const rule = effectiveDateRule(t);
    const today = consortiumToday();
    expect(await refusal(rule, today)).toBeNull();
    expect(await refusal(rule, today.add(24, 'month'))).toBeNull();
    expect(await refusal(rule, today.subtract(1, 'day'))).toContain(today.format(DATE_FORMAT));
    const far = await refusal(rule, dayjs('9999-12-31'));
    expect(far).toContain('两年');
    expect(far).toContain(today.add(24, 'month').format(DATE_FORMAT));
  });

  it('pack size 0 and 2.5 are refused, not rounded', async () => {
    const rule = wholeAtLeastRule(t, '包装数量', 1);
    expect(await refusal(rule, 1)).toBeNull();
    expect(await refusal(rule, 0)).toBe('包装数量应为不小于 1 的整数');
    expect(await refusal(rule, 2.5)).not.toBeNull();
  });

  it('a target of 150 % or −10 % is refused, not clamped', async () => {
    const rule = rangeRule(t, '村卫生室', 0, 100);
    expect(await refusal(rule, 0)).toBeNull();
    expect(await refusal(rule, 100)).toBeNull();
    expect(await refusal(rule, 150)).toBe('村卫生室应在 0 到 100 之间');
    expect(await refusal(rule, -10)).not.toBeNull();
  });

  it('"today" follows the server\'s day when its clock is fixed', () => {
    followServerDay('2027-03-01');
    expect(consortiumToday().format(DATE_FORMAT)).toBe('2027-03-01');
    followServerDay('2026-01-15');
    expect(consortiumToday().format(DATE_FORMAT)).toBe('2026-01-15');
  });
});
