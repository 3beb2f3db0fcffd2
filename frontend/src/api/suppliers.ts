/**
 * Suppliers (配送企业) of the consortium: list, add and change them. The server checks the
 * unified social credit code (统一社会信用代码, GB 32100-2015) and that no two suppliers share it.
 */
import { api, unwrapAs as unwrap } from './client';
import { ApiError, type FieldError } from './problem';
import type { components, paths } from './schema';

type S = components['schemas'];

export type Supplier = S['Supplier'];
export type SupplierPage = S['SupplierPage'];
export type SupplierInput = S['SupplierInput'];
export type SupplierUpdate = S['SupplierUpdate'];
export type SupplierQuery = NonNullable<paths['/api/v1/suppliers']['get']['parameters']['query']>;

/** Length of a unified social credit code. */
export const USCC_LENGTH = 18;

export const listSuppliers = (query: SupplierQuery, signal?: AbortSignal) =>
  unwrap<SupplierPage>(api.GET('/api/v1/suppliers', { params: { query }, signal }));

export const getSupplier = (id: number) =>
  unwrap<Supplier>(api.GET('/api/v1/suppliers/{id}', { params: { path: { id } } }));

export const createSupplier = (body: SupplierInput) => unwrap<Supplier>(api.POST('/api/v1/suppliers', { body }));

export const updateSupplier = (id: number, body: SupplierUpdate) =>
  unwrap<Supplier>(api.PUT('/api/v1/suppliers/{id}', { params: { path: { id } }, body }));

/** The code as it should be sent: capitals, no spaces (a code copied from a licence often has some). */
export const normalizeUscc = (v: string | null | undefined) => (v ?? '').replace(/\s+/g, '').toUpperCase();

/**
 * The details as the server wants them: trimmed, optional ones absent rather than empty (the
 * server reads an empty e-mail as a wrong address).
 */
export function supplierInput(v: {
  name?: string;
  uscc?: string;
  order_email?: string;
  invoice_email?: string | null;
  contact?: string | null;
  phone?: string | null;
}): SupplierInput {
  const opt = (s: string | null | undefined) => (s && s.trim() ? s.trim() : null);
  return {
    name: (v.name ?? '').trim(),
    uscc: normalizeUscc(v.uscc),
    order_email: (v.order_email ?? '').trim(),
    invoice_email: opt(v.invoice_email),
    contact: opt(v.contact),
    phone: opt(v.phone),
  };
}

/** A field a refusal names (`supplier.uscc` on a change, `uscc` on an add) as the form names it. */
export const supplierField = (path: string) => path.replace(/^(supplier|fields)\./, '');

/** The refusal's field errors by the form's field names (only those the form has). */
export function supplierFieldErrors(err: unknown, names: readonly string[]): { name: string; errors: string[] }[] {
  if (!(err instanceof ApiError)) return [];
  return err.errors
    .map((e: FieldError) => ({ name: supplierField(e.field), errors: [e.message] }))
    .filter((e) => names.includes(e.name));
}
