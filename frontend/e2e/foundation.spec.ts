import { expect, test } from '@playwright/test';
import { MENU_IDS, signIn, signOut, type MenuId } from './helpers';

/** Everyone who reads the formulary (the server's `read_formulary`) sees its pages, proposals included. */
const READER: MenuId[] = ['menu-formulary', 'menu-proposals', 'menu-formulary-history', 'menu-essential-share'];
/** Who reads stock (`read_stock`) sees these; who records it (`record_stock`) also imports opening stock. */
const STOCK_READ: MenuId[] = ['menu-stock', 'menu-stocktakes', 'menu-consumption', 'menu-expiry'];
const STOCK: MenuId[] = [...STOCK_READ, 'menu-opening'];
/** Who reads procurement (`read_procurement`: every role of a consortium but the prescriber). */
const PROCUREMENT: MenuId[] = ['menu-orders', 'menu-suppliers', 'menu-contracts', 'menu-cycles', 'menu-vbp'];
/** Who reads purchase orders (`read_purchase_orders`): procurement, distribution, the consortium's administrator, the auditor. */
const PURCHASE_ORDERS: MenuId[] = ['menu-purchase-orders'];
/** Who reads distribution (`read_distribution`): distribution, procurement, the consortium's administrator, the auditor. */
const DISTRIBUTION: MenuId[] = ['menu-receipts', 'menu-lot-holds'];
const COMMITTEE: MenuId[] = [
  'menu-formulary',
  'menu-proposals',
  'menu-formulary-history',
  'menu-import',
  'menu-essential-share',
  ...PROCUREMENT,
];

/** What each demo account must see in the sider menu, and nothing else (from `actions` of /me). */
const EXPECTED: Record<string, MenuId[]> = {
  'demo-admin': ['menu-consortia', 'menu-institutions', 'menu-users', 'menu-audit'],
  'demo-consortium-admin': [...READER, ...STOCK_READ, ...PROCUREMENT, ...PURCHASE_ORDERS, ...DISTRIBUTION, 'menu-institutions', 'menu-users'],
  'demo-committee-1': COMMITTEE,
  'demo-committee-2': COMMITTEE,
  'demo-procurement': [...READER, ...STOCK_READ, ...PROCUREMENT, 'menu-review', ...PURCHASE_ORDERS, ...DISTRIBUTION],
  'demo-distribution': [...READER, ...STOCK, ...PROCUREMENT, ...PURCHASE_ORDERS, ...DISTRIBUTION],
  'demo-pharmacist': [...READER, ...STOCK, ...PROCUREMENT],
  'demo-village': [...READER, ...STOCK, ...PROCUREMENT],
  'demo-prescriber': READER,
  'demo-auditor': [
    'menu-formulary',
    'menu-proposals',
    'menu-formulary-history',
    'menu-essential-share',
    ...STOCK_READ,
    ...PROCUREMENT,
    ...PURCHASE_ORDERS,
    ...DISTRIBUTION,
    'menu-institutions',
    'menu-users',
    'menu-audit',
  ],
  'demo2-committee-1': COMMITTEE,
};

test.describe('menu by role', () => {
  for (const [username, expected] of Object.entries(EXPECTED)) {
    test(`${username} sees exactly its menu`, async ({ page }) => {
      await signIn(page, username);
      const menu = page.getByTestId('sider-menu');
      await expect(menu).toBeVisible();
      for (const id of MENU_IDS) {
        if (expected.includes(id)) await expect(page.getByTestId(id), `${username} should see ${id}`).toBeVisible();
        else await expect(page.getByTestId(id), `${username} should not see ${id}`).toHaveCount(0);
      }
      // Every visible item leads to a page that opens (no dead links).
      for (const id of expected) {
        await page.getByTestId(id).click();
        await expect(page.getByText('无权访问')).toHaveCount(0);
        await expect(page.getByText('页面不存在')).toHaveCount(0);
      }
    });
  }
});

test('the village pharmacist sees the formulary menu but not import nor administration', async ({ page }) => {
  await signIn(page, 'demo-village');
  await expect(page).toHaveURL(/\/formulary$/);
  await expect(page.getByTestId('menu-group-formulary')).toHaveText('目录');
  await expect(page.getByTestId('menu-formulary')).toBeVisible();
  await expect(page.getByTestId('menu-proposals')).toBeVisible();
  await expect(page.getByTestId('menu-import')).toHaveCount(0);
  await expect(page.getByTestId('menu-group-admin')).toHaveCount(0);
  for (const id of ['menu-consortia', 'menu-institutions', 'menu-users', 'menu-audit'] as const) {
    await expect(page.getByTestId(id)).toHaveCount(0);
  }
  // Reading only: no button to propose, no approve column.
  await expect(page.getByTestId('entry-row').first()).toBeVisible();
  await expect(page.getByTestId('propose-add')).toHaveCount(0);
  await page.getByTestId('menu-proposals').click();
  await expect(page.getByText('只读：您不能审批提议。')).toBeVisible();
  await expect(page.locator('[data-testid^="approve-"]')).toHaveCount(0);
});

test('the committee member sees import and may propose', async ({ page }) => {
  await signIn(page, 'demo-committee-1');
  await expect(page.getByTestId('menu-import')).toBeVisible();
  await expect(page.getByTestId('propose-add')).toBeVisible();
  await page.getByTestId('menu-import').click();
  await expect(page).toHaveURL(/\/formulary\/import$/);
  await expect(page.getByTestId('forbidden')).toHaveCount(0);
  await expect(page.getByTestId('menu-group-admin')).toHaveCount(0);
});

