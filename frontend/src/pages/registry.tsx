/**
 * The one list of the web app's pages: path, menu group, icon, label and the action a user
 * needs to see it. The sider menu, the routes, the selected menu item and the landing page
 * after sign-in are all derived from it. Who may perform an action comes from the server
 * (`actions` of `GET /api/v1/me`), never from a copy of its policy table here.
 *
 * A new page is one entry; a new menu group is a new `group` name on an entry plus its
 * title `menu.group.<group>` in both locale files.
 */
import { lazy, type ComponentType, type ReactNode } from 'react';
import {
  ApartmentOutlined,
  AuditOutlined,
  BankOutlined,
  CarryOutOutlined,
  DatabaseOutlined,
  ExportOutlined,
  ImportOutlined,
  WarningOutlined,
  CloudUploadOutlined,
  FieldTimeOutlined,
  MedicineBoxOutlined,
  PieChartOutlined,
  SolutionOutlined,
  TeamOutlined,
  ShopOutlined,
  FileProtectOutlined,
  CalendarOutlined,
  ShoppingCartOutlined,
  CheckSquareOutlined,
  FileDoneOutlined,
  LineChartOutlined,
  InboxOutlined,
  LockOutlined,
  PartitionOutlined,
} from '@ant-design/icons';
import type { Action, Me } from '../api/types';
import { can } from '../lib/can';

interface BaseEntry {
  /** Stable name; the menu item's test id is `menu-<key>`. */
  key: string;
  /** Absolute path of the route (may hold `:params` for a deep page). */
  path: string;
  /** What the user must be allowed to do (from `/me`) to open the page. */
  action: Action;
  /** The page component (lazy for its own chunk, or direct). */
  element: ComponentType;
}

/** A page of the sider menu. */
export interface MenuEntry extends BaseEntry {
  menu?: true;
  /** Menu group; its title is the locale key `menu.group.<group>`. */
  group: string;
  icon: ReactNode;
  /** Locale key of the menu label. */
  labelKey: string;
}

/** A deep page reached from another (entry detail, proposal form): routed and guarded, not in the menu. */
export interface DeepEntry extends BaseEntry {
  menu: false;
}

export type PageEntry = MenuEntry | DeepEntry;

