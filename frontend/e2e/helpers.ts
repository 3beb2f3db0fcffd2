import { expect, type Page, type Response } from '@playwright/test';

export const PASSWORD = 'tongyao-demo';

export const MENU_IDS = [
  'menu-formulary',
  'menu-proposals',
  'menu-formulary-history',
  'menu-import',
  'menu-essential-share',
  'menu-stock',
  'menu-stocktakes',
  'menu-consumption',
  'menu-expiry',
  'menu-opening',
  'menu-orders',
  'menu-suppliers',
  'menu-contracts',
  'menu-cycles',
  'menu-review',
  'menu-purchase-orders',
  'menu-vbp',
  'menu-receipts',
  'menu-lot-holds',
  'menu-consortia',
  'menu-institutions',
  'menu-users',
  'menu-audit',
] as const;
export type MenuId = (typeof MENU_IDS)[number];

/** Sign in through the form and wait for the signed-in layout. */
export async function signIn(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.goto('/login');
  await page.getByTestId('signin-username').fill(username);
  await page.getByTestId('signin-password').fill(password);
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('user-menu')).toBeVisible();
}

export async function signOut(page: Page): Promise<void> {
  // Under a loaded CI machine a click on the menu item has been seen to send nothing (the menu
  // open, the click done, no request within 30 s; not reproduced unloaded). A person clicks
  // again; so does this helper, until the server has answered the sign-out.
  const signedOut = (r: Response) => r.url().endsWith('/api/v1/session') && r.request().method() === 'DELETE';
  await expect(async () => {
    if (/\/login/.test(page.url())) return;
    const answered = page.waitForResponse(signedOut, { timeout: 8_000 }).catch(() => null);
    if (!(await page.getByTestId('sign-out').isVisible())) {
      await page.getByTestId('user-menu').click({ timeout: 8_000 });
    }
    await page.getByTestId('sign-out').click({ timeout: 8_000 });
    const answer = await answered;
    expect(answer, 'the server answered the sign-out').not.toBeNull();
    expect(answer!.status(), 'the sign-out request').toBeLessThan(300);
  }).toPass({ timeout: 45_000 });
  await expect(page).toHaveURL(/\/login/);
}

/** A name no earlier run has used (the database may outlive one run). */
export function unique(prefix: string): string {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(2, 14);
  return `${prefix}${stamp}${Math.floor(Math.random() * 90 + 10)}`;
}
