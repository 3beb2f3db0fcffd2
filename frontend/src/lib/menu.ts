import type { Me, Role } from '../api/types';

/** Every page of the sider menu, in display order. */
export type MenuKey =
  | 'formulary'
  | 'proposals'
  | 'formulary-history'
  | 'import'
  | 'essential-share'
  | 'consortia'
  | 'institutions'
  | 'users'
  | 'audit';

export const MENU_GROUPS: { group: 'formulary' | 'admin'; keys: MenuKey[] }[] = [
  { group: 'formulary', keys: ['formulary', 'proposals', 'formulary-history', 'import', 'essential-share'] },
  { group: 'admin', keys: ['consortia', 'institutions', 'users', 'audit'] },
];

export const MENU_PATHS: Record<MenuKey, string> = {
  formulary: '/formulary',
  proposals: '/formulary/proposals',
  'formulary-history': '/formulary/history',
  import: '/formulary/import',
  'essential-share': '/formulary/essential-share',
  consortia: '/admin/consortia',
  institutions: '/admin/institutions',
  users: '/admin/users',
  audit: '/admin/audit',
};

type Who = Pick<Me, 'roles' | 'consortium'>;

const has = (me: Who, ...roles: Role[]) => roles.some((r) => me.roles.includes(r));

/**
 * Whether the user may open a page. Mirrors the server's policies in the API
 * contract; the server still decides, this only avoids dead links.
 */
export function canUse(key: MenuKey, me: Who): boolean {
  const inConsortium = me.consortium != null;
  switch (key) {
    case 'formulary':
    case 'formulary-history':
    case 'essential-share':
      return inConsortium;
    case 'proposals':
      return inConsortium && has(me, 'committee', 'auditor');
    case 'import':
      return inConsortium && has(me, 'committee');
    case 'consortia':
      return has(me, 'system_admin');
    case 'institutions':
    case 'users':
      return has(me, 'system_admin') || (inConsortium && has(me, 'consortium_admin', 'auditor'));
    case 'audit':
      return has(me, 'system_admin') || (inConsortium && has(me, 'auditor'));
  }
}

/** The menu entries a user sees, grouped; empty groups are dropped. */
export function menuFor(me: Who): { group: 'formulary' | 'admin'; keys: MenuKey[] }[] {
  return MENU_GROUPS.map((g) => ({ group: g.group, keys: g.keys.filter((k) => canUse(k, me)) })).filter(
    (g) => g.keys.length > 0,
  );
}

/** Flat list of visible menu keys. */
export function visibleMenuKeys(me: Who): MenuKey[] {
  return menuFor(me).flatMap((g) => g.keys);
}

/** Where to land after sign-in: the first page the user may use. */
export function homePath(me: Who): string {
  const first = visibleMenuKeys(me)[0];
  return first ? MENU_PATHS[first] : '/welcome';
}

/** Committee members change the formulary. */
export const isCommittee = (me: Who) => has(me, 'committee');
/** Who may change institutions and users (auditor reads only). */
export const canManageOrg = (me: Who) => has(me, 'system_admin', 'consortium_admin');
/** Who may change the essential-medicine targets. */
export const canEditTargets = (me: Who) => has(me, 'committee', 'consortium_admin');
export const isSystemAdmin = (me: Who) => has(me, 'system_admin');