/** Every page, menu pages in display order. */
export const PAGES: readonly PageEntry[] = [
  {
    key: 'formulary',
    path: '/formulary',
    group: 'formulary',
    icon: <MedicineBoxOutlined />,
    labelKey: 'menu.formulary',
    action: 'read_formulary',
    element: lazy(() => import('./formulary/FormularyList')),
  },
  {
    key: 'proposals',
    path: '/formulary/proposals',
    group: 'formulary',
    icon: <SolutionOutlined />,
    labelKey: 'menu.proposals',
    action: 'read_formulary',
    element: lazy(() => import('./formulary/Proposals')),
  },
  {
    key: 'formulary-history',
    path: '/formulary/history',
    group: 'formulary',
    icon: <FieldTimeOutlined />,
    labelKey: 'menu.history',
    action: 'read_formulary',
    element: lazy(() => import('./formulary/History')),
  },
  {
    key: 'import',
    path: '/formulary/import',
    group: 'formulary',
    icon: <CloudUploadOutlined />,
    labelKey: 'menu.import',
    action: 'propose_formulary',
    element: lazy(() => import('./formulary/ImportWizard')),
  },
  {
    key: 'essential-share',
    path: '/formulary/essential-share',
    group: 'formulary',
    icon: <PieChartOutlined />,
    labelKey: 'menu.essentialShare',
    action: 'read_formulary',
    element: lazy(() => import('./formulary/EssentialShare')),
  },
  {
    key: 'stock',
    path: '/stock',
    group: 'stock',
    icon: <DatabaseOutlined />,
    labelKey: 'menu.stock',
    action: 'read_stock',
    element: lazy(() => import('./stock/StockList')),
  },
  {
    key: 'stocktakes',
    path: '/stock/stocktakes',
    group: 'stock',
    icon: <CarryOutOutlined />,
    labelKey: 'menu.stocktakes',
    action: 'read_stock',
    element: lazy(() => import('./stock/Stocktakes')),
  },
  {
    key: 'consumption',
    path: '/stock/consumption',
    group: 'stock',
    icon: <ExportOutlined />,
    labelKey: 'menu.consumption',
    action: 'read_stock',
    element: lazy(() => import('./stock/Consumption')),
  },
  {
    key: 'expiry',
    path: '/stock/expiry',
    group: 'stock',
    icon: <WarningOutlined />,
    labelKey: 'menu.expiry',
    action: 'read_stock',
    element: lazy(() => import('./stock/Expiry')),
  },
  {
    key: 'opening',
    path: '/stock/opening',
    group: 'stock',
    icon: <ImportOutlined />,
    labelKey: 'menu.opening',
    action: 'record_stock',
    element: lazy(() => import('./stock/OpeningImport')),
  },
  {
    key: 'orders',
    path: '/procurement/orders',
    group: 'procurement',
    icon: <ShoppingCartOutlined />,
    labelKey: 'menu.orders',
    action: 'read_procurement',
    element: lazy(() => import('./procurement/Orders')),
  },
  {
    key: 'review',
    path: '/procurement/review',
    group: 'procurement',
    icon: <CheckSquareOutlined />,
    labelKey: 'menu.review',
    action: 'manage_procurement',
    element: lazy(() => import('./procurement/Review')),
  },
  {
    key: 'purchase-orders',
    path: '/procurement/purchase-orders',
    group: 'procurement',
    icon: <FileDoneOutlined />,
    labelKey: 'menu.purchaseOrders',
    action: 'read_purchase_orders',
    element: lazy(() => import('./procurement/PurchaseOrders')),
  },
  {
    key: 'vbp',
    path: '/procurement/vbp',
    group: 'procurement',
    icon: <LineChartOutlined />,
    labelKey: 'menu.vbp',
    action: 'read_procurement',
    element: lazy(() => import('./procurement/VbpProgress')),
  },
  {
    key: 'suppliers',
    path: '/procurement/suppliers',
    group: 'procurement',
    icon: <ShopOutlined />,
    labelKey: 'menu.suppliers',
    action: 'read_procurement',
    element: lazy(() => import('./procurement/Suppliers')),
  },
  {
    key: 'contracts',
    path: '/procurement/contracts',
    group: 'procurement',
    icon: <FileProtectOutlined />,
    labelKey: 'menu.contracts',
    action: 'read_procurement',
    element: lazy(() => import('./procurement/Contracts')),
  },
  {
    key: 'cycles',
    path: '/procurement/cycles',
    group: 'procurement',
    icon: <CalendarOutlined />,
    labelKey: 'menu.cycles',
    action: 'read_procurement',
    element: lazy(() => import('./procurement/Cycles')),
  },
  {
    key: 'receipts',
    path: '/distribution/receipts',
    group: 'distribution',
    icon: <InboxOutlined />,
    labelKey: 'menu.receipts',
    action: 'read_distribution',
    element: lazy(() => import('./distribution/Receipts')),
  },
  {
    key: 'lot-holds',
    path: '/distribution/lot-holds',
    group: 'distribution',
    icon: <LockOutlined />,
    labelKey: 'menu.lotHolds',
    action: 'read_distribution',
    element: lazy(() => import('./distribution/LotHolds')),
  },
  {
    key: 'back-orders',
    path: '/distribution/back-orders',
    group: 'distribution',
    icon: <PartitionOutlined />,
    labelKey: 'menu.backOrders',
    action: 'read_allocations',
    element: lazy(() => import('./distribution/BackOrders')),
  },
  {
    key: 'order',
    path: '/procurement/orders/:id',
    menu: false,
    action: 'read_procurement',
    element: lazy(() => import('./procurement/OrderDetail')),
  },
  {
    key: 'aggregate',
    path: '/procurement/purchase-orders/new',
    menu: false,
    action: 'manage_procurement',
    element: lazy(() => import('./procurement/Aggregate')),
  },
  {
    key: 'purchase-order',
    path: '/procurement/purchase-orders/:id',
    menu: false,
    action: 'read_purchase_orders',
    element: lazy(() => import('./procurement/PurchaseOrderDetail')),
  },
  {
    key: 'receive',
    path: '/procurement/purchase-orders/:id/receive',
    menu: false,
    action: 'receive_goods',
    element: lazy(() => import('./distribution/Receive')),
  },
  {
    key: 'receipt',
    path: '/distribution/receipts/:id',
    menu: false,
    action: 'read_distribution',
    element: lazy(() => import('./distribution/ReceiptDetail')),
  },
  {
    key: 'contract-import',
    path: '/procurement/contracts/import',
    menu: false,
    action: 'manage_procurement',
    element: lazy(() => import('./procurement/ContractImport')),
  },
  {
    key: 'contract',
    path: '/procurement/contracts/:id',
    menu: false,
    action: 'read_procurement',
    element: lazy(() => import('./procurement/ContractDetail')),
  },
  {
    key: 'stock-card',
    path: '/stock/card/:institution/:entry',
    menu: false,
    action: 'read_stock',
    element: lazy(() => import('./stock/StockCard')),
  },
  {
    key: 'stocktake',
    path: '/stock/stocktakes/:id',
    menu: false,
    action: 'read_stock',
    element: lazy(() => import('./stock/StocktakeDetail')),
  },
  {
    key: 'stocktake-print',
    path: '/stock/stocktakes/:id/print',
    menu: false,
    action: 'read_stock',
    element: lazy(() => import('./stock/StocktakePrint')),
  },
  {
    key: 'propose',
    path: '/formulary/propose/:kind',
    menu: false,
    action: 'propose_formulary',
    element: lazy(() => import('./formulary/ProposalForm')),
  },
  {
    key: 'print',
    path: '/formulary/print',
    menu: false,
    action: 'read_formulary',
    element: lazy(() => import('./formulary/PrintList')),
  },
  {
    key: 'entry',
    path: '/formulary/:id',
    menu: false,
    action: 'read_formulary',
    element: lazy(() => import('./formulary/EntryDetail')),
  },
  {
    key: 'consortia',
    path: '/admin/consortia',
    group: 'admin',
    icon: <BankOutlined />,
    labelKey: 'menu.consortia',
    action: 'manage_consortia',
    element: lazy(() => import('./admin/Consortia')),
  },
  {
    key: 'institutions',
    path: '/admin/institutions',
    group: 'admin',
    icon: <ApartmentOutlined />,
    labelKey: 'menu.institutions',
    action: 'read_organisation',
    element: lazy(() => import('./admin/Institutions')),
  },
  {
    key: 'users',
    path: '/admin/users',
    group: 'admin',
    icon: <TeamOutlined />,
    labelKey: 'menu.users',
    action: 'read_organisation',
    element: lazy(() => import('./admin/Users')),
  },
  {
    key: 'audit',
    path: '/admin/audit',
    group: 'admin',
    icon: <AuditOutlined />,
    labelKey: 'menu.audit',
    action: 'read_audit',
    element: lazy(() => import('./admin/Audit')),
  },
];

