/**
 * Domain types used by the UI: aliases of the generated
 * `components['schemas']` (src/api/schema.d.ts, `npm run gen:api`).
 *
 * WIRE ENUMS: the server's document currently names the values of its coded
 * enums by the Rust variant ("Oral", "ColdChain") while the JSON on the wire
 * uses the serde codes of the contract ("oral", "cold_chain"). Until the
 * document is fixed, the enum-valued fields are overridden here with the wire
 * codes (`Fix<>` below); once it is, delete the overrides and the aliases
 * stand on their own.
 */
import type { components } from './schema';

type S = components['schemas'];

export type Role = S['Role'];
export type Level = S['Level'];
export type Me = S['Me'];
export type Consortium = S['Consortium'];
export type Institution = S['Institution'];
export type User = S['User'];
export type AuditEntry = S['AuditEntry'];
export type FieldError = S['FieldError'];

// ---- Wire enums (see WIRE ENUMS above) ----
export type Route = 'oral' | 'injection' | 'external' | 'inhalation' | 'other';
export type InsuranceClass = 'a' | 'b' | 'c' | 'none';
export type SpecialClass =
  | 'none'
  | 'narcotic'
  | 'psychotropic_1'
  | 'psychotropic_2'
  | 'toxic'
  | 'radioactive'
  | 'precursor';
export type AntimicrobialTier = 'none' | 'unrestricted' | 'restricted' | 'special';
export type Storage = 'ordinary' | 'cool' | 'cold_chain';
export type EntryStatus = 'active' | 'suspended' | 'withdrawn';
export type ProposalKind = 'add' | 'amend' | 'suspend' | 'withdraw' | 'batch';
export type ProposalStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn';
export type MatchKind = 'code_exact' | 'prefix' | 'substring';
export type MatchField = 'name_zh' | 'name_en' | 'initials' | 'pinyin' | 'code';
export type ShareGroup = 'primary' | 'secondary' | 'tertiary';

type Fix<T, O> = Omit<T, keyof O> & O;

interface EntryEnums {
  route: Route;
  insurance_class: InsuranceClass;
  special_class: SpecialClass;
  antimicrobial_tier: AntimicrobialTier;
  storage: Storage;
  status: EntryStatus;
}

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

/** A field's value before and after: any JSON value (the document says object). */
export type FieldChange = Fix<S['FieldChange'], { old?: unknown; new?: unknown }>;
export type EntryFields = Fix<S['EntryFields'], EntryEnums>;
export type Entry = Fix<S['Entry'], EntryEnums>;
export type EntryPage = Fix<S['EntryPage'], { items: Entry[] }>;
export type PersonRef = S['PersonRef'];
export type TimelineEvent = Fix<
  S['TimelineEvent'],
  { kind: ProposalKind; status: ProposalStatus; changes: FieldChange[] }
>;
export type SearchHit = Fix<S['SearchHit'], { entry: Entry; match: MatchKind; field: MatchField }>;
export type ChangedEntry = Fix<S['ChangedEntry'], { entry: Entry; changes: FieldChange[] }>;
export type FormularyDiff = Fix<
  S['Diff'],
  { added: Entry[]; changed: ChangedEntry[]; suspended: Entry[]; withdrawn: Entry[]; reinstated: Entry[] }
>;
export type EssentialShareItem = Fix<S['ShareRow'], { group: ShareGroup }>;
export type ShareReport = Fix<S['ShareReport'], { items: EssentialShareItem[] }>;
export type FormularySettings = S['FormularySettings'];
export type RuleWarning = S['Warning'];
export type ProposalItem = Fix<S['ProposalItemView'], { kind: ProposalKind; changes: FieldChange[] }>;
export type Proposal = Fix<S['Proposal'], { kind: ProposalKind; status: ProposalStatus; items: ProposalItem[] }>;
export type ProposalPage = Fix<S['ProposalPage'], { items: Proposal[] }>;
export type ImportRowError = S['RowError'];
export type ImportChangedRow = Fix<S['ChangedRow'], { changes: FieldChange[] }>;
export type ImportReport = Fix<S['ImportReport'], { changed: ImportChangedRow[] }>;

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
