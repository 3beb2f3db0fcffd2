/**
 * Members' orders (请领单): a member's monthly order from the lead hospital's central warehouse,
 * one line per product with the member's stock position and O3's suggestion. Quantities are
 * packs; stock and consumption are base units. Money (price per pack, amounts, the total) stays
 * a decimal string, summed by the server.
 */
import { api, CSRF_HEADER, notifyUnauthorized, unwrapAs as unwrap } from './client';
import { acceptLanguage } from '../i18n/lang';
import { toApiError } from './problem';
import { orderStatusValues, type components, type paths } from './schema';

type S = components['schemas'];

export type Order = S['Order'];
export type OrderLine = S['OrderLine'];
export type OrderPage = S['OrderPage'];
export type OrderStatus = S['OrderStatus'];
export type CreateOrder = S['CreateOrder'];
export type OrderLineInput = S['OrderLineInput'];

export const ORDER_STATUSES: readonly OrderStatus[] = orderStatusValues;
export const ORDER_STATUS_COLOR: Record<OrderStatus, string> = {
  draft: 'gold',
  submitted: 'blue',
  returned: 'red',
  approved: 'green',
  purchased: 'purple',
};

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

/**
 * A fresh idempotency key (128 random bits, hex). Not `crypto.randomUUID()`: browsers define it
 * only in secure contexts, and a county LAN often serves the app over plain HTTP.
 */