/** Where a user lands who may see no page of the menu. */
export const WELCOME_PATH = '/welcome';

type Who = Pick<Me, 'actions'>;

export const isMenuEntry = (p: PageEntry): p is MenuEntry => p.menu !== false;

/** Locale key of a menu group's title. */
export const groupLabelKey = (group: string): string => `menu.group.${group}`;

export interface MenuGroup {
  group: string;
  labelKey: string;
  entries: MenuEntry[];
}

/** The menu groups in order of their first entry, each with its entries in registry order. */
export function allMenuGroups(pages: readonly PageEntry[] = PAGES): MenuGroup[] {
  const groups = new Map<string, MenuGroup>();
  for (const p of pages) {
    if (!isMenuEntry(p)) continue;
    let g = groups.get(p.group);
    if (!g) {
      g = { group: p.group, labelKey: groupLabelKey(p.group), entries: [] };
      groups.set(p.group, g);
    }
    g.entries.push(p);
  }
  return [...groups.values()];
}

/** The menu a user sees: entries whose action the user may perform; empty groups dropped. */
export function menuGroups(me: Who, pages: readonly PageEntry[] = PAGES): MenuGroup[] {
  return allMenuGroups(pages)
    .map((g) => ({ ...g, entries: g.entries.filter((p) => can(me, p.action)) }))
    .filter((g) => g.entries.length > 0);
}

/** The menu entries a user sees, flat, in display order. */
export function visibleMenuEntries(me: Who, pages: readonly PageEntry[] = PAGES): MenuEntry[] {
  return menuGroups(me, pages).flatMap((g) => g.entries);
}

/** Where to land after sign-in: the first menu page the user may see, else the welcome page. */
export function landingPath(me: Who, pages: readonly PageEntry[] = PAGES): string {
  return visibleMenuEntries(me, pages)[0]?.path ?? WELCOME_PATH;
}

/** The menu key whose path is the longest prefix of the location (deep pages select their parent). */
export function selectedMenuKey(pathname: string, pages: readonly PageEntry[] = PAGES): string | undefined {
  let best: string | undefined;
  let len = 0;
  for (const p of pages) {
    if (!isMenuEntry(p)) continue;
    if ((pathname === p.path || pathname.startsWith(`${p.path}/`)) && p.path.length > len) {
      best = p.key;
      len = p.path.length;
    }
  }
  return best;
}

/**
 * The paths of menu groups whose pages all sit below one first segment that is not itself
 * a page (`/admin` for `/admin/users`, …): visiting it opens the group's first page the
 * user may see.
 */
export function groupHomes(pages: readonly PageEntry[] = PAGES): { path: string; group: string }[] {
  const paths = new Set(pages.map((p) => p.path));
  const out: { path: string; group: string }[] = [];
  for (const g of allMenuGroups(pages)) {
    const first = g.entries.map((p) => p.path.split('/')[1]);
    const prefix = `/${first[0]}`;
    if (first.every((s) => s === first[0]) && !paths.has(prefix)) out.push({ path: prefix, group: g.group });
  }
  return out;
}

/** The first page of a group the user may see, if any. */
export function groupLandingPath(group: string, me: Who, pages: readonly PageEntry[] = PAGES): string | undefined {
  return menuGroups(me, pages).find((g) => g.group === group)?.entries[0]?.path;
}
