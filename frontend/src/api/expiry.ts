/**
 * Expiry warnings and disposals (报损): the near-expiry window, lots near expiry or expired,
 * and disposal requests that a second person approves or rejects.
 */
import { api, unwrapAs as unwrap } from './client';
import type { components } from './schema';

type S = components['schemas'];

export type StockLine = S['StockLine'];
export type StockPage = S['StockPage'];
export type StockSettings = S['StockSettings'];
export type Disposal = S['Disposal'];
export type DisposalPage = S['DisposalPage'];
export type DisposalStatus = S['DisposalStatus'];
export type AdjustmentReason = S['AdjustmentReason'];
export type RequestDisposal = S['RequestDisposal'];
export type ProductBrief = S['ProductBrief'];

export const getStockSettings = () => unwrap<StockSettings>(api.GET('/api/v1/stock/settings', {}));

export const putStockSettings = (body: StockSettings) =>
  unwrap<StockSettings>(api.PUT('/api/v1/stock/settings', { body }));

export interface ExpiryQuery {
  expiry: 'near' | 'expired';
  institution_id?: number;
  q?: string;
}

export const listExpiring = (query: ExpiryQuery, cursor?: string) =>
  unwrap<StockPage>(
    api.GET('/api/v1/stock', { params: { query: { ...query, q: query.q || undefined, cursor, limit: 200 } } }),
  );

/** The Excel export of the same list (every row, the same filters). */
export function expiryExportUrl(query: ExpiryQuery): string {
  const p = new URLSearchParams({ expiry: query.expiry });
  if (query.institution_id) p.set('institution_id', String(query.institution_id));
  if (query.q) p.set('q', query.q);
  return `/api/v1/stock/export?${p.toString()}`;
}

export const requestDisposal = (body: RequestDisposal) =>
  unwrap<Disposal>(api.POST('/api/v1/stock/disposals', { body }));

export const listDisposals = (query: { institution_id?: number; status?: DisposalStatus }, cursor?: string) =>
  unwrap<DisposalPage>(api.GET('/api/v1/stock/disposals', { params: { query: { ...query, cursor, limit: 50 } } }));

export const approveDisposal = (id: number, version: number, note?: string) =>
  unwrap<Disposal>(
    api.POST('/api/v1/stock/disposals/{id}/approve', {
      params: { path: { id } },
      body: note ? { version, note } : { version },
    }),
  );

export const rejectDisposal = (id: number, version: number, note: string) =>
  unwrap<Disposal>(api.POST('/api/v1/stock/disposals/{id}/reject', { params: { path: { id } }, body: { version, note } }));
