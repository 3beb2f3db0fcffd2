import dayjs from 'dayjs';

export const DATE_FORMAT = 'YYYY-MM-DD';

/**
 * The pack as a pharmacist writes it: `7片×4/盒` when the inner pack is known, else base units
 * per pack, `28片/盒`. When the base unit is the pack unit (an ampoule sold singly) just `1支`.
 */
export function formatPack(e: {
  pack_size: number | null | undefined;
  inner_pack_size?: number | null;
  base_unit?: string | null;
  pack_unit?: string | null;
}): string {
  const base = (e.base_unit ?? '').trim();
  const unit = (e.pack_unit ?? '').trim();
  const size = e.pack_size;
  if (size == null || !Number.isFinite(size)) return unit ? `/${unit}` : '';
  const inner = e.inner_pack_size;
  const count =
    inner && inner > 0 && inner < size && size % inner === 0 ? `${inner}${base}×${size / inner}` : `${size}${base}`;
  if (!unit || unit === base) return count;
  return `${count}/${unit}`;
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

/** Days between the server's calendar day and this browser's China day (see followServerDay). */
let serverDayOffset = 0;

/**
 * Follow the server's calendar day (from /me): outside production its clock may be set to a
 * fixed day, and effective dates are checked against that day, not the browser's. Without a
 * day (signed out), the browser's China day.
 */
export function followServerDay(today: string | null | undefined): void {
  const server = today ? dayjs(today, DATE_FORMAT) : null;
  serverDayOffset = server?.isValid() ? server.diff(chinaToday(), 'day') : 0;
}

function chinaToday(): dayjs.Dayjs {
  const now = new Date();
  const chinaMs = now.getTime() + (now.getTimezoneOffset() + 480) * 60_000;
  return dayjs(chinaMs).startOf('day');
}

/**
 * The consortium's calendar day. The server counts effective dates in China
 * time (UTC+8) whatever the browser's zone, so "today" here must agree; and it follows the
 * server's clock when that is set to a fixed day.
 */
export function consortiumToday(): dayjs.Dayjs {
  return chinaToday().add(serverDayOffset, 'day');
}

/** A product as a pharmacist tells two apart: `阿卡波糖 50mg 片剂 · 拜耳医药`. */
export function formatProduct(p: {
  generic_name_zh: string;
  strength?: string | null;
  dosage_form?: string | null;
  manufacturer?: string | null;
}): string {
  const head = [p.generic_name_zh, p.strength, p.dosage_form].filter((s) => s && s.trim()).join(' ');
  return p.manufacturer?.trim() ? `${head} · ${p.manufacturer.trim()}` : head;
}
