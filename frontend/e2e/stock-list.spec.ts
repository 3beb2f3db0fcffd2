import { expect, test, type Page } from '@playwright/test';
import { signIn } from './helpers';

const CSRF = { 'X-Tongyao-Csrf': '1' };

/** `YYYY-MM-DD` plus some days (calendar arithmetic, no time zone). */
function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

async function onHand(page: Page, institution: number, entry: number): Promise<number> {
  const r = await page.request.get(`/api/v1/stock?institution_id=${institution}&entry_id=${entry}&limit=200`);
  expect(r.status()).toBe(200);
  const lines: { quantity: number }[] = (await r.json()).items;
  return lines.reduce((s, l) => s + l.quantity, 0);
}

test('stock on hand: near-expiry lots tagged and filtered, the stock card with its balance, a reversal', async ({ page }) => {
  await signIn(page, 'demo-pharmacist');
  const me = await (await page.request.get('/api/v1/me')).json();
  const institution: number = me.institution.id;
  // 苯溴马隆 50mg, 10 片 a box, usable at a township health centre: found by its pinyin initials.
  const hits = (await (await page.request.get('/api/v1/formulary/search?q=bxml')).json()).items;
  const entry = hits.find((h: { entry: { generic_name_zh: string } }) => h.entry.generic_name_zh === '苯溴马隆').entry;
  const before = await onHand(page, institution, entry.id);

  const stamp = String(Date.now()).slice(-8);
  const nearLot = `EN${stamp}`;
  const farLot = `EF${stamp}`;
  const recorded = await page.request.post('/api/v1/stock/movements', {
    headers: CSRF,
    data: {
      institution_id: institution,
      movements: [
        { entry_id: entry.id, lot_no: nearLot, expiry: addDays(me.today, 60), kind: 'opening', quantity: 25 },
        { entry_id: entry.id, lot_no: farLot, expiry: addDays(me.today, 730), kind: 'opening', quantity: 40 },
      ],
    },
  });
  expect(recorded.status(), await recorded.text()).toBe(201);
  const moves: { id: number; quantity: number; lot_no: string }[] = await recorded.json();
  const newest = moves.reduce((a, b) => (b.id > a.id ? b : a));
  const total = before + 65;

  // The list, searched by pinyin initials: the near lot tagged, the other not.
  await page.getByTestId('menu-stock').click();
  await expect(page).toHaveURL(/\/stock$/);
  await page.getByTestId('stock-search').fill('bxml');
  await expect(page).toHaveURL(/q=bxml/);
  const nearRow = page.getByTestId('stock-row').filter({ hasText: nearLot });
  const farRow = page.getByTestId('stock-row').filter({ hasText: farLot });
  await expect(nearRow).toHaveCount(1);
  await expect(farRow).toHaveCount(1);
  await expect(nearRow.getByTestId('expiry-tag-near')).toBeVisible();
  await expect(nearRow.getByTestId('stock-quantity')).toContainText('2盒+5片');
  await expect(farRow.getByTestId('expiry-tag-ok')).toBeVisible();
  await expect(farRow.getByTestId('expiry-tag-near')).toHaveCount(0);
  await expect(farRow.getByTestId('stock-quantity')).toContainText('4盒');
  await expect(page.getByTestId('summary-near')).toBeVisible();

  // Near expiry only: in the URL, in the export, and nothing else listed.
  await page.getByTestId('expiry-near').click();
  await expect(page).toHaveURL(/expiry=near/);
  await expect(farRow).toHaveCount(0);
  await expect(nearRow).toHaveCount(1);
  await expect(page.locator('[data-testid="stock-row"]:not([data-expiry-state="near"])')).toHaveCount(0);
  const href = await page.getByTestId('export-stock').getAttribute('href');
  expect(href).toContain('expiry=near');
  expect(href).toContain('q=bxml');
  const exported = await page.request.get(href!);
  expect(exported.status()).toBe(200);
  // Back undoes the filter.
  await page.goBack();
  await expect(page).not.toHaveURL(/expiry=near/);
  await expect(farRow).toHaveCount(1);

  // The stock card: the total on hand, the newest movement with the balance after it.
  await nearRow.getByTestId('open-card').click();
  await expect(page).toHaveURL(new RegExp(`/stock/card/${institution}/${entry.id}`));
  await expect(page.getByTestId('card-on-hand')).toHaveAttribute('data-quantity', String(total));
  const newestRow = page.locator(`[data-testid="movement-row"][data-movement-id="${newest.id}"]`);
  await expect(newestRow.getByTestId('movement-balance')).toHaveAttribute('data-quantity', String(total));
  await expect(newestRow.getByTestId('movement-kind')).toHaveText('期初');
  expect(await page.getByTestId('export-movements').getAttribute('href')).toContain(`entry_id=${entry.id}`);

  // Reverse it: a reason is required; then the reversal row on top and the new balance.
  await newestRow.getByTestId(`reverse-${newest.id}`).click();
  await page.getByTestId('reverse-reason').fill('x');
  await page.getByTestId('reverse-confirm').click();
  await expect(page.getByText('请写明冲销原因（至少 2 个字）')).toBeVisible();
  await page.getByTestId('reverse-reason').fill('端到端测试：数量录入错误');
  await page.getByTestId('reverse-confirm').click();
  const reversal = page.getByTestId('movement-row').first();
  await expect(reversal.getByTestId('reversal-tag')).toContainText(`#${newest.id}`);
  await expect(reversal).toContainText('端到端测试：数量录入错误');
  await expect(reversal.getByTestId('movement-balance')).toHaveAttribute('data-quantity', String(total - newest.quantity));
  await expect(page.getByTestId('card-on-hand')).toHaveAttribute('data-quantity', String(total - newest.quantity));
  await expect(newestRow.getByTestId('reversed-tag')).toBeVisible();
  await expect(newestRow.getByTestId(`reverse-${newest.id}`)).toHaveCount(0);
});
