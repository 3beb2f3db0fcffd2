/**
 * Domain types used by the UI: aliases of the generated
 * `components['schemas']` (src/api/schema.ts, `npm run gen:api` from the
 * server's OpenAPI document — never written by hand).
 */
import type { components, paths } from './schema';

type S = components['schemas'];

export type Role = S['Role'];
/** What an operation does, as far as permission goes; `Me.actions` lists the user's. */
export type Action = S['Action'];
export type Level = S['Level'];
export type ListSort = NonNullable<NonNullable<paths['/api/v1/formulary']['get']['parameters']['query']>['sort']>;
export type Me = S['Me'];
export type Consortium = S['Consortium'];
export type Institution = S['Institution'];
export type User = S['User'];
export type AuditEntry = S['AuditEntry'];
export type FieldError = S['FieldError'];

export type Route = S['Route'];
export type InsuranceClass = S['InsuranceClass'];
export type SpecialClass = S['SpecialClass'];
export type AntimicrobialTier = S['AntimicrobialTier'];
export type Storage = S['Storage'];
export type EntryStatus = S['EntryStatus'];
export type ProposalKind = S['ProposalKind'];
export type ProposalStatus = S['ProposalStatus'];
export type MatchKind = S['HitMatch'];
export type MatchField = S['HitField'];
export type ShareGroup = S['ShareGroup'];

type Fix<T, O> = Omit<T, keyof O> & O;

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export type FieldChange = S['FieldChange'];
export type EntryFields = S['EntryFields'];
export type Entry = S['Entry'];
export type EntryDetail = S['EntryDetail'];
export type ScheduledChange = S['ScheduledChange'];
export type EntryPage = S['EntryPage'];
export type PersonRef = S['PersonRef'];
export type TimelineEvent = S['TimelineEvent'];
export type SearchHit = S['SearchHit'];
export type ChangedEntry = S['ChangedEntry'];
export type FormularyDiff = S['Diff'];
export type EssentialShareItem = S['ShareRow'];
export type ShareReport = S['ShareReport'];
export type FormularySettings = S['FormularySettings'];
export type RuleWarning = S['Warning'];
export type ProposalItem = S['ProposalItemView'];
export type ProposalItemPage = S['ProposalItemPage'];
export type Proposal = S['Proposal'];
export type ProposalPage = S['ProposalPage'];
export type ImportRowError = S['RowError'];
export type ImportChangedRow = S['ChangedRow'];
export type ImportReport = S['ImportReport'];
export type ImportProgress = S['ImportProgress'];
export type ColumnPlan = S['ColumnPlan'];

/** The body of a proposal and of its check; `fields` is any subset for an amendment. */
export type ProposalRequest = Fix<
  S['ProposalRequest'],
  { kind: 'add' | 'amend' | 'suspend' | 'withdraw'; fields?: Partial<EntryFields> | null }
>;

/** A problem document as parsed by the client (`report` for a refused import). */
export type Problem = Fix<
  Partial<S['Problem']>,
  { rule?: string | null; errors?: FieldError[] | null; report?: ImportReport }
>;
