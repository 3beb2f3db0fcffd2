import { describe, expect, it } from 'vitest';
import type { Me, Role } from '../api/types';
import { canUse, homePath, visibleMenuKeys, type MenuKey } from '../lib/menu';

const consortium = { id: 1, name: '示范县医共体' };
const who = (roles: Role[], inConsortium = true): Pick<Me, 'roles' | 'consortium'> => ({
  roles,
  consortium: inConsortium ? consortium : null,
});

const READ: MenuKey[] = ['formulary', 'formulary-history', 'essential-share'];

describe('role → menu', () => {
  const cases: [string, Pick<Me, 'roles' | 'consortium'>, MenuKey[]][] = [
    ['system admin without a consortium', who(['system_admin'], false), ['consortia', 'institutions', 'users', 'audit']],
    ['consortium admin', who(['consortium_admin']), [...READ, 'institutions', 'users']],
    ['committee', who(['committee']), ['formulary', 'proposals', 'formulary-history', 'import', 'essential-share']],
    ['procurement', who(['procurement']), READ],
    ['distribution', who(['distribution']), READ],
    ['pharmacist', who(['pharmacist']), READ],
    ['prescriber', who(['prescriber']), READ],
    ['auditor', who(['auditor']), ['formulary', 'proposals', 'formulary-history', 'essential-share', 'institutions', 'users', 'audit']],
  ];

  it.each(cases)('%s sees exactly its pages', (_name, me, expected) => {
    expect(new Set(visibleMenuKeys(me))).toEqual(new Set(expected));
  });

  it('keeps display order: formulary group first', () => {
    expect(visibleMenuKeys(who(['committee', 'consortium_admin']))).toEqual([
      'formulary',
      'proposals',
      'formulary-history',
      'import',
      'essential-share',
      'institutions',
      'users',
    ]);
  });

  it('shows no formulary pages to someone outside any consortium', () => {
    expect(canUse('formulary', who(['committee'], false))).toBe(false);
    expect(canUse('import', who(['committee'], false))).toBe(false);
    expect(visibleMenuKeys(who(['pharmacist'], false))).toEqual([]);
  });

  it('lands each user on a page they may use', () => {
    expect(homePath(who(['system_admin'], false))).toBe('/admin/consortia');
    expect(homePath(who(['pharmacist']))).toBe('/formulary');
    expect(homePath(who([], false))).toBe('/welcome');
  });

  it('does not give import to the auditor nor proposals to a pharmacist', () => {
    expect(canUse('import', who(['auditor']))).toBe(false);
    expect(canUse('proposals', who(['pharmacist']))).toBe(false);
    expect(canUse('audit', who(['consortium_admin']))).toBe(false);
    expect(canUse('consortia', who(['consortium_admin']))).toBe(false);
  });
});
