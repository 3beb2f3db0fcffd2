import { expect, test } from '@playwright/test';
import { signIn } from './helpers';

const line = (page: import('@playwright/test').Page, entry: string) => page.locator(`[data-testid="order-line"][data-entry="${entry}"]`);

test('an order goes to Excel and comes back from rows pasted out of Excel, problems first', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, 'demo-village');
  await page.goto('/procurement/orders');
  await page.getByTestId('order-new').click();
  await page.getByTestId('order-note').fill('E2E 表格导入');
  await page.getByTestId('order-create-ok').click();
  await expect(page).toHaveURL(/\/procurement\/orders\/\d+$/);
  await page.getByTestId('order-load-used').click();
  await expect(page.getByTestId('order-line').nth(2)).toBeVisible();
  const entries = await page.getByTestId('order-line').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-entry')!));
  const [a, b] = entries;

  // The export: an XLSX named after the order.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('order-export-xlsx').click()]);
  expect(download.suggestedFilename()).toMatch(/^请领单-.*\.xlsx$/);

  // Rows pasted from Excel: a typed quantity, a product taken off, an unknown entry and a bad
  // quantity. The check names each problem by row and column; nothing can be applied yet.
  await page.getByTestId('order-import').click();
  const paste = page.getByTestId('order-import-paste');
  await paste.fill(`条目编号\t请领量(包装)\n${a}\t9\n${b}\t0\n999999\t3\n${a}x\t-1\n`);
  await page.getByTestId('order-import-check').click();
  const report = page.getByTestId('order-import-report');
  await expect(report).toHaveAttribute('data-problems', '3');
  await expect(page.getByTestId('order-import-problems')).toContainText('999999');
  await expect(page.getByTestId('order-import-apply')).toBeDisabled();

  // Corrected: the check says what changes, and the import changes the grid.
  await paste.fill(`条目编号\t请领量(包装)\n${a}\t9\n${b}\t0\n`);
  await page.getByTestId('order-import-check').click();
  await expect(report).toHaveAttribute('data-problems', '0');
  await expect(page.getByTestId('order-import-changed')).toHaveText('1');
  await expect(page.getByTestId('order-import-removed')).toHaveText('1');
  await page.getByTestId('order-import-apply').click();
  await expect(page.getByTestId('order-import-report')).toHaveCount(0);
  await expect(line(page, b)).toHaveCount(0);
  const qty = page.locator(`input[data-testid="line-quantity"][data-entry="${a}"]`);
  await expect(qty).toHaveAttribute('data-typed', 'true');
  await expect(qty).toHaveValue('9');
});
