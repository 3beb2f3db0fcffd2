import { expect, test, type Page } from '@playwright/test';
import { signIn, signOut, unique } from './helpers';

const CSRF = { 'X-Tongyao-Csrf': '1' };
/** 独贵塔拉中心卫生院 (township), demo-pharmacist's institution. */
const INSTITUTION = 2;
/** 阿卡波糖 50mg, 30片/盒. */
const ENTRY = 53;

/** Cancel whatever stocktake an earlier run left unfinished at the institution (one at a time is allowed). */
async function cancelUnfinished(page: Page): Promise<void> {
  for (const status of ['counting', 'submitted']) {
    const res = await page.request.get(`/api/v1/stocktakes?institution_id=${INSTITUTION}&status=${status}&limit=200`);
    expect(res.ok(), await res.text()).toBeTruthy();
    for (const s of (await res.json()).items as { id: number; version: number }[]) {
      const cancelled = await page.request.post(`/api/v1/stocktakes/${s.id}/cancel`, {
        headers: CSRF,
        data: { version: s.version, note: '端到端测试：清理未完成的盘点' },
      });
      expect(cancelled.ok(), await cancelled.text()).toBeTruthy();
    }
  }
}

test('stocktake with a difference approved by a second person', async ({ page }) => {
  // Two users, a whole count sheet: longer than one page's test.
  test.setTimeout(150_000);
  await signIn(page, 'demo-pharmacist');
  await cancelUnfinished(page);

  // A lot of our own: 300 片 = 10盒.
  const lot = unique('ST');
  const opened = await page.request.post('/api/v1/stock/movements', {
    headers: CSRF,
    data: {
      institution_id: INSTITUTION,
      movements: [{ entry_id: ENTRY, lot_no: lot, expiry: '2029-06-30', kind: 'opening', quantity: 300 }],
    },
  });
  expect(opened.ok(), await opened.text()).toBeTruthy();

  // Start a stocktake in the UI (one institution: no picker).
  await page.getByTestId('menu-stocktakes').click();
  await expect(page).toHaveURL(/\/stock\/stocktakes$/);
  await page.getByTestId('start-stocktake').click();
  await expect(page.getByTestId('start-institution')).toBeHidden();
  await page.getByTestId('start-note').fill('端到端测试：月末盘点');
  await page.getByTestId('start-confirm').click();
  await expect(page).toHaveURL(/\/stock\/stocktakes\/\d+$/);
  const status = page.getByTestId('detail-status').getByTestId('stocktake-status');
  const id = Number(/\/stock\/stocktakes\/(\d+)$/.exec(page.url())![1]);
  await expect(status).toHaveAttribute('data-status', 'counting');

  // Our lot: counted 2 less than the book (9盒+28片 = 298), lost.
  await page.getByTestId('line-search').locator('input').fill(lot);
  const row = page.locator(`[data-testid="line-row"][data-lot="${lot}"]`);
  await expect(row).toBeVisible();
  await expect(page.getByTestId('line-row')).toHaveCount(1);
  await expect(row.getByTestId('line-book')).toHaveAttribute('data-quantity', '300');
  await row.getByTestId('count-packs').fill('9');
  await row.getByTestId('count-units').fill('28');
  await expect(row.getByTestId('line-diff')).toHaveAttribute('data-diff', '-2');
  await row.getByTestId('count-reason').click();
  await page.locator('.ant-select-item-option', { hasText: '丢失' }).click();
  await expect(row.getByTestId('count-reason')).toContainText('丢失');

  // Every other line as on the book.
  await page.getByTestId('line-search').locator('input').fill('');
  const { lines } = await (await page.request.get(`/api/v1/stocktakes/${id}`)).json();
  if (lines > 1) {
    await expect(page.getByTestId('fill-book')).toBeEnabled();
    await page.getByTestId('fill-book').click();
    // The confirmation pops up with an animation, and a click during it can miss (seen on a
    // loaded machine): click until it has closed. Filling twice changes nothing.
    const confirm = page.getByTestId('fill-confirm');
    await expect(async () => {
      if (await confirm.isVisible()) await confirm.click({ timeout: 2_000 });
      await expect(confirm).toBeHidden({ timeout: 2_000 });
    }).toPass({ timeout: 20_000 });
  }
  await expect(page.getByTestId('view-uncounted')).toHaveText(/\s0$/);
  await page.getByTestId('save-counts').click();
  await expect(page.getByTestId('save-counts')).toBeDisabled();

  const saved = await (await page.request.get(`/api/v1/stocktakes/${id}`)).json();
  expect(saved.counted).toBe(saved.lines);
  const ours = saved.items.find((l: { lot_no: string }) => l.lot_no === lot);
  expect(ours).toMatchObject({ counted: 298, difference: -2, reason: 'loss' });

  await page.getByTestId('submit').click();
  await page.getByTestId('submit-confirm').click();
  await expect(status).toHaveAttribute('data-status', 'submitted');
  // The submitter does not approve their own stocktake.
  await expect(page.getByTestId('second-person')).toBeVisible();
  await expect(page.getByTestId('approve')).toHaveCount(0);
  await signOut(page);

  // A second person approves.
  await signIn(page, 'demo-distribution');
  await page.goto(`/stock/stocktakes/${id}`);
  await expect(status).toHaveAttribute('data-status', 'submitted');
  await page.getByTestId('approve').click();
  await expect(page.getByTestId('approve-differences')).toContainText(lot);
  await page.getByTestId('decide-confirm').click();
  await expect(status).toHaveAttribute('data-status', 'approved');
  await expect(page.getByTestId('decided-by')).toBeVisible();

  // The lot is 2 less.
  const stock = await (
    await page.request.get(`/api/v1/stock?institution_id=${INSTITUTION}&entry_id=${ENTRY}&limit=200`)
  ).json();
  const line = stock.items.find((l: { lot_no: string }) => l.lot_no === lot);
  expect(line?.quantity).toBe(298);
});
