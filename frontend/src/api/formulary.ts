import { api, unwrapAs as unwrap } from './client';
import type { paths } from './schema';
import type {
  Entry,
  EntryDetail,
  EntryPage,
  FormularyDiff,
  FormularySettings,
  Proposal,
  ProposalItemPage,
  ProposalPage,
  ProposalRequest,
  ProposalStatus,
  RuleWarning,
  SearchHit,
  ShareReport,
  TimelineEvent,
} from './types';


export type EntryQuery = NonNullable<paths['/api/v1/formulary']['get']['parameters']['query']>;

export const listEntries = (query: EntryQuery) =>
  unwrap<EntryPage>(api.GET('/api/v1/formulary', { params: { query: query } }));

export const getEntry = (id: number, as_of?: string) =>
  unwrap<EntryDetail>(api.GET('/api/v1/formulary/{id}', { params: { path: { id }, query: { as_of } } }));

export const getTimeline = (id: number) =>
  unwrap<{ items: TimelineEvent[] }>(api.GET('/api/v1/formulary/{id}/timeline', { params: { path: { id } } }));

export type SearchQuery = paths['/api/v1/formulary/search']['get']['parameters']['query'];

export const searchEntries = (query: SearchQuery, signal?: AbortSignal) =>
  unwrap<{ items: SearchHit[] }>(api.GET('/api/v1/formulary/search', { params: { query: query }, signal }));

export const getDiff = (from: string, to: string) =>
  unwrap<FormularyDiff>(api.GET('/api/v1/formulary/diff', { params: { query: { from, to } } }));

export const getEssentialShare = (as_of?: string) =>
  unwrap<ShareReport>(api.GET('/api/v1/formulary/essential-share', { params: { query: { as_of } } }));

export const getSettings = () => unwrap<FormularySettings>(api.GET('/api/v1/formulary/settings', {}));

export const putSettings = (body: FormularySettings) =>
  unwrap<FormularySettings>(api.PUT('/api/v1/formulary/settings', { body }));

export const createProposal = (body: ProposalRequest) =>
  unwrap<Proposal>(api.POST('/api/v1/formulary/proposals', { body: body }));

export const checkProposal = (body: ProposalRequest, signal?: AbortSignal) =>
  unwrap<{ warnings: RuleWarning[] }>(api.POST('/api/v1/formulary/proposals/check', { body: body, signal }));

export const listProposals = (status?: ProposalStatus, cursor?: string) =>
  unwrap<ProposalPage>(
    api.GET('/api/v1/formulary/proposals', { params: { query: { status, cursor, limit: 50 } } }),
  );

export const listProposalItems = (id: number, cursor?: string) =>
  unwrap<ProposalItemPage>(
    api.GET('/api/v1/formulary/proposals/{id}/items', { params: { path: { id }, query: { cursor, limit: 50 } } }),
  );

export const getProposal = (id: number) =>
  unwrap<Proposal>(api.GET('/api/v1/formulary/proposals/{id}', { params: { path: { id } } }));

export const approveProposal = (id: number, note?: string) =>
  unwrap<Proposal>(
    api.POST('/api/v1/formulary/proposals/{id}/approve', {
      params: { path: { id } },
      body: note ? { note } : {},
    }),
  );

export const rejectProposal = (id: number, reason: string) =>
  unwrap<Proposal>(
    api.POST('/api/v1/formulary/proposals/{id}/reject', { params: { path: { id } }, body: { reason } }),
  );

export const withdrawProposal = (id: number) =>
  unwrap<Proposal>(api.POST('/api/v1/formulary/proposals/{id}/withdraw', { params: { path: { id } }, body: {} }));

export type ExportFormat = 'csv' | 'xlsx' | 'fhir';

/** The export of what the list shows: its day and every filter it has. */
export function exportUrl(format: ExportFormat, query: EntryQuery = {}): string {
  const p = new URLSearchParams({ format });
  for (const key of ['as_of', 'q', 'status', 'level', 'essential', 'special_class', 'route'] as const) {
    const v = query[key];
    if (v !== undefined && v !== null && v !== '') p.set(key, String(v));
  }
  return `/api/v1/formulary/export?${p.toString()}`;
}

/** Every entry the list shows with these filters, page by page (for printing the whole list). */
export async function listAllEntries(query: EntryQuery, onProgress?: (loaded: number, total: number) => void) {
  const out: Entry[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await listEntries({ ...query, cursor, limit: 200 });
    out.push(...page.items);
    onProgress?.(out.length, page.total);
    if (!page.next_cursor) return out;
    cursor = page.next_cursor;
  }
}

export function templateUrl(format: 'csv' | 'xlsx'): string {
  return `/api/v1/formulary/import-template?format=${format}`;
}
