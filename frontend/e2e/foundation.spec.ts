import { expect, test } from '@playwright/test';
import { MENU_IDS, signIn, signOut, type MenuId } from './helpers';

const READER: MenuId[] = ['menu-formulary', 'menu-formulary-history', 'menu-essential-share'];
const COMMITTEE: MenuId[] = [
  'menu-formulary',
  'menu-proposals',
  'menu-formulary-history',
  'menu-import',
  'menu-essential-share',
];

/** What each demo account must see in the sider menu, and nothing else. */
const EXPECTED: Record<string, MenuId[]> = {
  'demo-admin': ['menu-consortia', 'menu-institutions', 'menu-users', 'menu-audit'],
  'demo-consortium-admin': [...READER, 'menu-institutions', 'menu-users'],
  'demo-committee-1': COMMITTEE,
  'demo-committee-2': COMMITTEE,
  'demo-procurement': READER,
  'demo-distribution': READER,
  'demo-pharmacist': READER,
  'demo-village': READER,
  'demo-prescriber': READER,
  'demo-auditor': [
    'menu-formulary',
    'menu-proposals',
    'menu-formulary-history',
    'menu-essential-share',
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
