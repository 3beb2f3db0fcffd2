/**
 * Goods receipt at the central warehouse (入库, D1, T1): packs received against a purchase order,
 * one line per lot with its expiry, the packs put into stock and the packs damaged, and the drug
 * trace codes (药品追溯码) scanned one per pack; closing what will not come; the distribution
 * settings receipt reads (the minimum shelf life). The receive grid's pure logic lives here too:
 * dates as typed or scanned, trace codes as scanned, the rows' checks and the request they make.
 */
import dayjs from 'dayjs';
import { api, unwrapAs as unwrap } from './client';
import type { FieldError } from './problem';
import type { components, paths } from './schema';
import { parseQuantity } from './orders';
import type { PurchaseLine, PurchaseOrder, PurchaseOrderStatus } from './purchaseOrders';

type S = components['schemas'];

export type Receipt = S['Receipt'];
export type ReceiptLine = S['ReceiptLine'];
export type ReceiptPage = S['ReceiptPage'];
export type ReceiptInput = S['ReceiptInput'];
export type ReceiptLineInput = S['ReceiptLineInput'];
export type DistributionSettings = S['DistributionSettings'];

export type ReceiptQuery = NonNullable<paths['/api/v1/receipts']['get']['parameters']['query']>;

export const RECEIPTS_KEY = 'receipts';
export const receiptKey = (id: number) => [RECEIPTS_KEY, 'one', id] as const;
export const poReceiptsKey = (poId: number) => [RECEIPTS_KEY, 'of-po', poId] as const;
export const DISTRIBUTION_SETTINGS_KEY = ['distribution', 'settings'] as const;

export const listReceipts = (query: ReceiptQuery, signal?: AbortSignal) =>
  unwrap<ReceiptPage>(api.GET('/api/v1/receipts', { params: { query }, signal }));

export const getReceipt = (id: number) => unwrap<Receipt>(api.GET('/api/v1/receipts/{id}', { params: { path: { id } } }));

/** Receive goods against a purchase order, with its version as read (409 when it changed since). */
export const createReceipt = (body: ReceiptInput) => unwrap<Receipt>(api.POST('/api/v1/receipts', { body }));

/** Close what remains outstanding on a purchase order (it will not come), saying why (D1). */
export const closePurchaseOrder = (id: number, version: number, reason: string) =>
  unwrap<PurchaseOrder>(api.POST('/api/v1/purchase-orders/{id}/close', { params: { path: { id } }, body: { version, reason } }));

export const getDistributionSettings = () => unwrap<DistributionSettings>(api.GET('/api/v1/distribution/settings', {}));

export const putDistributionSettings = (body: DistributionSettings) =>
  unwrap<DistributionSettings>(api.PUT('/api/v1/distribution/settings', { body }));

/** The bounds the server takes for the settings. */
export const MIN_SHELF_DAYS = { min: 0, max: 1825 } as const;
export const CONFIRM_WITHIN_DAYS = { min: 1, max: 60 } as const;

/** Whether goods are still received against a purchase order in this status (D1). */
export const isReceivable = (status: PurchaseOrderStatus) => status === 'issued' || status === 'receiving';

/** Packs still outstanding on a purchase order, over its lines. */
export const outstandingPacks = (po: Pick<PurchaseOrder, 'lines'>) => po.lines.reduce((n, l) => n + Math.max(0, l.outstanding), 0);

/** The shortest reason the server takes to close what remains (D1), counted as it counts (trimmed). */
export const MIN_CLOSE_REASON = 2;
export const closeReasonOk = (reason: string | null | undefined) => [...(reason ?? '').trim()].length >= MIN_CLOSE_REASON;

// ---------------------------------------------------------------------------------------------
// Dates as typed or scanned.

const FULL_WIDTH = /[０-９]/g;

/**
 * A date as a warehouse clerk types it off a carton, or a scanner sends it: `2028-04-30`,
 * `2028/4/30`, `2028.04.30`, `2028年4月30日`, `20280430`, or `280430` (YYMMDD, as GS1 labels
 * print it); full-width digits of a Chinese input method too. The day as `YYYY-MM-DD`, or null
 * when the text is no real calendar day.
 */
