/**
 * Purchase orders to suppliers (采购订单, O4): the approved member orders aggregated per product
 * and bought per supplier at the contracted price. Each PO line remembers the member order lines
 * it sums; each PO is e-mailed to its supplier (through the server's outbox) with its PDF.
 * Money stays a decimal string, summed by the server to the fen (O6).
 */
import { api, unwrapAs as unwrap } from './client';
import type { components, paths } from './schema';

type S = components['schemas'];

export type PurchaseOrder = S['PurchaseOrder'];
export type PurchaseOrderPage = S['PurchaseOrderPage'];
export type PurchaseOrderStatus = S['PurchaseOrderStatus'];
export type PurchaseLine = S['PurchaseLine'];
export type PurchaseSource = S['PurchaseSource'];
export type NoticeState = S['NoticeState'];
export type NoticeStatus = S['OutboxStatus'];
export type AggregationPreview = S['AggregationPreview'];
export type AggregationOrder = S['AggregationOrder'];
export type AggregationResult = S['AggregationResult'];
export type SupplierPurchase = S['SupplierPurchase'];
export type UncoveredProduct = S['UncoveredProduct'];

export type PurchaseOrderQuery = NonNullable<paths['/api/v1/purchase-orders']['get']['parameters']['query']>;
export type PurchaseOrderFilters = Omit<PurchaseOrderQuery, 'cursor' | 'limit'>;

export const PURCHASE_ORDERS_KEY = 'purchase-orders';
export const PREVIEW_KEY = ['purchase-orders-preview'] as const;
export const purchaseOrderKey = (id: number) => ['purchase-order', id] as const;
export const sourcesKey = (id: number, lineId: number) => ['purchase-order', id, 'sources', lineId] as const;

export const PO_STATUS_COLOR: Record<PurchaseOrderStatus, string> = {
  issued: 'blue',
  receiving: 'gold',
  received: 'green',
  closed: 'purple',
  cancelled: 'default',
};
export const NOTICE_COLOR: Record<NoticeStatus, string> = { pending: 'gold', sent: 'green', failed: 'red' };

export const listPurchaseOrders = (query: PurchaseOrderQuery, signal?: AbortSignal) =>
  unwrap<PurchaseOrderPage>(api.GET('/api/v1/purchase-orders', { params: { query }, signal }));

export const getPurchaseOrder = (id: number) =>
  unwrap<PurchaseOrder>(api.GET('/api/v1/purchase-orders/{id}', { params: { path: { id } } }));

/** What aggregating the approved orders now would make (nothing is written). */
export const previewPurchaseOrders = (signal?: AbortSignal) =>
  unwrap<AggregationPreview>(api.GET('/api/v1/purchase-orders/preview', { signal }));

/**
 * Make the purchase orders from the approved orders the preview showed: all of them still
 * approved, or nothing (409: someone aggregated or returned one meanwhile).
 */
export const generatePurchaseOrders = (orderIds: number[]) =>
  unwrap<AggregationResult>(api.POST('/api/v1/purchase-orders', { body: { order_ids: orderIds } }));

/** The member order lines a purchase order line sums. */
export const purchaseLineSources = (id: number, lineId: number, signal?: AbortSignal) =>
  unwrap<PurchaseSource[]>(
    api.GET('/api/v1/purchase-orders/{id}/lines/{line_id}/sources', { params: { path: { id, line_id: lineId } }, signal }),
  );

/** The PDF (A4, Chinese), served as an attachment. */
export const pdfUrl = (id: number) => `/api/v1/purchase-orders/${id}/pdf`;
/** The Excel workbook, a row per product (a plain link: the browser downloads it). */
export const xlsxUrl = (id: number) => `/api/v1/purchase-orders/${id}/xlsx`;

/** The printed purchase order's bytes (a refusal throws the parsed ApiError). */
export const fetchPdf = (id: number) =>
  unwrap<Blob>(api.GET('/api/v1/purchase-orders/{id}/pdf', { params: { path: { id } }, parseAs: 'blob' }));

/**
 * Open the printed purchase order in a new tab. The server sends the PDF as an attachment (a
 * link would only download it), so the tab shows it from a blob URL. The tab is opened at the
 * click, before the PDF arrives, so that no popup blocker stops it; it says what it waits for
 * and closes again when the PDF cannot be had. Without a tab (blocked all the same) the PDF is
 * downloaded instead.
 */