test('typing an administration address as the village pharmacist shows 403', async ({ page }) => {
  await signIn(page, 'demo-village');
  await page.goto('/admin/users');
  await expect(page.getByTestId('forbidden')).toBeVisible();
  await expect(page.getByText('无权访问')).toBeVisible();
  await expect(page.getByTestId('consortium-picker')).toHaveCount(0);
  await page.goto('/admin');
  await expect(page.getByTestId('forbidden')).toBeVisible();
  await page.goto('/formulary/propose/add');
  await expect(page.getByTestId('forbidden')).toBeVisible();
  await expect(page.getByTestId('proposal-form')).toHaveCount(0);
});

test('the administration group opens at its first page the user may see', async ({ page }) => {
  await signIn(page, 'demo-admin');
  await expect(page).toHaveURL(/\/admin\/consortia$/);
  await expect(page.getByTestId('menu-group-admin')).toHaveText('管理');
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/admin\/consortia$/);
  await signOut(page);
  await signIn(page, 'demo-consortium-admin');
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/admin\/institutions$/);
});

test('the header shows the user, institution and consortium', async ({ page }) => {
  await signIn(page, 'demo-pharmacist');
  await expect(page.getByTestId('header-user')).toHaveText('药师 周丽');
  await expect(page.getByTestId('header-institution')).toContainText('独贵塔拉中心卫生院');
  await expect(page.getByTestId('header-consortium')).toContainText('杭锦旗人民医院医共体');
});

test('a page the role may not use shows 403, not the page', async ({ page }) => {
  await signIn(page, 'demo-pharmacist');
  await page.goto('/formulary/import');
  await expect(page.getByText('无权访问')).toBeVisible();
  await page.goto('/admin/users');
  await expect(page.getByText('无权访问')).toBeVisible();
});

test('language switch to English is remembered after a reload', async ({ page }) => {
  await signIn(page, 'demo-committee-1');
  await expect(page.getByTestId('menu-formulary')).toHaveText('药品目录');
  await page.getByTestId('lang-en').click();
  await expect(page.getByTestId('menu-formulary')).toHaveText('Formulary');
  await expect(page.getByTestId('menu-proposals')).toHaveText('Proposals');
  await page.reload();
  await expect(page.getByTestId('menu-formulary')).toHaveText('Formulary');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.getByTestId('lang-zh').click();
  await expect(page.getByTestId('menu-formulary')).toHaveText('药品目录');
});

test('sign out returns to the sign-in page and the app stays closed', async ({ page }) => {
  await signIn(page, 'demo-prescriber');
  await signOut(page);
  await expect(page.getByTestId('signin-submit')).toBeVisible();
  await page.goto('/formulary');
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByTestId('signin-submit')).toBeVisible();
});

test('a deep link while signed out comes back after sign-in', async ({ page }) => {
  await page.goto('/formulary/essential-share');
  await expect(page).toHaveURL(/\/login\?next=/);
  await page.getByTestId('signin-username').fill('demo-pharmacist');
  await page.getByTestId('signin-password').fill('tongyao-demo');
  await page.getByTestId('signin-submit').click();
  await expect(page).toHaveURL(/\/formulary\/essential-share$/);
});

test('a wrong password shows an error and stays on the sign-in page', async ({ page }) => {
  await page.goto('/login');
  await page.getByTestId('signin-username').fill('demo-distribution');
  await page.getByTestId('signin-password').fill('not-the-password');
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('signin-error')).toBeVisible();
  await expect(page.getByTestId('signin-error')).toContainText('用户名或密码错误');
  await expect(page).toHaveURL(/\/login/);
  // The right password still works afterwards (one failure does not lock).
  await page.getByTestId('signin-password').fill('tongyao-demo');
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('user-menu')).toBeVisible();
});

test('a duplicate institution code is said under the field, not as "changed by someone else"', async ({ page }) => {
  await signIn(page, 'demo-consortium-admin');
  const existing = (await (await page.request.get('/api/v1/institutions')).json()).items[0];
  await page.getByTestId('menu-institutions').click();
  await page.getByTestId('institution-create').click();
  await page.getByTestId('institution-name').fill('重复编码卫生院');
  await page.getByTestId('institution-code').fill(existing.code);
  await page.getByTestId('institution-save').click();
  await expect(page.getByText(`编码 ${existing.code} 在本医共体已被其他机构使用，请换一个编码`).first()).toBeVisible();
  await expect(page.getByTestId('conflict-alert')).toHaveCount(0);
  await expect(page.getByText('数据已被他人修改')).toHaveCount(0);
});

test('the audit log names actions and objects in words', async ({ page }) => {
  await signIn(page, 'demo-auditor');
  await page.getByTestId('menu-audit').click();
  await expect(page.getByTestId('audit-action').first()).toBeVisible();
  await expect(page.getByTestId('audit-action').filter({ hasText: '登录' }).first()).toBeVisible();
  await expect(page.getByText('auth.sign_in', { exact: true })).toHaveCount(0);
  await expect(page.getByText('formulary.proposal_created', { exact: true })).toHaveCount(0);
});
