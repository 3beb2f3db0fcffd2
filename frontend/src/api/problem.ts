import type { ImportReport, Problem } from './types';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * An answer from the server that is not a success, parsed from RFC 9457
 * problem+json. `rule` carries the domain rule id (F1, F5, …) when the
 * refusal comes from a rule; `errors` lists field-level validation messages.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly rule: string | null;
  readonly errors: FieldError[];
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    const detail = problem.detail ?? problem.title ?? `HTTP ${status}`;
    super(problem.rule ? `${problem.rule}: ${detail}` : detail);
    this.name = 'ApiError';
    this.status = status;
    this.title = problem.title ?? '';
    this.detail = detail;
    this.rule = problem.rule ?? null;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.problem = problem;
  }

  /** The import report carried by a refused (422) import, if any. */
  get report(): ImportReport | undefined {
    return this.problem.report;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Turn an error body (already parsed JSON, raw text, or nothing) into an ApiError.
 * Bodies that are not problem documents (a proxy's HTML page, an empty 502) still
 * give a usable message.
 */
export function toApiError(status: number, body: unknown, statusText = ''): ApiError {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = body;
    }
  }
  if (isRecord(parsed)) {
    const errors = Array.isArray(parsed.errors)
      ? parsed.errors.filter(isRecord).map((e) => ({
          field: String(e.field ?? ''),
          message: String(e.message ?? ''),
        }))
      : [];
    const problem: Problem = {
      type: typeof parsed.type === 'string' ? parsed.type : undefined,
      title: typeof parsed.title === 'string' ? parsed.title : undefined,
      status: typeof parsed.status === 'number' ? parsed.status : status,
      detail: typeof parsed.detail === 'string' ? parsed.detail : undefined,
      rule: typeof parsed.rule === 'string' ? parsed.rule : null,
      errors,
      report: isRecord(parsed.report) ? (parsed.report as unknown as ImportReport) : undefined,
    };
    return new ApiError(status, problem);
  }
  const text = typeof parsed === 'string' && parsed.trim() && parsed.length < 300 ? parsed.trim() : '';
  return new ApiError(status, {
    status,
    title: statusText || `HTTP ${status}`,
    detail: text || statusText || `HTTP ${status}`,
  });
}

/** Human text for an error: "F5: …" when a rule refused, field errors appended. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    const fields = err.errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message));
    return [err.message, ...fields].join('；');
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The subset of an antd FormInstance this module needs. */
interface FieldSetter {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  setFields: (fields: any[]) => void;
}

/**
 * Put the server's field errors under the form fields they name ("fields.x"
 * and "x" both map to x). Returns true when every error found its field, so
 * the caller need not repeat them in an alert.
 */
export function applyFieldErrors(form: FieldSetter, err: unknown, names: readonly string[]): boolean {
  if (!(err instanceof ApiError) || err.errors.length === 0) return false;
  const known = new Set(names);
  const mapped = err.errors
    .map((e) => ({ name: e.field.replace(/^fields\./, ''), errors: [e.message] }))
    .filter((e) => known.has(e.name));
  if (mapped.length) form.setFields(mapped);
  return mapped.length === err.errors.length;
}

/**
 * A 409 because the record changed since it was read (reload and try again) — not a value
 * already taken (a code, a username), which names its field for the form to show.
 */
export function isStale(err: unknown): boolean {
  return err instanceof ApiError && err.status === 409 && err.errors.length === 0;
}

/** Whether every field a refusal names is one of the form's (so the form shows them all). */
export function placedInForm(err: unknown, names: readonly string[]): boolean {
  return (
    err instanceof ApiError &&
    err.errors.length > 0 &&
    err.errors.every((e) => names.includes(e.field.replace(/^fields\./, '')))
  );
}
