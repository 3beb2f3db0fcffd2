/**
 * Stocktakes (盘点): start one, enter counts (by hand or from the filled-in sheet), submit it,
 * and have a second person approve, return or cancel it.
 */
import { api, CSRF_HEADER, notifyUnauthorized, unwrapAs as unwrap } from './client';
import { acceptLanguage } from '../i18n/lang';
import { toApiError } from './problem';
import { adjustmentReasonValues, stocktakeStatusValues, type components } from './schema';
export { formatPacks, splittable, toPacks } from '../lib/packs';

type S = components['schemas'];

export type Stocktake = S['Stocktake'];
export type StocktakeSummary = S['StocktakeSummary'];
export type StocktakeLine = S['StocktakeLine'];
export type StocktakePage = S['StocktakePage'];
export type StocktakeStatus = S['StocktakeStatus'];
export type AdjustmentReason = S['AdjustmentReason'];
export type CountLine = S['CountLine'];
export type FoundLot = S['FoundLot'];
export type SheetImport = S['SheetImport'];
export type CellProblem = S['CellProblem'];
export type StockInstitution = S['StockInstitution'];
export type ProductBrief = S['ProductBrief'];

export const STOCKTAKE_STATUS: readonly StocktakeStatus[] = stocktakeStatusValues;
export const ADJUSTMENT_REASONS: readonly AdjustmentReason[] = adjustmentReasonValues;

export const STOCKTAKE_STATUS_COLOR: Record<StocktakeStatus, string> = {
  counting: 'processing',
  submitted: 'warning',
  approved: 'success',
  cancelled: 'default',
};

/** The institutions whose stock the user sees, lead hospital first, each with `may_record`. */
export const listStockInstitutions = () =>
  unwrap<StockInstitution[]>(api.GET('/api/v1/stock/institutions', {}));

export interface StocktakeQuery {
  institution_id?: number;
  status?: StocktakeStatus;
  cursor?: string;
  limit?: number;
}

export const listStocktakes = (query: StocktakeQuery) =>
  unwrap<StocktakePage>(api.GET('/api/v1/stocktakes', { params: { query } }));

export const getStocktake = (id: number) =>
  unwrap<Stocktake>(api.GET('/api/v1/stocktakes/{id}', { params: { path: { id } } }));

export const startStocktake = (institution_id: number, note?: string) =>
  unwrap<Stocktake>(api.POST('/api/v1/stocktakes', { body: { institution_id, note: note || null } }));

export const enterCounts = (id: number, counts: CountLine[], found: FoundLot[] = []) =>
  unwrap<Stocktake>(api.PUT('/api/v1/stocktakes/{id}/counts', { params: { path: { id } }, body: { counts, found } }));

export type Decision = 'submit' | 'approve' | 'return' | 'cancel';

/** A step of the stocktake against the version read (a 409 when someone else moved it on). */
export function decideStocktake(id: number, decision: Decision, version: number, note?: string) {
  const body = { version, note: note?.trim() || null };
  const params = { path: { id } };
  switch (decision) {
    case 'submit':
      return unwrap<Stocktake>(api.POST('/api/v1/stocktakes/{id}/submit', { params, body }));
    case 'approve':
      return unwrap<Stocktake>(api.POST('/api/v1/stocktakes/{id}/approve', { params, body }));
    case 'return':
      return unwrap<Stocktake>(api.POST('/api/v1/stocktakes/{id}/return', { params, body }));
    case 'cancel':
      return unwrap<Stocktake>(api.POST('/api/v1/stocktakes/{id}/cancel', { params, body }));
  }
}

/** The count sheet to count on paper or in Excel (a plain link: the browser downloads it). */
export const sheetUrl = (id: number, format: 'xlsx' | 'csv') => `/api/v1/stocktakes/${id}/sheet?format=${format}`;

/** Read counts back from the filled-in sheet: all or none, problems by row and column. */
export async function importSheet(id: number, file: File): Promise<SheetImport> {
  const form = new FormData();
  form.append('file', file, file.name);
  const res = await fetch(`/api/v1/stocktakes/${id}/counts/import`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      [CSRF_HEADER]: '1',
      'Accept-Language': acceptLanguage(),
      Accept: 'application/json, application/problem+json',
    },
    body: form,
  });
  const text = await res.text();
  if (!res.ok) {
    if (res.status === 401) notifyUnauthorized();
    throw toApiError(res.status, text, res.statusText);
  }
  return JSON.parse(text) as SheetImport;
}

/** Product in one line: 阿卡波糖 50mg 片剂. */
export const productLine = (p: Pick<ProductBrief, 'name_zh' | 'strength' | 'dosage_form'>) =>
  [p.name_zh, p.strength, p.dosage_form].filter((s) => s && s.trim()).join(' ');

/**
 * The book of every lot at an institution now (lot id → base units), lots at zero included:
 * what a count "as on the book" means once stock has moved since the sheet was made.
 */
export async function currentBook(institution_id: number): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  let cursor: string | undefined;
  for (;;) {
    const page = await unwrap<S['StockPage']>(
      api.GET('/api/v1/stock', { params: { query: { institution_id, include_empty: true, limit: 200, cursor } } }),
    );
    for (const l of page.items) out.set(l.lot_id, l.quantity);
    if (!page.next_cursor) return out;
    cursor = page.next_cursor;
  }
}