export async function openPdf(id: number, waiting: string, fileName: string): Promise<void> {
  const tab = window.open('', '_blank');
  if (tab) {
    try {
      tab.document.title = waiting;
      tab.document.body.style.font = '14px sans-serif';
      tab.document.body.textContent = waiting;
    } catch {
      // a tab not ours to write to: it still gets the PDF
    }
  }
  let blob: Blob;
  try {
    blob = await fetchPdf(id);
  } catch (e) {
    tab?.close();
    throw e;
  }
  const url = URL.createObjectURL(blob.type ? blob : new Blob([blob], { type: 'application/pdf' }));
  if (tab && !tab.closed) {
    tab.location.href = url;
  } else {
    const a = document.createElement('a');
    a.href = url;
    a.download = fileName;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }
  // The tab has read it long before; its own save and print keep working from its copy.
  setTimeout(() => URL.revokeObjectURL(url), 5 * 60_000);
}

/**
 * Where the purchase orders just made are shown: the one purchase order itself, else the list of
 * the aggregation's purchase orders (none made — every product uncovered — also lands there).
 */
export function landingPath(result: Pick<AggregationResult, 'aggregation_id' | 'purchase_orders'>): string {
  return result.purchase_orders.length === 1
    ? `/procurement/purchase-orders/${result.purchase_orders[0].id}`
    : `/procurement/purchase-orders?aggregation_id=${result.aggregation_id}`;
}

/** Whether a preview has anything to make: approved orders, or lines a new contract now covers. */
export const hasWork = (p: Pick<AggregationPreview, 'orders' | 'suppliers'>) => p.orders.length > 0 || p.suppliers.length > 0;

/** Packs and lines a preview buys: per supplier and all together. */
export function previewCounts(p: Pick<AggregationPreview, 'suppliers' | 'uncovered'>) {
  return {
    suppliers: p.suppliers.length,
    lines: p.suppliers.reduce((n, s) => n + s.lines.length, 0),
    uncovered: p.uncovered.length,
    carried: p.uncovered.filter((u) => u.carried).length,
  };
}

const DIGITS = '零壹贰叁肆伍陆柒捌玖';
const IN_GROUP = ['仟', '佰', '拾', ''];
const GROUPS = ['', '万', '亿', '万亿', '亿亿'];

function groupUpper(group: number): string {
  const digits = [Math.floor(group / 1000), Math.floor(group / 100) % 10, Math.floor(group / 10) % 10, group % 10];
  let out = '';
  let zero = false;
  digits.forEach((d, i) => {
    if (d === 0) {
      zero = out !== '';
      return;
    }
    if (zero) {
      out += '零';
      zero = false;
    }
    out += DIGITS[d] + IN_GROUP[i];
  });
  return out;
}

function integerUpper(n: bigint): string {
  const groups: number[] = [];
  for (let rest = n; rest > 0n; rest /= 10000n) groups.push(Number(rest % 10000n));
  let out = '';
  let zeroPending = false;
  for (let i = groups.length - 1; i >= 0; i--) {
    const g = groups[i];
    if (g === 0) {
      zeroPending = out !== '';
      continue;
    }
    if (out !== '' && (zeroPending || g < 1000)) out += '零';
    zeroPending = false;
    out += groupUpper(g) + GROUPS[i];
  }
  return out;
}

/**
 * An amount (a decimal string of yuan, "1680.32") in Chinese capital numerals (大写金额) as on
 * the printed purchase order and on invoices: 壹仟陆佰捌拾元零叁角贰分. The rules are those of
 * 《支付结算办法》 (see the server's print::rmb). Fractions below the fen are cut; anything but a
 * decimal gives ''.
 */
export function rmbUpper(amount: string | null | undefined): string {
  const m = /^\s*(-?)(\d+)(?:\.(\d*))?\s*$/.exec(amount ?? '');
  if (!m) return '';
  const fen = BigInt(m[2]) * 100n + BigInt((m[3] ?? '').padEnd(2, '0').slice(0, 2));
  const yuan = fen / 100n;
  const jiao = Number((fen / 10n) % 10n);
  const f = Number(fen % 10n);
  let out = m[1] && fen > 0n ? '负' : '';
  if (yuan > 0n) out += `${integerUpper(yuan)}元`;
  if (jiao === 0 && f === 0) return out + (yuan === 0n ? '零元整' : '整');
  if (jiao === 0) return `${out}${yuan > 0n ? '零' : ''}${DIGITS[f]}分`;
  if (yuan > 0n && yuan % 10n === 0n) out += '零';
  out += `${DIGITS[jiao]}角`;
  if (f > 0) out += `${DIGITS[f]}分`;
  return out;
}
