import type { Rule } from 'antd/es/form';
import type { Dayjs } from 'dayjs';
import type { TFunction } from 'i18next';
import { DATE_FORMAT, consortiumToday } from './format';

/**
 * Form rules that refuse what the user typed, with a message, instead of changing it: an
 * input's own min/max would silently turn 0 into 1 or 150 into 100, and a date picker's
 * disabled days would silently drop a typed past date.
 */

/** Rule F1: an effective date is today or later, and within two years (as the server says). */
export function effectiveDateRule(t: TFunction): Rule {
  return {
    validator: async (_r, value: Dayjs | null | undefined) => {
      if (!value) return;
      const today = consortiumToday();
      if (value.isBefore(today, 'day')) {
        throw new Error(t('rules.effectivePast', { today: today.format(DATE_FORMAT) }));
      }
      const last = today.add(24, 'month');
      if (value.isAfter(last, 'day')) {
        throw new Error(t('rules.effectiveFar', { last: last.format(DATE_FORMAT) }));
      }
    },
  };
}

/** A whole number of at least `min`. */
export function wholeAtLeastRule(t: TFunction, field: string, min: number): Rule {
  return {
    validator: async (_r, value: number | null | undefined) => {
      if (value == null) return;
      if (!Number.isInteger(value) || value < min) throw new Error(t('rules.wholeAtLeast', { field, min }));
    },
  };
}

/** A number between `min` and `max`, both included. */
export function rangeRule(t: TFunction, field: string, min: number, max: number): Rule {
  return {
    validator: async (_r, value: number | null | undefined) => {
      if (value == null) return;
      if (!Number.isFinite(value) || value < min || value > max) {
        throw new Error(t('rules.range', { field, min, max }));
      }
    },
  };
}

/** The inner pack divides the pack: 7 in 7片×4 = 28. */
export function innerPackRule(t: TFunction): Rule {
  return ({ getFieldValue }) => ({
    validator: async (_r, value: number | null | undefined) => {
      const size = getFieldValue('pack_size') as number | null | undefined;
      if (value == null || size == null || !Number.isInteger(value) || value < 1) return;
      if (value > size || size % value !== 0) throw new Error(t('rules.innerPack', { size }));
    },
  });
}
