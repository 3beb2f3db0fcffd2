import { beforeAll, describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import i18n from '../i18n';
import zhCN from '../i18n/zh-CN';
import en from '../i18n/en';
import type { Action, Me } from '../api/types';
import { ME_KEY } from '../auth';
import { can } from '../lib/can';
import Guard from '../components/Guard';
import {
  PAGES,
  allMenuGroups,
  groupHomes,
  groupLandingPath,
  isMenuEntry,
  landingPath,
  menuGroups,
  selectedMenuKey,
  visibleMenuEntries,
  type PageEntry,
} from '../pages/registry';

/** Someone whose `/me` answered these actions. */
const who = (...actions: Action[]): Pick<Me, 'actions'> => ({ actions });
const keys = (me: Pick<Me, 'actions'>, pages?: readonly PageEntry[]) => visibleMenuEntries(me, pages).map((p) => p.key);

// What the server answers for the demo accounts' roles (api/src/auth/policy.rs); the web
// app never derives these itself.
const READER = who('read_formulary');
const COMMITTEE = who('read_formulary', 'propose_formulary', 'decide_formulary', 'set_formulary_targets');
const SYSTEM_ADMIN = who('manage_consortia', 'manage_organisation', 'read_organisation', 'read_audit');
const CONSORTIUM_ADMIN = who('manage_organisation', 'read_organisation', 'read_formulary', 'set_formulary_targets');
const AUDITOR = who('read_organisation', 'read_audit', 'read_formulary');
const NOBODY = who();

const FORMULARY_READ = ['formulary', 'proposals', 'formulary-history', 'essential-share'];

describe('page registry', () => {
  it('derives the menu groups from the entries, in order', () => {
    const groups = allMenuGroups();
    expect(groups.map((g) => g.group)).toEqual(['formulary', 'stock', 'procurement', 'distribution', 'admin']);
    expect(groups.map((g) => g.labelKey)).toEqual([
      'menu.group.formulary',
      'menu.group.stock',
      'menu.group.procurement',
      'menu.group.distribution',
      'menu.group.admin',
    ]);
    expect(groups[0].entries.map((p) => p.key)).toEqual(['formulary', 'proposals', 'formulary-history', 'import', 'essential-share']);
    expect(groups[1].entries.map((p) => p.key)).toEqual(['stock', 'stocktakes', 'consumption', 'expiry', 'opening']);
    expect(groups[2].entries.map((p) => p.key)).toEqual(['orders', 'review', 'purchase-orders', 'vbp', 'suppliers', 'contracts', 'cycles']);
    expect(groups[3].entries.map((p) => p.key)).toEqual(['receipts', 'lot-holds', 'back-orders']);
    expect(groups[4].entries.map((p) => p.key)).toEqual(['consortia', 'institutions', 'users', 'audit']);
  });

  it('keeps deep pages out of the menu but routes them', () => {
    const deep = PAGES.filter((p) => !isMenuEntry(p)).map((p) => p.key);
    expect(deep).toEqual(['order', 'aggregate', 'purchase-order', 'receive', 'receipt', 'contract-import', 'contract', 'stock-card', 'stocktake', 'stocktake-print', 'propose', 'print', 'entry']);
    const menuKeys = allMenuGroups().flatMap((g) => g.entries.map((p) => p.key));
    expect(menuKeys).not.toContain('entry');
    expect(menuKeys).not.toContain('propose');
  });

  it('has unique keys and paths', () => {
    expect(new Set(PAGES.map((p) => p.key)).size).toBe(PAGES.length);
    expect(new Set(PAGES.map((p) => p.path)).size).toBe(PAGES.length);
    for (const p of PAGES) expect(p.path.startsWith('/')).toBe(true);
  });

  it('has a title for every menu group and a label for every menu page in both languages', () => {
    const lookup = (res: unknown, key: string) =>
      key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), res);
    for (const g of allMenuGroups()) {
      for (const key of [g.labelKey, ...g.entries.map((p) => p.labelKey)]) {
        expect(typeof lookup(zhCN, key), `zh-CN ${key}`).toBe('string');
        expect(typeof lookup(en, key), `en ${key}`).toBe('string');
      }
    }
  });

  it('shows an entry of a new group without any other edit', () => {
    const Orders = () => null;
    const pages: PageEntry[] = [
      ...PAGES,
      { key: 'orders', path: '/orders/mine', group: 'orders', icon: null, labelKey: 'menu.orders', action: 'read_formulary', element: Orders },
      { key: 'orders-approve', path: '/orders/approve', group: 'orders', icon: null, labelKey: 'menu.ordersApprove', action: 'propose_formulary', element: Orders },
    ];
    expect(allMenuGroups(pages).map((g) => g.group)).toEqual(['formulary', 'stock', 'procurement', 'distribution', 'admin', 'orders']);
    expect(allMenuGroups(pages)[5].labelKey).toBe('menu.group.orders');
    const reader = menuGroups(READER, pages);
    expect(reader.map((g) => g.group)).toEqual(['formulary', 'orders']);
    expect(reader[1].entries.map((p) => p.key)).toEqual(['orders']);
    expect(keys(COMMITTEE, pages).slice(-2)).toEqual(['orders', 'orders-approve']);
    expect(selectedMenuKey('/orders/approve/42', pages)).toBe('orders-approve');
    expect(groupHomes(pages)).toContainEqual({ path: '/orders', group: 'orders' });
    expect(groupLandingPath('orders', READER, pages)).toBe('/orders/mine');
    // A group of its own in front of the others becomes the landing page.
    const first: PageEntry[] = [pages[pages.length - 1], ...PAGES];
    expect(allMenuGroups(first).map((g) => g.group)).toEqual(['orders', 'formulary', 'stock', 'procurement', 'distribution', 'admin']);
    expect(landingPath(COMMITTEE, first)).toBe('/orders/approve');
    expect(landingPath(READER, first)).toBe('/formulary');
  });

  it.each([
    ['reader (pharmacist, village doctor, …)', READER, FORMULARY_READ],
    ['committee member', COMMITTEE, ['formulary', 'proposals', 'formulary-history', 'import', 'essential-share']],
    ['system admin', SYSTEM_ADMIN, ['consortia', 'institutions', 'users', 'audit']],
    ['consortium admin', CONSORTIUM_ADMIN, [...FORMULARY_READ, 'institutions', 'users']],
    ['auditor', AUDITOR, [...FORMULARY_READ, 'institutions', 'users', 'audit']],
    ['distribution clerk (receipts and holds)', who('read_purchase_orders', 'read_distribution', 'receive_goods', 'hold_lots'), ['purchase-orders', 'receipts', 'lot-holds']],
    [
      'distribution clerk (receipts, holds, allocation)',
      who('read_purchase_orders', 'read_distribution', 'receive_goods', 'hold_lots', 'read_allocations', 'allocate_stock', 'close_back_orders'),
      ['purchase-orders', 'receipts', 'lot-holds', 'back-orders'],
    ],
    [
      'village pharmacist (formulary, own stock and orders, own back orders)',
      who('read_formulary', 'read_stock', 'record_stock', 'approve_stock', 'read_procurement', 'place_orders', 'read_allocations', 'close_back_orders'),
      [...FORMULARY_READ, 'stock', 'stocktakes', 'consumption', 'expiry', 'opening', 'orders', 'vbp', 'suppliers', 'contracts', 'cycles', 'back-orders'],
    ],
    ['someone with no actions', NOBODY, []],
  ])('shows the %s exactly the pages of its actions', (_name, me, expected) => {
    expect(keys(me)).toEqual(expected);
  });

  it('decides visibility by actions only, whatever the roles', () => {
    const me = { actions: ['read_audit'] as Action[], roles: ['committee' as const] };
    expect(keys(me)).toEqual(['audit']);
    expect(menuGroups(me).map((g) => g.group)).toEqual(['admin']);
  });

  it('lands each user on the first page they may see', () => {
    expect(landingPath(READER)).toBe('/formulary');
    expect(landingPath(COMMITTEE)).toBe('/formulary');
    expect(landingPath(SYSTEM_ADMIN)).toBe('/admin/consortia');
    expect(landingPath(who('read_organisation'))).toBe('/admin/institutions');
    expect(landingPath(NOBODY)).toBe('/welcome');
  });

  it('selects the menu key whose path is the longest prefix of the location', () => {
    expect(selectedMenuKey('/formulary')).toBe('formulary');
    expect(selectedMenuKey('/formulary/123')).toBe('formulary');
    expect(selectedMenuKey('/formulary/propose/add')).toBe('formulary');
    expect(selectedMenuKey('/formulary/history')).toBe('formulary-history');
    expect(selectedMenuKey('/formulary/history/2024-01-01')).toBe('formulary-history');
    expect(selectedMenuKey('/formulary/historyx')).toBe('formulary');
    expect(selectedMenuKey('/formulary/proposals')).toBe('proposals');
    expect(selectedMenuKey('/admin/users')).toBe('users');
    expect(selectedMenuKey('/procurement/purchase-orders/7/receive')).toBe('purchase-orders');
    expect(selectedMenuKey('/distribution/receipts/12')).toBe('receipts');
    expect(selectedMenuKey('/distribution/lot-holds')).toBe('lot-holds');
    expect(selectedMenuKey('/distribution/back-orders')).toBe('back-orders');
    expect(selectedMenuKey('/admin')).toBeUndefined();
    expect(selectedMenuKey('/formularyx')).toBeUndefined();
    expect(selectedMenuKey('/')).toBeUndefined();
  });

  it('opens a group’s own address at its first page the user may see', () => {
    expect(groupHomes()).toEqual([
      { path: '/procurement', group: 'procurement' },
      { path: '/distribution', group: 'distribution' },
      { path: '/admin', group: 'admin' },
    ]);
    expect(groupLandingPath('admin', SYSTEM_ADMIN)).toBe('/admin/consortia');
    expect(groupLandingPath('admin', CONSORTIUM_ADMIN)).toBe('/admin/institutions');
    expect(groupLandingPath('admin', READER)).toBeUndefined();
  });
});

