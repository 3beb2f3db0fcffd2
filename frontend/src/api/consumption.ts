/**
 * Consumption at members (领用消耗): record what a pharmacy issued on a day, list and export
 * what was issued, and the lots on hand to issue from.
 */
import { api, unwrapAs as unwrap } from './client';
import type { components, paths } from './schema';

type S = components['schemas'];

export type StockInstitution = S['StockInstitution'];
export type StockLine = S['StockLine'];
export type StockPage = S['StockPage'];
export type Movement = S['Movement'];
export type ProductBrief = S['ProductBrief'];
export type ConsumptionRow = S['ConsumptionRow'];
export type ConsumptionPage = S['ConsumptionPage'];
export type RecordConsumption = S['RecordConsumption'];
export type ConsumptionLine = S['ConsumptionLine'];

export type ConsumptionQuery = NonNullable<paths['/api/v1/consumption']['get']['parameters']['query']>;
export type ConsumptionFilters = Omit<ConsumptionQuery, 'cursor' | 'limit'>;
export type Period = NonNullable<ConsumptionQuery['period']>;

/** How far back a day's consumption may still be recorded (rule D6). */
export const DAYS_BACK = 92;

/** The institutions whose stock the user sees, each saying whether the user may record there. */
export const listStockInstitutions = () =>
  unwrap<StockInstitution[]>(api.GET('/api/v1/stock/institutions', {}));

/** Lots of one product on hand at one institution (expired ones included, marked). */
export const listLots = (institution_id: number, entry_id: number) =>
  unwrap<StockPage>(api.GET('/api/v1/stock', { params: { query: { institution_id, entry_id, limit: 200 } } })).then(
    (p) => p.items,
  );

/** Record a day's consumption, all or none; the movements made, lot by lot. */
export const recordConsumption = (body: RecordConsumption) =>
  unwrap<Movement[]>(api.POST('/api/v1/consumption', { body }));

export const listConsumption = (query: ConsumptionQuery) =>
  unwrap<ConsumptionPage>(api.GET('/api/v1/consumption', { params: { query } }));

/**
 * Every row with these filters, page by page (for totals over the whole range, not the rows
 * shown). `onProgress` receives the rows loaded so far.
 */
export async function listAllConsumption(
  filters: ConsumptionFilters,
  onProgress?: (loaded: number) => void,
): Promise<ConsumptionRow[]> {
  const out: ConsumptionRow[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await listConsumption({ ...filters, cursor, limit: 200 });
    out.push(...page.items);
    onProgress?.(out.length);
    if (!page.next_cursor) return out;
    cursor = page.next_cursor;
  }
}

/** The Excel export of what the history shows: the same filters. */
export function consumptionExportUrl(filters: ConsumptionFilters): string {
  const p = new URLSearchParams();
  for (const key of ['institution_id', 'entry_id', 'from', 'to', 'period'] as const) {
    const v = filters[key];
    if (v !== undefined && v !== null && v !== '') p.set(key, String(v));
  }
  const qs = p.toString();
  return `/api/v1/consumption/export${qs ? `?${qs}` : ''}`;
}

/**
 * A quantity of base units as a pharmacist reads it, as the server writes it: whole packs
 * ("2盒"), packs and base units ("2盒+5片"), base units below a pack ("5片").
 */
export function formatPacks(quantity: number, p: Pick<ProductBrief, 'pack_size' | 'pack_unit' | 'base_unit'>): string {
  const n = Math.max(1, p.pack_size || 1);
  const a = Math.abs(quantity);
  const packs = Math.floor(a / n);
  const rest = a % n;
  let text: string;
  if (packs === 0 && rest === 0) text = `0${p.base_unit}`;
  else if (rest === 0) text = n > 1 ? `${packs}${p.pack_unit}` : `${a}${p.base_unit}`;
  else if (packs === 0) text = `${rest}${p.base_unit}`;
  else text = `${packs}${p.pack_unit}+${rest}${p.base_unit}`;
  if (quantity >= 0) return text;
  return packs > 0 && rest > 0 ? `-(${text})` : `-${text}`;
}

/** A movement's quantity without its sign ("-(2盒+5片)" out → "2盒+5片"). */
export function unsignedPacks(packs: string): string {
  return packs.replace(/^-\((.*)\)$/, '$1').replace(/^-/, '');
}
