import type { TFunction } from 'i18next';
import type {
  AntimicrobialTier,
  EntryFields,
  EntryStatus,
  InsuranceClass,
  Level,
  ProposalKind,
  ProposalStatus,
  Role,
  Route,
  SpecialClass,
  Storage,
} from '../api/types';

export const ROLES: Role[] = [
  'system_admin',
  'consortium_admin',
  'committee',
  'pharmacist',
  'prescriber',
  'procurement',
  'distribution',
  'auditor',
];
export const LEVELS: Level[] = ['lead', 'secondary', 'township', 'village'];
export const ROUTES: Route[] = ['oral', 'injection', 'external', 'inhalation', 'other'];
export const INSURANCE: InsuranceClass[] = ['a', 'b', 'c', 'none'];
export const SPECIAL: SpecialClass[] = [
  'none',
  'narcotic',
  'psychotropic_1',
  'psychotropic_2',
  'toxic',
  'radioactive',
  'precursor',
];
export const ANTIMICROBIAL: AntimicrobialTier[] = ['none', 'unrestricted', 'restricted', 'special'];
export const STORAGE: Storage[] = ['ordinary', 'cool', 'cold_chain'];
export const ENTRY_STATUS: EntryStatus[] = ['active', 'suspended', 'withdrawn'];
export const PROPOSAL_KIND: ProposalKind[] = ['add', 'amend', 'suspend', 'withdraw', 'batch'];
export const PROPOSAL_STATUS: ProposalStatus[] = ['pending', 'approved', 'rejected', 'withdrawn'];

/** i18n namespace of each enum-valued entry field, for labels of changes. */
export const FIELD_ENUM: Record<string, string> = {
  route: 'enum.route',
  insurance_class: 'enum.insurance',
  special_class: 'enum.special',
  antimicrobial_tier: 'enum.antimicrobial',
  storage: 'enum.storage',
  level_scope: 'enum.level',
  status: 'enum.entryStatus',
};

export function options<T extends string>(t: TFunction, ns: string, values: readonly T[]) {
  return values.map((v) => ({ value: v, label: t(`${ns}.${v}`) }));
}

export const STATUS_COLOR: Record<EntryStatus, string> = {
  active: 'green',
  suspended: 'orange',
  withdrawn: 'default',
};

export const PROPOSAL_STATUS_COLOR: Record<ProposalStatus, string> = {
  pending: 'processing',
  approved: 'success',
  rejected: 'error',
  withdrawn: 'default',
};

/** Entry fields in the order of the import template and the form. */
export const FIELD_ORDER: (keyof EntryFields)[] = [
  'generic_name_zh',
  'generic_name_en',
  'dosage_form',
  'route',
  'strength',
  'base_unit',
  'pack_size',
  'pack_unit',
  'manufacturer',
  'approval_number',
  'nhsa_code',
  'atc_code',
  'unit_price',
  'essential_national',
  'essential_provincial',
  'vbp',
  'insurance_class',
  'special_class',
  'antimicrobial_tier',
  'storage',
  'level_scope',
  'long_rx_eligible',
  'extended_rx_eligible',
  'status',
];