describe('can', () => {
  it('answers from the actions of /me', () => {
    expect(can(COMMITTEE, 'propose_formulary')).toBe(true);
    expect(can(READER, 'propose_formulary')).toBe(false);
    expect(can(CONSORTIUM_ADMIN, 'set_formulary_targets')).toBe(true);
    expect(can(AUDITOR, 'manage_organisation')).toBe(false);
  });

  it('allows nothing to a user without actions', () => {
    expect(can(NOBODY, 'read_formulary')).toBe(false);
  });
});

describe('Guard', () => {
  beforeAll(async () => {
    await i18n.changeLanguage('zh-CN');
  });

  const me = (actions: Action[]): Me => ({ id: 1, username: 'u', display_name: 'U', roles: [], actions, today: '2027-01-01' });

  function renderGuarded(actions: Action[]) {
    const client = new QueryClient();
    client.setQueryData(ME_KEY, me(actions));
    render(
      <QueryClientProvider client={client}>
        <MemoryRouter>
          <Guard action="read_organisation">
            <div data-testid="page">page</div>
          </Guard>
        </MemoryRouter>
      </QueryClientProvider>,
    );
  }

  it('shows the page to a user who may perform its action', () => {
    renderGuarded(['read_organisation']);
    expect(screen.getByTestId('page')).toBeInTheDocument();
    expect(screen.queryByTestId('forbidden')).toBeNull();
  });

  it('shows 403 instead of the page otherwise', () => {
    renderGuarded(['read_formulary']);
    expect(screen.queryByTestId('page')).toBeNull();
    expect(screen.getByTestId('forbidden')).toHaveTextContent('无权访问');
  });
});
