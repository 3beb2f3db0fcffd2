/**
 * Consumption at members (领用消耗): record what a pharmacy issued on a day, list and export
 * what was issued, and the lots on hand to issue from.
 */
import { api, unwrapAs as unwrap } from './client';
import type { components, paths } from './schema';
export { formatPacks, unsignedPacks } from '../lib/packs';

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
export type ConsumptionTotal = S['ConsumptionTotal'];
export type ConsumptionTotals = S['ConsumptionTotals'];

export type ConsumptionQuery = NonNullable<paths['/api/v1/consumption']['get']['parameters']['query']>;
export type ConsumptionFilters = Omit<ConsumptionQuery, 'cursor' | 'limit'>;
export type Period = NonNullable<ConsumptionQuery['period']>;
export type ConsumptionTotalsQuery = NonNullable<paths['/api/v1/consumption/totals']['get']['parameters']['query']>;

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

/** Totals per product over the filters' days, added up by the server. */
export const consumptionTotals = (query: ConsumptionTotalsQuery) =>
  unwrap<ConsumptionTotals>(api.GET('/api/v1/consumption/totals', { params: { query } }));

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

