/**
 * First-expiry-first-out allocation and back orders (分配与缺货, D2): the central warehouse's
 * stock reserved for approved member order lines, the lot that expires first first; what could
 * not be filled stays a back order, with the reason, until an allocation fills it (every receipt
 * runs one) or someone ends it, saying why.
 */
import { api, unwrapAs as unwrap } from './client';
import { allocationStatusValues, backOrderReasonValues, type components, type paths } from './schema';

type S = components['schemas'];

export type BackOrderReason = S['BackOrderReason'];
export type AllocationStatus = S['AllocationStatus'];
/** What one allocation run did, and what is still short after it. */
export type AllocationRun = S['AllocationRun'];
/** Packs of one warehouse lot reserved for one member order line. */
export type Allocation = S['Allocation'];
export type AllocationPage = S['AllocationPage'];
/** An approved member order line the central warehouse could not fill (yet), and why. */
export type BackOrder = S['BackOrder'];
export type BackOrderPage = S['BackOrderPage'];
export type CloseBackOrder = S['CloseBackOrder'];
export type AllocationQuery = NonNullable<paths['/api/v1/allocations']['get']['parameters']['query']>;
export type BackOrderQuery = NonNullable<paths['/api/v1/back-orders']['get']['parameters']['query']>;

export const BACK_ORDERS_KEY = 'back-orders';
export const ALLOCATIONS_KEY = 'allocations';

export const listBackOrders = (query: BackOrderQuery, signal?: AbortSignal) =>
  unwrap<BackOrderPage>(api.GET('/api/v1/back-orders', { params: { query }, signal }));

export const listAllocations = (query: AllocationQuery, signal?: AbortSignal) =>
  unwrap<AllocationPage>(api.GET('/api/v1/allocations', { params: { query }, signal }));

/** Allocate the central warehouse's stock now, first-expiry-first-out, for every product. */
export const runAllocation = () => unwrap<AllocationRun>(api.POST('/api/v1/allocations/run', {}));

/** End a back order: what is still short will not be supplied, and why (D2). */
export const closeBackOrder = (orderLineId: number, reason: string) =>
  unwrap<void>(
    api.POST('/api/v1/back-orders/{id}/close', { params: { path: { id: orderLineId } }, body: { reason } }),
  );

/** Why a line is short, in the order the filter offers them. */
export const BACK_ORDER_REASONS: readonly BackOrderReason[] = backOrderReasonValues;
export const ALLOCATION_STATUSES: readonly AllocationStatus[] = allocationStatusValues;

const REASON_COLOR: Record<BackOrderReason, string> = {
  no_stock: 'red',
  not_enough: 'orange',
  held: 'purple',
  short_dated: 'gold',
  expired: 'volcano',
};
const STATUS_COLOR: Record<AllocationStatus, string> = {
  allocated: 'blue',
  picked: 'cyan',
  dispatched: 'green',
  cancelled: 'default',
};

/** The tag colour of a back order's reason (an unknown one, from a newer server, is neutral). */
export const reasonColor = (reason: string): string => REASON_COLOR[reason as BackOrderReason] ?? 'default';

/** The tag colour of an allocation's status. */
export const statusColor = (status: string): string => STATUS_COLOR[status as AllocationStatus] ?? 'default';

/** A `?reason=` of the address as the filter, when it is one the server knows. */
export const reasonParam = (raw: string | null | undefined): BackOrderReason | undefined =>
  BACK_ORDER_REASONS.find((r) => r === raw);

/** A `?status=` of the address as the filter, when it is one the server knows. */
export const statusParam = (raw: string | null | undefined): AllocationStatus | undefined =>
  ALLOCATION_STATUSES.find((s) => s === raw);

/** A back order waiting longer than this many days is marked. */
export const AGE_WARN_DAYS = 7;
export const ageWarn = (days: number) => days > AGE_WARN_DAYS;

/** The shortest reason the server takes to end a back order, counted as it counts (trimmed, characters). */
export const MIN_CLOSE_REASON = 2;
export const closeReasonOk = (reason: string | null | undefined) => [...(reason ?? '').trim()].length >= MIN_CLOSE_REASON;

/** The bounds the server takes for the distribution setting `min_allocate_days` (D2). */
export const MIN_ALLOCATE_DAYS = { min: 0, max: 1825 } as const;