export function newIdempotencyKey(random: (a: Uint8Array) => Uint8Array = (a) => crypto.getRandomValues(a)): string {
  return Array.from(random(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

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

// ---------------------------------------------------------------------------------------------
// Review (O4): the lead hospital approves (with adjusted lines) or returns submitted orders, one
// by one or in a batch that answers per order; the queue by product.

export type LineAdjustment = S['LineAdjustment'];
export type BatchReview = S['BatchReview'];
export type BatchReviewResult = S['BatchReviewResult'];
export type BatchOutcome = S['BatchOutcome'];
export type ReviewAction = S['ReviewAction'];
export type DemandPage = S['DemandPage'];
export type ProductDemand = S['ProductDemand'];
export type DemandLine = S['DemandLine'];
export type VbpAlternative = S['VbpAlternative'];
export type PurchaseOrderRef = S['PurchaseOrderRef'];
export type DemandQuery = NonNullable<paths['/api/v1/orders/by-product']['get']['parameters']['query']>;

/** Under ORDERS_KEY: whatever refreshes the orders refreshes the demand by product too. */
export const demandKey = (query: DemandQuery) => [ORDERS_KEY, 'by-product', query] as const;

/** Approve a submitted order with the version read; each adjusted line with its reason (O4). */
export const approveOrder = (id: number, version: number, adjustments: LineAdjustment[] = []) =>
  unwrap<Order>(api.POST('/api/v1/orders/{id}/approve', { params: { path: { id } }, body: { version, adjustments } }));

/** Return a submitted order to the member, saying why (O4). */
export const returnOrder = (id: number, version: number, reason: string) =>
  unwrap<Order>(api.POST('/api/v1/orders/{id}/return', { params: { path: { id } }, body: { version, reason } }));

/** Approve (as ordered) or return several orders; the answer says per order what happened. */
export const reviewOrders = (body: BatchReview) => unwrap<BatchReviewResult>(api.POST('/api/v1/orders/review', { body }));

/** The orders in a status (default submitted) by product, with each product's member lines. */
export const ordersByProduct = (query: DemandQuery, signal?: AbortSignal) =>
  unwrap<DemandPage>(api.GET('/api/v1/orders/by-product', { params: { query }, signal }));

/** Whether the member may still change the order (a draft, or returned by the lead hospital). */
export const isEditable = (status: OrderStatus) => status === 'draft' || status === 'returned';

/** The shortest reason the server takes for an adjustment or a return (O4). */
export const MIN_REASON = 2;

/** A reason long enough, counted in characters as the server counts them (trimmed). */
export const reasonOk = (reason: string | null | undefined) => [...(reason ?? '').trim()].length >= MIN_REASON;

/** The reviewer's edit of one line: the approved quantity as typed, and the reason. */
export interface LineEdit {
  quantity: string;
  reason: string;
}

export type AdjustProblem = 'quantity' | 'tooMany' | 'reason';

export interface AdjustPlan {
  adjustments: LineAdjustment[];
  /** Per line id, what keeps the approval from being sent. */
  problems: Record<number, AdjustProblem>;
  /** Packs approved in all (as ordered where not adjusted). */
  packs: number;
}

/**
 * The adjustments to send from the reviewer's edits (O4): only lines whose approved quantity
 * differs from the ordered one, each with a trimmed reason of two characters or more, a whole
 * number of packs from 0 (strikes the line) to ten times the ordered quantity. An empty or
 * unchanged cell approves as ordered.
 */
export function planAdjustments(lines: Pick<OrderLine, 'id' | 'quantity'>[], edits: Record<number, LineEdit | undefined>): AdjustPlan {
  const adjustments: LineAdjustment[] = [];
  const problems: Record<number, AdjustProblem> = {};
  let packs = 0;
  for (const l of lines) {
    const e = edits[l.id];
    const q = e ? parseQuantity(e.quantity) : null;
    if (q == null || q === l.quantity) {
      packs += l.quantity;
      continue;
    }
    if (Number.isNaN(q)) {
      problems[l.id] = 'quantity';
      continue;
    }
    if (q > Math.max(l.quantity, 1) * 10) {
      problems[l.id] = 'tooMany';
      continue;
    }
    packs += q;
    const reason = e!.reason.trim();
    if (!reasonOk(reason)) {
      problems[l.id] = 'reason';
      continue;
    }
    adjustments.push({ line_id: l.id, quantity: q, reason });
  }
  return { adjustments, problems, packs };
}

/**
 * The order's total at the approved quantities, to the fen as the server counts it (O6: each
 * line price × packs rounded half up to the fen, then summed); lines without a price not counted.
 */
export function approvedTotal(lines: Pick<OrderLine, 'id' | 'quantity' | 'price'>[], edits: Record<number, LineEdit | undefined>): string {
  let fen = 0n;
  for (const l of lines) {
    if (l.price == null) continue;
    const e = edits[l.id];
    const q = e ? parseQuantity(e.quantity) : null;
    const packs = q == null || Number.isNaN(q) ? l.quantity : q;
    const m = /^(\d+)(?:\.(\d{0,4}))?/.exec(String(l.price).trim());
    if (!m) continue;
    const e4 = BigInt(m[1]) * 10_000n + BigInt(((m[2] ?? '') + '0000').slice(0, 4));
    fen += (e4 * BigInt(packs) + 50n) / 100n;
  }
  const s = fen.toString().padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

// ---------------------------------------------------------------------------------------------
// The order as a spreadsheet and back (a file, or rows pasted from Excel).

export type OrderImportReport = S['OrderImportReport'];

/** The order as XLSX: every line with its stock position; 请领量 blank where it follows the suggestion. */
export const orderXlsxUrl = (id: number) => `/api/v1/orders/${id}/xlsx`;

/**
 * Send a spreadsheet (CSV, XLSX, or tab-separated text pasted from Excel) to an order: a dry run
 * reports what it would add, change and take off and every problem by row and column; with
 * `version` and `dryRun: false` it changes the lines (409 when the order changed since).
 */
export async function importOrder(
  id: number,
  file: Blob,
  fileName: string,
  opts: { dryRun: boolean; version?: number },
): Promise<OrderImportReport> {
  const form = new FormData();
  form.append('file', file, fileName);
  const q = new URLSearchParams({ dry_run: String(opts.dryRun) });
  if (opts.version != null) q.set('version', String(opts.version));
  const res = await fetch(`/api/v1/orders/${id}/import?${q.toString()}`, {
    method: 'POST',
    body: form,
    credentials: 'same-origin',
    headers: { [CSRF_HEADER]: '1', 'Accept-Language': acceptLanguage(), Accept: 'application/json, application/problem+json' },
  });
  const text = await res.text();
  if (!res.ok) {
    if (res.status === 401) notifyUnauthorized();
    throw toApiError(res.status, text, res.statusText);
  }
  return JSON.parse(text) as OrderImportReport;
}
