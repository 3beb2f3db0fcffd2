import { expect, test } from '@playwright/test';
import { signIn, signOut } from './helpers';

const SHOTS = process.env.TONGYAO_E2E_SHOTS;
const shot = async (target: { screenshot: (o: { path: string; fullPage?: boolean }) => Promise<unknown> }, name: string) => {
  if (SHOTS) await target.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true }).catch(() => undefined);
};

test('the warehouse allocates first-expiry-first-out, ends a back order with a reason, and a member sees only its own', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, 'demo-distribution');
  await page.getByTestId('menu-group-distribution').click();
  await page.getByTestId('menu-back-orders').click();
  await expect(page).toHaveURL(/\/distribution\/back-orders/);
  await expect(page.getByTestId('back-orders-table')).toBeVisible();

  // Allocate now: the result says what was allocated and what is still short.
  await page.getByTestId('allocate-now').click();
  await expect(page.getByTestId('allocation-result')).toBeVisible();
  await expect(page.getByTestId('allocation-result-text')).not.toBeEmpty();
  await shot(page, 'back-orders-clerk');

  // The allocations: every one names a lot and a positive number of packs.
  await page.getByTestId('tab-allocations').click();
  await expect(page.getByTestId('allocations-table')).toBeVisible();
  const rows = page.getByTestId('alloc-row');
  await expect(rows.first()).toBeVisible();
  const quantities = await page.getByTestId('alloc-quantity').evaluateAll((xs) => xs.map((x) => Number(x.getAttribute('data-value'))));
  expect(quantities.every((q) => q > 0)).toBe(true);
  await shot(page, 'allocations-clerk');

  // Back orders: the current month's purchase order came in half, so some lines wait. The clerk
  // ends one (a one-letter reason is refused first).
  await page.getByTestId('tab-back-orders').click();
  await expect(page.getByTestId('bo-row').first(), 'the demo leaves lines waiting for the rest of a purchase order').toBeVisible();
  const reasons = await page.getByTestId('bo-reason').evaluateAll((xs) => xs.map((x) => x.getAttribute('data-reason')));
  expect(reasons.every((r) => ['no_stock', 'not_enough', 'held', 'short_dated', 'expired'].includes(r ?? ''))).toBe(true);
  const line = await page.getByTestId('bo-row').first().getAttribute('data-line');
  await page.getByTestId('bo-close').first().click();
  await page.getByTestId('close-reason').fill('停');
  await page.getByTestId('close-confirm').click();
  await expect(page.locator('.ant-form-item-explain-error')).toBeVisible();
  await page.getByTestId('close-reason').fill('供应商断货，改订替代品种');
  await shot(page, 'back-order-close');
  await page.getByTestId('close-confirm').click();
  await expect(page.locator(`[data-testid="bo-row"][data-line="${line}"]`)).toHaveCount(0);
  await signOut(page);

  // A village pharmacist sees their own institution's back orders only, and cannot allocate.
  await signIn(page, 'demo-village');
  await page.goto('/distribution/back-orders');
  await expect(page.getByTestId('back-orders-table')).toBeVisible();
  await expect(page.getByTestId('allocate-now')).toHaveCount(0);
  const members = await page.getByTestId('member').evaluateAll((xs) => [...new Set(xs.map((x) => x.firstChild?.textContent ?? ''))]);
  expect(members.length, `one institution only: ${members.join(', ')}`).toBeLessThanOrEqual(1);
});
