import { expect, type Page } from '@playwright/test';

export const PASSWORD = 'tongyao-demo';

export const MENU_IDS = [
  'menu-formulary',
  'menu-proposals',
  'menu-formulary-history',
  'menu-import',
  'menu-essential-share',
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
  await page.getByTestId('user-menu').click();
  // Wait for the server's answer to the sign-out itself, so that a slow machine shows up as a
  // slow request (with its own, longer allowance) and not as a page that did not move.
  const answered = page.waitForResponse(
    (r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'DELETE',
    { timeout: 30_000 },
  );
  await page.getByTestId('sign-out').click();
  const answer = await answered;
  expect(answer.status(), 'the sign-out request').toBeLessThan(300);
  await expect(page).toHaveURL(/\/login/);
}

/** A name no earlier run has used (the database may outlive one run). */
export function unique(prefix: string): string {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(2, 14);
  return `${prefix}${stamp}${Math.floor(Math.random() * 90 + 10)}`;
}
