/**
 * Opening stock (期初库存): the pre-filled template and the import of a filled-in file,
 * checked first (dry run) and then applied, all lines or none.
 */
import { api, unwrapAs as unwrap, CSRF_HEADER, notifyUnauthorized } from './client';
import { acceptLanguage } from '../i18n/lang';
import { ApiError, toApiError } from './problem';
import type { components } from './schema';

type S = components['schemas'];

export type OpeningReport = S['OpeningReport'];
export type OpeningLine = S['OpeningLine'];
export type CellProblem = S['CellProblem'];
export type StockInstitution = S['StockInstitution'];
export type ExpiryState = S['ExpiryState'];

/** The institutions whose stock the user sees, lead hospital first, each with `may_record`. */
export const listStockInstitutions = () =>
  unwrap<StockInstitution[]>(api.GET('/api/v1/stock/institutions', {}));

/** The opening-stock template, one row per product the institution's level may use. */
export function openingTemplateUrl(institutionId?: number): string {
  return institutionId ? `/api/v1/stock/opening/template?institution_id=${institutionId}` : '/api/v1/stock/opening/template';
}

export interface OpeningUpload {
  promise: Promise<OpeningReport>;
  abort: () => void;
}

/**
 * Send a filled-in template (CSV or XLSX): a dry run reports every problem by row and
 * column; `dryRun: false` writes one opening movement per line (refused with 422 when the
 * file has problems). XMLHttpRequest, for upload progress on slow township links.
 */
export function uploadOpening(
  file: File,
  institutionId: number,
  dryRun: boolean,
  onProgress?: (percent: number) => void,
): OpeningUpload {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<OpeningReport>((resolve, reject) => {
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.open('POST', `/api/v1/stock/opening?institution_id=${institutionId}&dry_run=${dryRun ? 'true' : 'false'}`);
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
          resolve(JSON.parse(xhr.responseText) as OpeningReport);
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
