import dayjs from 'dayjs';

export const DATE_FORMAT = 'YYYY-MM-DD';

/**
 * The pack as a pharmacist writes it: base units per pack, `28片/盒`.
 * The contract carries only the total (pack_size), not the blister split,
 * so `7片×4/盒` is shown as `28片/盒`. When the base unit is the pack unit
 * (an ampoule sold singly) just `1支`.
 */
export function formatPack(e: { pack_size: number | null | undefined; base_unit?: string | null; pack_unit?: string | null }): string {
  const base = (e.base_unit ?? '').trim();
  const unit = (e.pack_unit ?? '').trim();
  const size = e.pack_size;
  if (size == null || !Number.isFinite(size)) return unit ? `/${unit}` : '';
  if (!unit || unit === base) return `${size}${base}`;
  return `${size}${base}/${unit}`;
}

/** Money strings stay strings (no float rounding): "12.5" → "¥12.50". */
export function formatMoney(value: string | number | null | undefined): string {
  if (value == null || value === '') return '';
  const s = String(value).trim();
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return s;
  const [, sign, int, frac = ''] = m;
  const f = frac.length >= 2 ? frac.replace(/0+$/, '').padEnd(2, '0') : frac.padEnd(2, '0');
  return `${sign}¥${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${f}`;
}

export const formatDate = (v: string | null | undefined) => (v ? dayjs(v).format(DATE_FORMAT) : '');
export const formatDateTime = (v: string | null | undefined) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm') : '');

/** Any field value for display in a change list. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? '✓' : '✗';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * The consortium's calendar day. The server counts effective dates in China
 * time (UTC+8) whatever the browser's zone, so "today" here must agree.
 */
export function consortiumToday(): dayjs.Dayjs {
  const now = new Date();
  const chinaMs = now.getTime() + (now.getTimezoneOffset() + 480) * 60_000;
  return dayjs(chinaMs).startOf('day');
}
