/**
 * Supply contracts (供货合同): a supplier's price per pack for formulary entries over a period;
 * a volume-based one (带量采购) also carries each line's agreed annual volume split per member
 * (rule O5). A product has one contract on any day. Plus the contract import (template, dry
 * run, apply).
 *
 * Prices are decimal strings (yuan per pack, up to 4 decimals) and stay strings: sums are made
 * in integer ten-thousandths (bigint), never in floats.
 */
import { api, CSRF_HEADER, notifyUnauthorized, unwrapAs as unwrap } from './client';
import { acceptLanguage } from '../i18n/lang';
import { ApiError, toApiError } from './problem';
import { contractKindValues, contractStateValues, type components, type paths } from './schema';
import type { Entry } from './types';

type S = components['schemas'];

export type MemberVolume = S['MemberVolume'];
/**
 * A member's share as the editor holds it: the answer's MemberVolume, whose name a row typed in
 * the editor does not have yet (requests send `S['MemberShare']`: id and packs).
 */
export type MemberShare = Omit<MemberVolume, 'institution_name'> & { institution_name?: string };
export type ContractLine = Omit<S['ContractLine'], 'volumes'> & { volumes: MemberShare[] };
export type Contract = Omit<S['Contract'], 'lines'> & { lines: ContractLine[] };
export type ContractInput = S['ContractInput'];
export type ContractLineInput = S['ContractLineInput'];
export type ContractKind = S['ContractKind'];
export type ContractState = S['ContractState'];
export type ContractPage = Omit<S['ContractPage'], 'items'> & { items: Contract[] };
export type ProductBrief = S['ProductBrief'];
export type Supplier = S['Supplier'];
export type SupplierPage = S['SupplierPage'];
export type StockInstitution = S['StockInstitution'];

export const CONTRACT_KINDS: readonly ContractKind[] = contractKindValues;
export const CONTRACT_STATES: readonly ContractState[] = contractStateValues;

export const CONTRACT_STATE_COLOR: Record<ContractState, string> = {
  future: 'blue',
  current: 'green',
  ended: 'default',
};

export type ContractQuery = NonNullable<paths['/api/v1/contracts']['get']['parameters']['query']>;
export type ContractFilters = Omit<ContractQuery, 'cursor' | 'limit'>;

export const CONTRACTS_KEY = 'contracts';
export const contractKey = (id: number) => ['contract', id] as const;

export const listContracts = (query: ContractQuery, signal?: AbortSignal) =>
  unwrap<ContractPage>(api.GET('/api/v1/contracts', { params: { query }, signal }));

export const getContract = (id: number) =>
  unwrap<Contract>(api.GET('/api/v1/contracts/{id}', { params: { path: { id } } }));

export const createContract = (body: ContractInput) =>
  unwrap<Contract>(api.POST('/api/v1/contracts', { body }));

/** Replace a contract's content and lines, with the version read (409 when changed since). */
export const updateContract = (id: number, version: number, contract: ContractInput) =>
  unwrap<Contract>(api.PUT('/api/v1/contracts/{id}', { params: { path: { id } }, body: { version, contract } }));

/** Suppliers for the pickers: every one (filters) or the active ones (new contracts). */
export async function listSuppliers(active?: boolean): Promise<Supplier[]> {
  const out: Supplier[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 20; i++) {
    const page = await unwrap<SupplierPage>(
      api.GET('/api/v1/suppliers', { params: { query: { active, limit: 200, cursor } } }),
    );
    out.push(...page.items);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return out;
}

/**
 * The consortium's institutions that take a share of a volume-based line: the lead hospital
 * first, then each township hospital followed by its village clinics. (`/stock/institutions`:
 * the procurement officer may read it; it lists the whole consortium for them.)
 */
export async function listMembers(): Promise<StockInstitution[]> {
  const all = await unwrap<StockInstitution[]>(api.GET('/api/v1/stock/institutions', {}));
  return orderMembers(all);
}

const LEVEL_ORDER: Record<string, number> = { lead: 0, township: 1, village: 2 };

/** Lead first, then each township with its villages right after it; the rest by name. */
export function orderMembers<T extends { id: number; name: string; level: string; parent_id?: number | null }>(all: T[]): T[] {
  const byLevel = (a: T, b: T) => (LEVEL_ORDER[a.level] ?? 9) - (LEVEL_ORDER[b.level] ?? 9) || a.id - b.id;
  const ids = new Set(all.map((i) => i.id));
  const children = new Map<number, T[]>();
  const roots: T[] = [];
  for (const i of all) {
    if (i.level === 'village' && i.parent_id != null && ids.has(i.parent_id)) {
      const list = children.get(i.parent_id) ?? [];
      list.push(i);
      children.set(i.parent_id, list);
    } else roots.push(i);
  }
  roots.sort(byLevel);
  const out: T[] = [];
  for (const r of roots) {
    out.push(r);
    out.push(...(children.get(r.id) ?? []).sort((a, b) => a.id - b.id));
  }
  return out;
}

/** A formulary entry (a search hit) as a contract line shows its product. */
export const briefOf = (e: Entry): ProductBrief => ({
  name_zh: e.generic_name_zh,
  name_en: e.generic_name_en ?? '',
  dosage_form: e.dosage_form,
  strength: e.strength,
  manufacturer: e.manufacturer,
  base_unit: e.base_unit,
  pack_size: e.pack_size,
  pack_unit: e.pack_unit,
  cold_chain: e.storage === 'cold_chain',
});

/** How a refusal names a product: `阿卡波糖 50mg`. */
export const productLabel = (p: Pick<ProductBrief, 'name_zh' | 'strength'>) => [p.name_zh, p.strength].filter(Boolean).join(' ');

// ---------------------------------------------------------------------------------------------
// Money: yuan per pack, up to 4 decimals, as strings; sums in ten-thousandths (bigint).

export const PRICE_DECIMALS = 4;
const SCALE = 10_000n;

/**
 * A price as typed (full-width digits of a Chinese input method, `¥`, thousands separators,
 * spaces) made plain: `１２．５` → `12.5`. Not checked.
 */
export function normalizePrice(raw: string): string {
  return raw
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[．。]/g, '.')
    .replace(/[\s,，¥￥元]/g, '')
    .trim();
}

