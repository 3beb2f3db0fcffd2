/**
 * Stock on hand, the stock card (库存卡) and reversals: typed calls over the generated schema.
 */
import { useQuery } from '@tanstack/react-query';
import { api, unwrapAs as unwrap } from './client';
import type { components, paths } from './schema';
import { adjustmentReasonValues, expiryStateValues, movementKindValues } from './schema';
export { formatPacks } from '../lib/packs';

type S = components['schemas'];

export type StockLine = S['StockLine'];
export type StockPage = S['StockPage'];
export type StockInstitution = S['StockInstitution'];
export type ProductBrief = S['ProductBrief'];
export type ExpiryState = S['ExpiryState'];
export type Movement = S['Movement'];
export type MovementPage = S['MovementPage'];
export type MovementKind = S['MovementKind'];
export type AdjustmentReason = S['AdjustmentReason'];

export const EXPIRY_STATES: readonly ExpiryState[] = expiryStateValues;
export const MOVEMENT_KINDS: readonly MovementKind[] = movementKindValues;
export const ADJUSTMENT_REASONS: readonly AdjustmentReason[] = adjustmentReasonValues;

export type StockQuery = NonNullable<paths['/api/v1/stock']['get']['parameters']['query']>;
export type MovementQuery = NonNullable<paths['/api/v1/stock/movements']['get']['parameters']['query']>;

export const listStock = (query: StockQuery, signal?: AbortSignal) =>
  unwrap<StockPage>(api.GET('/api/v1/stock', { params: { query }, signal }));

export const listStockInstitutions = () =>
  unwrap<StockInstitution[]>(api.GET('/api/v1/stock/institutions', {}));

export const listMovements = (query: MovementQuery, signal?: AbortSignal) =>
  unwrap<MovementPage>(api.GET('/api/v1/stock/movements', { params: { query }, signal }));

export const reverseMovement = (id: number, reason: string) =>
  unwrap<Movement>(api.POST('/api/v1/stock/movements/{id}/reverse', { params: { path: { id } }, body: { reason } }));

export const STOCK_INSTITUTIONS_KEY = ['stock-institutions'] as const;

/** The institutions whose stock the user sees (lead hospital first); rarely changes. */
export function useStockInstitutions() {
  return useQuery({ queryKey: STOCK_INSTITUTIONS_KEY, queryFn: listStockInstitutions, staleTime: 5 * 60_000 });
}

function queryString(query: Record<string, string | number | boolean | null | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The Excel export of the stock list with the list's filters (every row, not the page). */
export function stockExportUrl(query: StockQuery): string {
  const { institution_id, entry_id, include_empty, level, expiry, q } = query;
  return `/api/v1/stock/export${queryString({ institution_id, entry_id, include_empty, level, expiry, q })}`;
}

/** The Excel export of the ledger (a stock card with its filters). */
export function movementsExportUrl(query: MovementQuery): string {
  const { institution_id, entry_id, lot_id, kind } = query;
  return `/api/v1/stock/movements/export${queryString({ institution_id, entry_id, lot_id, kind })}`;
}

/** The stock card of a product at an institution. */
export const stockCardPath = (institutionId: number, entryId: number) => `/stock/card/${institutionId}/${entryId}`;