export function parseDate(raw: string): string | null {
  const s = raw
    .trim()
    .replace(FULL_WIDTH, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[年月／－．/.\s]+/g, '-')
    .replace(/[日号]$/, '')
    .replace(/-+$/, '');
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  let year: number;
  if (m) {
    year = Number(m[1]);
  } else {
    m = /^(\d{2})(\d{2})(\d{2})$/.exec(s);
    if (!m) return null;
    year = 2000 + Number(m[1]);
  }
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1) return null;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > last) return null;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** `YYYY-MM-DD` plus days, as the server counts them (calendar days). */
export const addDays = (day: string, days: number) => dayjs(day).add(days, 'day').format('YYYY-MM-DD');

// ---------------------------------------------------------------------------------------------
// Trace codes (T1) as scanned.

export type CodeProblem = 'format' | 'check' | 'duplicate' | 'elsewhere';

/** Symbology prefixes a scanner may send before the code (as the server drops them). */
const SCANNER_PREFIXES = [']C1', ']d2', ']Q3', ']e0'];

/** GS1's check digit of the first 13 digits of a GTIN-14 (weights 3 and 1 from the right). */
export function gtinCheckDigit(first13: string): number {
  let sum = 0;
  for (let i = 0; i < first13.length; i++) {
    const d = first13.charCodeAt(first13.length - 1 - i) - 48;
    sum += d * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

/**
 * A drug trace code as the server reads it (T1): the 20-digit code (码上放心), or a GS1 element
 * string starting with 01 and a GTIN-14 whose check digit is right. Spaces around it and a
 * scanner's symbology prefix are dropped. The normalised code, or what is wrong with it.
 */
export function normaliseTraceCode(raw: string): { code: string } | { problem: 'format' | 'check' } {
  let code = raw.trim();
  for (const p of SCANNER_PREFIXES) if (code.startsWith(p)) code = code.slice(p.length);
  if (/^\d{20}$/.test(code)) return { code };
  if (code.length >= 16 && code.length <= 80 && /^01\d{14}/.test(code)) {
    // eslint-disable-next-line no-control-regex
    if (!/^[\x21-\x7e\x1d]+$/.test(code)) return { problem: 'format' };
    const gtin = code.slice(2, 16);
    return gtinCheckDigit(gtin.slice(0, 13)) === Number(gtin[13]) ? { code } : { problem: 'check' };
  }
  return { problem: 'format' };
}

export interface CodesAdded {
  codes: string[];
  added: string[];
  /** What was refused, as scanned, and why. */
  refused: { raw: string; problem: CodeProblem }[];
}

/**
 * Add what was scanned (one code, or several pasted at once, split at spaces, commas, semicolons
 * and line breaks) to a row's codes: each normalised, refused when it is no trace code, already
 * in the row, or already on another row (`taken`). A pack is scanned once (T1).
 */
export function addTraceCodes(codes: readonly string[], raw: string, taken: ReadonlySet<string> = new Set()): CodesAdded {
  const out = [...codes];
  const added: string[] = [];
  const refused: CodesAdded['refused'] = [];
  for (const part of raw.split(/[\s,，;；]+/).filter(Boolean)) {
    const n = normaliseTraceCode(part);
    if ('problem' in n) refused.push({ raw: part, problem: n.problem });
    else if (out.includes(n.code)) refused.push({ raw: n.code, problem: 'duplicate' });
    else if (taken.has(n.code)) refused.push({ raw: n.code, problem: 'elsewhere' });
    else {
      out.push(n.code);
      added.push(n.code);
    }
  }
  return { codes: out, added, refused };
}

// ---------------------------------------------------------------------------------------------
// The receive grid: one row per lot of a purchase order line.

/** One row of the grid, as typed. */
export interface ReceiveRow {
  key: string;
  poLineId: number;
  lotNo: string;
  expiry: string;
  quantity: string;
  damaged: string;
  damageNote: string;
  codes: string[];
}

/** The cells of a row, in the order Enter walks them (and as the server names the fields). */
export const ROW_FIELDS = ['lot_no', 'expiry', 'quantity', 'damaged', 'damage_note', 'trace_codes'] as const;
export type RowField = (typeof ROW_FIELDS)[number];

let rowSeq = 0;
/** A key no other row of this page has. */
export const newRowKey = () => `r${++rowSeq}`;

export const emptyRow = (poLineId: number, key: string = newRowKey()): ReceiveRow => ({
  key,
  poLineId,
  lotNo: '',
  expiry: '',
  quantity: '',
  damaged: '',
  damageNote: '',
  codes: [],
});

/** A row nobody typed into: left out of the receipt. */
export const isBlank = (r: ReceiveRow) =>
  !r.lotNo.trim() && !r.expiry.trim() && !r.quantity.trim() && !r.damaged.trim() && !r.damageNote.trim() && r.codes.length === 0;

/** The grid as it opens: a row for each line still outstanding, in the purchase order's order. */
export const initialRows = (lines: Pick<PurchaseLine, 'id' | 'outstanding'>[], key: () => string = newRowKey): ReceiveRow[] =>
  lines.filter((l) => l.id != null && l.outstanding > 0).map((l) => emptyRow(l.id!, key()));

/**
 * Split a lot: another row for the same purchase order line, after the line's last row (the
 * expiry carried over, the usual case of two lots of one delivery being close). Returns the
 * rows and the new row's index.
 */
export function splitRow(rows: readonly ReceiveRow[], key: string, newKey: string = newRowKey()): { rows: ReceiveRow[]; at: number } {
  const from = rows.find((r) => r.key === key);
  if (!from) return { rows: [...rows], at: -1 };
  let last = -1;
  rows.forEach((r, i) => {
    if (r.poLineId === from.poLineId) last = i;
  });
  const out = [...rows];
  out.splice(last + 1, 0, emptyRow(from.poLineId, newKey));
  return { rows: out, at: last + 1 };
}

/** Take a row out; the last row of a line stays (emptied) so that the line can still be received. */
export function removeRow(rows: readonly ReceiveRow[], key: string): ReceiveRow[] {
  const r = rows.find((x) => x.key === key);
  if (!r) return [...rows];
  const siblings = rows.filter((x) => x.poLineId === r.poLineId).length;
  return siblings > 1 ? rows.filter((x) => x.key !== key) : rows.map((x) => (x.key === key ? emptyRow(x.poLineId, x.key) : x));
}

/** Whether a row is the first of its line (it shows the line's product and what is outstanding). */
export const firstOfLine = (rows: readonly ReceiveRow[], i: number) => i === 0 || rows[i - 1].poLineId !== rows[i].poLineId;

/**
 * Where Enter goes from a cell: the next cell of the row (the damage note only when packs are
 * damaged), then the next row's lot number. From the trace-code cell Enter scans; an Enter on an
 * empty scan cell goes on. None after the last row: Enter never sends the receipt.
 */
export function nextCell(rows: readonly ReceiveRow[], row: number, field: RowField): { row: number; field: RowField } | null {
  const r = rows[row];
  let i = ROW_FIELDS.indexOf(field) + 1;
  if (r && ROW_FIELDS[i] === 'damage_note' && !((parseQuantity(r.damaged) ?? 0) > 0)) i++;
  if (i < ROW_FIELDS.length) return { row, field: ROW_FIELDS[i] };
  return row + 1 < rows.length ? { row: row + 1, field: 'lot_no' } : null;
}

export type RowProblem =
  | 'lotRequired'
  | 'lotTooLong'
  | 'expiryRequired'
  | 'expiryBad'
  | 'expired'
  | 'shortDated'
  | 'badNumber'
  | 'nothing'
  | 'tooMany'
  | 'tooManyCodes';

export interface RowIssue {
  field: RowField;
  problem: RowProblem;
  /** Values the message names (the first acceptable expiry, what is outstanding, …). */
  params?: Record<string, string | number>;
}

export interface GridCheck {
  /** Per row key, what keeps it from being received. */
  issues: Record<string, RowIssue[]>;
  /** Rows that receive something. */
  rows: number;
  /** Packs put into stock, packs damaged, trace codes scanned, over the rows. */
  good: number;
  damaged: number;
  codes: number;
}

/** The longest lot number the server takes. */
export const MAX_LOT_NO = 40;

/**
 * The rows' checks before anything is sent, as the server's D1 and T1 make them: a lot number
 * and a real expiry on every row that receives something; packs as whole numbers, not nothing;
 * stocked goods neither expired nor short-dated (`minShelfDays` from the settings, when known);
 * the rows of one line together no more than outstanding; no more codes than packs stocked.
 */
export function checkRows(
  rows: readonly ReceiveRow[],
  lines: readonly Pick<PurchaseLine, 'id' | 'outstanding'>[],
  opts: { receivedOn: string; minShelfDays?: number | null },
): GridCheck {
  const issues: Record<string, RowIssue[]> = {};
  const outstanding = new Map(lines.map((l) => [l.id, l.outstanding]));
  const perLine = new Map<number, number>();
  const out: GridCheck = { issues, rows: 0, good: 0, damaged: 0, codes: 0 };
  const first = opts.minShelfDays != null ? addDays(opts.receivedOn, opts.minShelfDays) : null;
  for (const r of rows) {
    if (isBlank(r)) continue;
    const list: RowIssue[] = [];
    const lot = r.lotNo.trim();
    if (!lot) list.push({ field: 'lot_no', problem: 'lotRequired' });
    else if ([...lot].length > MAX_LOT_NO) list.push({ field: 'lot_no', problem: 'lotTooLong', params: { max: MAX_LOT_NO } });
    const good = parseQuantity(r.quantity);
    const damaged = parseQuantity(r.damaged);
    if (Number.isNaN(good)) list.push({ field: 'quantity', problem: 'badNumber' });
    if (Number.isNaN(damaged)) list.push({ field: 'damaged', problem: 'badNumber' });
    const g = good == null || Number.isNaN(good) ? 0 : good;
    const d = damaged == null || Number.isNaN(damaged) ? 0 : damaged;
    if (g === 0 && d === 0 && !Number.isNaN(good) && !Number.isNaN(damaged)) list.push({ field: 'quantity', problem: 'nothing' });
    const expiry = r.expiry.trim() ? parseDate(r.expiry) : null;
    if (!r.expiry.trim()) list.push({ field: 'expiry', problem: 'expiryRequired' });
    else if (!expiry) list.push({ field: 'expiry', problem: 'expiryBad' });
    else if (g > 0 && expiry <= opts.receivedOn) list.push({ field: 'expiry', problem: 'expired' });
    else if (g > 0 && first && expiry < first) {
      list.push({ field: 'expiry', problem: 'shortDated', params: { first, days: opts.minShelfDays ?? 0 } });
    }
    if (r.codes.length > g) list.push({ field: 'trace_codes', problem: 'tooManyCodes', params: { codes: r.codes.length, packs: g } });
    perLine.set(r.poLineId, (perLine.get(r.poLineId) ?? 0) + g);
    issues[r.key] = list;
    out.rows++;
    out.good += g;
    out.damaged += d;
    out.codes += r.codes.length;
  }
  for (const r of rows) {
    if (isBlank(r)) continue;
    const left = outstanding.get(r.poLineId) ?? 0;
    const taking = perLine.get(r.poLineId) ?? 0;
    const g = parseQuantity(r.quantity);
    if (taking > left && g != null && g > 0) {
      issues[r.key].push({ field: 'quantity', problem: 'tooMany', params: { outstanding: left, taking } });
    }
  }
  for (const k of Object.keys(issues)) if (issues[k].length === 0) delete issues[k];
  return out;
}

export interface ReceiptHeader {
  receivedOn: string;
  invoiceNo: string;
  note: string;
}

/**
 * The receipt to send from the grid: blank rows left out, texts trimmed, dates normalised, an
 * empty invoice number left out (the invoice is still to come, 货到票未到). `sent` names the
 * row of each line sent, to put the server's `lines[n].…` errors back at their rows.
 */
export function receiptBody(
  po: Pick<PurchaseOrder, 'id' | 'version'>,
  rows: readonly ReceiveRow[],
  header: ReceiptHeader,
): { body: ReceiptInput; sent: string[] } {
  const sent: string[] = [];
  const lines: ReceiptLineInput[] = [];
  for (const r of rows) {
    if (isBlank(r)) continue;
    sent.push(r.key);
    const note = r.damageNote.trim();
    const line: ReceiptLineInput = {
      po_line_id: r.poLineId,
      lot_no: r.lotNo.trim(),
      expiry: parseDate(r.expiry) ?? r.expiry.trim(),
      quantity: parseQuantity(r.quantity) ?? 0,
      damaged: parseQuantity(r.damaged) ?? 0,
      trace_codes: [...r.codes],
    };
    if (note) line.damage_note = note;
    lines.push(line);
  }
  const body: ReceiptInput = { purchase_order_id: po.id, version: po.version, received_on: header.receivedOn, lines };
  const invoice = header.invoiceNo.trim();
  if (invoice) body.invoice_no = invoice;
  const note = header.note.trim();
  if (note) body.note = note;
  return { body, sent };
}

export interface PlacedErrors {
  /** Per row key, the server's message per cell (`row` for the row as a whole). */
  rows: Record<string, Partial<Record<RowField | 'row', string>>>;
  /** The header's fields (`received_on`, `invoice_no`, `note`). */
  header: Record<string, string>;
  /** What names no row nor header field. */
  rest: FieldError[];
}

/** Put the server's field errors (`lines[2].lot_no`, `invoice_no`) at the rows and fields they name. */
export function placeFieldErrors(errors: readonly FieldError[], sent: readonly string[]): PlacedErrors {
  const out: PlacedErrors = { rows: {}, header: {}, rest: [] };
  for (const e of errors) {
    const m = /^lines\[(\d+)\](?:\.(\w+))?/.exec(e.field);
    if (m && sent[Number(m[1])] != null) {
      const key = sent[Number(m[1])];
      const f = m[2] ?? 'row';
      const field = (ROW_FIELDS as readonly string[]).includes(f) ? (f as RowField) : 'row';
      (out.rows[key] ??= {})[field] = e.message;
    } else if (['received_on', 'invoice_no', 'note'].includes(e.field)) {
      out.header[e.field] = e.message;
    } else {
      out.rest.push(e);
    }
  }
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The rows a refusal names (D1 and T1 say the trace code, the lot number or the product):
 * rows holding a code it names; else rows whose lot number it names (standing alone, not inside
 * a longer number); else the rows of the product it opens with.
 */
export function rowsNamed(
  detail: string,
  rows: readonly ReceiveRow[],
  productOf: (poLineId: number) => { name_zh: string; strength: string } | undefined,
): string[] {
  const filled = rows.filter((r) => !isBlank(r));
  const byCode = filled.filter((r) => r.codes.some((c) => detail.includes(c)));
  if (byCode.length) return byCode.map((r) => r.key);
  const byLot = filled.filter((r) => {
    const lot = r.lotNo.trim();
    return lot !== '' && new RegExp(`(^|[^0-9A-Za-z])${escape(lot)}($|[^0-9A-Za-z])`).test(detail);
  });
  if (byLot.length) return byLot.map((r) => r.key);
  let best: string[] = [];
  let len = 0;
  for (const r of filled) {
    const p = productOf(r.poLineId);
    const label = p ? [p.name_zh, p.strength].filter(Boolean).join(' ') : '';
    if (label && detail.startsWith(label) && label.length >= len) {
      if (label.length > len) best = [];
      best.push(r.key);
      len = label.length;
    }
  }
  return best;
}
