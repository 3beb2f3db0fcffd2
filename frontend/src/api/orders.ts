/**
 * Members' orders (请领单): a member's monthly order from the lead hospital's central warehouse,
 * one line per product with the member's stock position and O3's suggestion. Quantities are
 * packs; stock and consumption are base units. Money (price per pack, amounts, the total) stays
 * a decimal string, summed by the server.
 */
import { api, unwrapAs as unwrap } from './client';
import { orderStatusValues, type components, type paths } from './schema';

type S = components['schemas'];

export type Order = S['Order'];
export type OrderLine = S['OrderLine'];
export type OrderPage = S['OrderPage'];
export type OrderStatus = S['OrderStatus'];
export type CreateOrder = S['CreateOrder'];
export type OrderLineInput = S['OrderLineInput'];

export const ORDER_STATUSES: readonly OrderStatus[] = orderStatusValues;
export const ORDER_STATUS_COLOR: Record<OrderStatus, string> = { draft: 'gold', submitted: 'green' };

export type OrderQuery = NonNullable<paths['/api/v1/orders']['get']['parameters']['query']>;
export type OrderFilters = Omit<OrderQuery, 'cursor' | 'limit'>;

export const ORDERS_KEY = 'orders';
export const orderKey = (id: number) => ['order', id] as const;

export const listOrders = (query: OrderQuery, signal?: AbortSignal) =>
  unwrap<OrderPage>(api.GET('/api/v1/orders', { params: { query }, signal }));

export const getOrder = (id: number) => unwrap<Order>(api.GET('/api/v1/orders/{id}', { params: { path: { id } } }));

export const createOrder = (body: CreateOrder) => unwrap<Order>(api.POST('/api/v1/orders', { body }));

/** Replace the lines, with the version read (409 when stale or submitted). */
export const putOrderLines = (id: number, version: number, lines: OrderLineInput[]) =>
  unwrap<Order>(api.PUT('/api/v1/orders/{id}/lines', { params: { path: { id } }, body: { version, lines } }));

/** Add every product the member used in the lookback (following the suggestions). */
export const loadUsed = (id: number, version: number) =>
  unwrap<Order>(api.POST('/api/v1/orders/{id}/load-used', { params: { path: { id } }, body: { version } }));

/**
 * Submit, with one idempotency key per intent: a retry of the same click (after a network error)
 * sends the same key, so the server submits once.
 */
export const submitOrder = (id: number, version: number, idempotencyKey: string) =>
  unwrap<Order>(
    api.POST('/api/v1/orders/{id}/submit', {
      params: { path: { id } },
      body: { version },
      headers: { 'Idempotency-Key': idempotencyKey },
    }),
  );

/** The lines as the server takes them back: typed quantities kept, the rest following the suggestion. */
export const linesInput = (lines: Pick<OrderLine, 'entry_id' | 'quantity' | 'typed'>[]): OrderLineInput[] =>
  lines.map((l) => ({ entry_id: l.entry_id, quantity: l.typed ? l.quantity : null }));

/**
 * A quantity as typed into a cell: full-width digits of a Chinese input method made plain.
 * `''` → null (follow the suggestion); anything but whole digits → NaN.
 */
export function parseQuantity(raw: string): number | null {
  const s = raw
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[\s,，]/g, '')
    .trim();
  if (!s) return null;
  if (!/^\d{1,9}$/.test(s)) return Number.NaN;
  return Number(s);
}

/** Base units per month (a decimal string) rounded to whole base units, for formatPacks. */
export const roundUnits = (decimal: string | null | undefined): number | null => {
  if (decimal == null || decimal === '') return null;
  const m = /^(-?)(\d+)(?:\.(\d))?/.exec(decimal.trim());
  if (!m) return null;
  const v = Number(m[2]) + (Number(m[3] ?? '0') >= 5 ? 1 : 0);
  return m[1] ? -v : v;
};