export type PriceProblem = 'required' | 'format' | 'decimals' | 'zero';

/** What is wrong with a price string (already normalised), if anything. */
export function priceProblem(s: string): PriceProblem | null {
  if (!s) return 'required';
  const m = /^(\d{1,9})(?:\.(\d*))?$/.exec(s);
  if (!m) return 'format';
  if ((m[2] ?? '').length > PRICE_DECIMALS) return 'decimals';
  if (toTenThousandths(s) <= 0n) return 'zero';
  return null;
}

/** `12.5` → 125000n. Assumes a valid price (see priceProblem). */
export function toTenThousandths(s: string): bigint {
  const [int, frac = ''] = s.split('.');
  return BigInt(int || '0') * SCALE + BigInt((frac + '0000').slice(0, PRICE_DECIMALS) || '0');
}

/** 125000n → `12.5000`: a decimal string formatMoney shows as `¥12.50`. */
export function fromTenThousandths(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const int = a / SCALE;
  const frac = (a % SCALE).toString().padStart(PRICE_DECIMALS, '0');
  return `${neg ? '-' : ''}${int}.${frac}`;
}

/** The price as the server wants it: plain digits, trailing zeros of the decimals dropped. */
export function canonicalPrice(s: string): string {
  const [int, frac = ''] = s.split('.');
  const f = frac.replace(/0+$/, '');
  return `${BigInt(int || '0')}${f ? `.${f}` : ''}`;
}

/** The amount of a line, price × packs, in ten-thousandths of a yuan. */
export const lineAmount = (price: string, packs: number): bigint => toTenThousandths(price) * BigInt(Math.trunc(packs));

// ---------------------------------------------------------------------------------------------
// Import: the template, a dry run, the apply (types declared here: the server's are new).

/** The contract import template (XLSX, one column per member "约定量:<机构名称>"). */
export const CONTRACT_TEMPLATE_URL = '/api/v1/contracts/template';

/** A contract a file would create. */
export interface ImportedContract {
  contract_no: string;
  supplier_name: string;
  kind: ContractKind;
  valid_from: string;
  valid_to: string;
  /** Its lines. */
  lines: number;
  /** Of them, lines with agreed volumes. */
  vbp_lines: number;
}

/** A problem of a file, by row and column as the user fixes it in Excel. */
export interface ImportProblem {
  row: number;
  column: string;
  message: string;
}

export interface ContractImportReport {
  rows_total: number;
  contracts: ImportedContract[];
  problems: ImportProblem[];
  applied: boolean;
}

export interface ContractUpload {
  promise: Promise<ContractImportReport>;
  abort: () => void;
}

/**
 * Send a filled-in template (CSV or XLSX): a dry run reports the contracts the file would create
 * and every problem by row and column; `dryRun: false` creates them, all or none (refused with
 * 422 when the file has problems). XMLHttpRequest, for upload progress.
 */
export function uploadContracts(file: File, dryRun: boolean, onProgress?: (percent: number) => void): ContractUpload {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<ContractImportReport>((resolve, reject) => {
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.open('POST', `/api/v1/contracts/import?dry_run=${dryRun ? 'true' : 'false'}`);
    xhr.withCredentials = true;
    xhr.setRequestHeader(CSRF_HEADER, '1');
    xhr.setRequestHeader('Accept-Language', acceptLanguage());
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && onProgress) onProgress(Math.round((e.loaded / e.total) * 100));
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          const r = JSON.parse(xhr.responseText) as Partial<ContractImportReport>;
          resolve({
            rows_total: r.rows_total ?? 0,
            contracts: r.contracts ?? [],
            problems: r.problems ?? [],
            applied: !!r.applied,
          });
        } catch {
          reject(toApiError(xhr.status, xhr.responseText, xhr.statusText));
        }
      } else {
        if (xhr.status === 401) notifyUnauthorized();
        reject(toApiError(xhr.status, xhr.responseText, xhr.statusText));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, { title: 'network', detail: 'Network error' }));
    xhr.onabort = () => reject(new ApiError(0, { title: 'aborted', detail: 'Upload cancelled' }));
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}
