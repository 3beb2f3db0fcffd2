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
import {
  antimicrobialTierValues,
  entryStatusValues,
  insuranceClassValues,
  levelValues,
  proposalKindValues,
  proposalStatusValues,
  roleValues,
  routeValues,
  specialClassValues,
  storageValues,
} from '../api/schema';

// The values of each coded enum come from the server's OpenAPI document (generated into
// src/api/schema.ts), in the server's order: the web app keeps no copy of them.
export const ROLES: readonly Role[] = roleValues;
export const LEVELS: readonly Level[] = levelValues;
export const ROUTES: readonly Route[] = routeValues;
export const INSURANCE: readonly InsuranceClass[] = insuranceClassValues;
export const SPECIAL: readonly SpecialClass[] = specialClassValues;
export const ANTIMICROBIAL: readonly AntimicrobialTier[] = antimicrobialTierValues;
export const STORAGE: readonly Storage[] = storageValues;
export const ENTRY_STATUS: readonly EntryStatus[] = entryStatusValues;
export const PROPOSAL_KIND: readonly ProposalKind[] = proposalKindValues;
export const PROPOSAL_STATUS: readonly ProposalStatus[] = proposalStatusValues;

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
  'inner_pack_size',
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

const LEVEL_RANK: Record<Level, number> = { village: 1, township: 2, secondary: 3, lead: 4 };

/** May an institution of `level` use an entry whose lowest allowed level is `scope`? */
export function mayUse(level: Level, scope: Level): boolean {
  return LEVEL_RANK[level] >= LEVEL_RANK[scope];
}
