/**
 * Quality holds on lots (质量冻结, D2): a held lot at the central warehouse is never allocated
 * until released. A hold says why; a release says why the lot is fit again.
 */
import { api, unwrapAs as unwrap } from './client';
import type { components, paths } from './schema';

type S = components['schemas'];

export type LotHold = S['LotHold'];
export type LotHoldPage = S['LotHoldPage'];
export type LotHoldQuery = NonNullable<paths['/api/v1/lot-holds']['get']['parameters']['query']>;

export const LOT_HOLDS_KEY = 'lot-holds';

export const listLotHolds = (query: LotHoldQuery, signal?: AbortSignal) =>
  unwrap<LotHoldPage>(api.GET('/api/v1/lot-holds', { params: { query }, signal }));

export const holdLot = (lotId: number, reason: string) =>
  unwrap<LotHold>(api.POST('/api/v1/lots/{id}/hold', { params: { path: { id: lotId } }, body: { reason } }));

export const releaseLot = (lotId: number, note: string) =>
  unwrap<LotHold>(api.POST('/api/v1/lots/{id}/release', { params: { path: { id: lotId } }, body: { note } }));

/** The shortest reason (or release note) the server takes, counted as it counts (trimmed). */
export const MIN_HOLD_TEXT = 2;
export const holdTextOk = (text: string | null | undefined) => [...(text ?? '').trim()].length >= MIN_HOLD_TEXT;

/** Whether a hold is still in force. */
export const isOpen = (h: Pick<LotHold, 'released_at'>) => h.released_at == null;

export type HoldState = 'open' | 'released' | 'all';

/** The list's filter as the API's `open` parameter. */
export const openParam = (state: HoldState): boolean | undefined => (state === 'all' ? undefined : state === 'open');
