import { CSRF_HEADER, notifyUnauthorized } from './client';
import { acceptLanguage } from '../i18n/lang';
import { ApiError, toApiError } from './problem';
import { api } from './client';
import type { ColumnPlan, ImportProgress, ImportReport } from './types';

export interface ImportParams {
  dryRun: boolean;
  reason?: string;
  effective_date?: string;
  justification?: string;
  /** Apply the valid rows and leave out the rows with problems (the report still lists them). */
  skip_invalid?: boolean;
  /** The columns as mapped: file header → field key ('' ignores the column). */
  mapping?: Record<string, string>;
}

export interface UploadHandle {
  promise: Promise<ImportReport>;
  abort: () => void;
}

/** A token naming one import, so that its progress can be asked for (random, never reused). */
function progressToken(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** How often the wizard asks how far the server's check has got. */
const POLL_MS = 400;

/**
 * Upload an import file with XMLHttpRequest: fetch() cannot report upload
 * progress, and formulary spreadsheets of a county hospital can be large.
 * `onProgress` receives 0..100; `onChecking`, while the server checks the file,
 * how far it got (stage, rows done of rows in the file). The answer (or problem)
 * is parsed like the fetch client's, so a refused apply (422) throws an ApiError
 * carrying `report`.
 */
export function uploadImport(
  file: File,
  params: ImportParams,
  onProgress?: (percent: number) => void,
  onChecking?: (p: ImportProgress) => void,
): UploadHandle {
  const xhr = new XMLHttpRequest();
  const token = progressToken();
  let finished = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const poll = async () => {
    if (finished) return;
    const { data } = await api
      .GET('/api/v1/formulary/imports/progress', { params: { query: { token } } })
      .catch(() => ({ data: undefined }));
    // Unknown until the server has the whole file (404): nothing to show yet.
    if (data && !finished) onChecking?.(data);
    if (!finished) timer = setTimeout(() => void poll(), POLL_MS);
  };
  const finish = () => {
    finished = true;
    if (timer !== undefined) clearTimeout(timer);
  };
  const promise = new Promise<ImportReport>((resolve, reject) => {
    const form = new FormData();
    form.append('file', file, file.name);
    if (params.reason) form.append('reason', params.reason);
    if (params.effective_date) form.append('effective_date', params.effective_date);
    if (params.justification) form.append('justification', params.justification);
    if (params.skip_invalid) form.append('skip_invalid', 'true');
    if (params.mapping) form.append('mapping', JSON.stringify(params.mapping));

    xhr.open('POST', `/api/v1/formulary/imports?dry_run=${params.dryRun ? 'true' : 'false'}&progress=${token}`);
    xhr.withCredentials = true;
    xhr.setRequestHeader(CSRF_HEADER, '1');
    xhr.setRequestHeader('Accept-Language', acceptLanguage());
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && onProgress) onProgress(Math.round((e.loaded / e.total) * 100));
    };
    xhr.onload = () => {
      finish();
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          onProgress?.(100);
          resolve(JSON.parse(xhr.responseText) as ImportReport);
        } catch {
          reject(toApiError(xhr.status, xhr.responseText, xhr.statusText));
        }
      } else {
        if (xhr.status === 401) notifyUnauthorized();
        reject(toApiError(xhr.status, xhr.responseText, xhr.statusText));
      }
    };
    xhr.onerror = () => {
      finish();
      reject(new ApiError(0, { title: 'network', detail: 'Network error' }));
    };
    xhr.onabort = () => {
      finish();
      reject(new ApiError(0, { title: 'aborted', detail: 'Upload cancelled' }));
    };
    xhr.send(form);
    if (onChecking) timer = setTimeout(() => void poll(), POLL_MS);
  });
  return { promise, abort: () => xhr.abort() };
}

/**
 * The rows of a file that an import would leave out (row errors, rows overriding approved
 * changes), with their problems, as an Excel file the user fixes and imports again.
 */
export async function downloadRejected(
  file: File,
  effective_date?: string,
  mapping?: Record<string, string>,
): Promise<void> {
  const form = new FormData();
  form.append('file', file, file.name);
  if (effective_date) form.append('effective_date', effective_date);
  if (mapping) form.append('mapping', JSON.stringify(mapping));
  const res = await fetch('/api/v1/formulary/imports/rejected', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { [CSRF_HEADER]: '1', 'Accept-Language': acceptLanguage() },
    body: form,
  });
  if (!res.ok) {
    if (res.status === 401) notifyUnauthorized();
    throw toApiError(res.status, await res.text(), res.statusText);
  }
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `${file.name.replace(/\.[^.]+$/, '')}-有问题的行.xlsx`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The file's columns and the field each will be read as (remembered, template, suggested). */
export async function planColumns(file: File): Promise<ColumnPlan> {
  const form = new FormData();
  form.append('file', file, file.name);
  const res = await fetch('/api/v1/formulary/imports/columns', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { [CSRF_HEADER]: '1', 'Accept-Language': acceptLanguage() },
    body: form,
  });
  const text = await res.text();
  if (!res.ok) {
    if (res.status === 401) notifyUnauthorized();
    throw toApiError(res.status, text, res.statusText);
  }
  return JSON.parse(text) as ColumnPlan;
}
