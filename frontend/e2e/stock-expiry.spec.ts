import { expect, test } from '@playwright/test';
import { signIn, signOut, unique } from './helpers';

const CSRF = { 'X-Tongyao-Csrf': '1' };

/** The server's calendar day (it may run on a fixed day) shifted by `days`, as YYYY-MM-DD. */
function shift(today: string, days: number): string {
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

test('near-expiry flag and disposal approved by a second person', async ({ page }) => {
  // Two users sign in one after the other.
  test.setTimeout(120_000);
  await signIn(page, 'demo-pharmacist');
  const me = await (await page.request.get('/api/v1/me')).json();
  const institutionId: number = me.institution.id;
  const entry = (await (await page.request.get('/api/v1/formulary?level=township&limit=1')).json()).items[0];
  const near = unique('NEAR');
  const far = unique('FAR');
  const recorded = await page.request.post('/api/v1/stock/movements', {
    headers: CSRF,
    data: {
      institution_id: institutionId,
      movements: [
        { entry_id: entry.id, lot_no: near, expiry: shift(me.today, 30), kind: 'opening', quantity: 3 * entry.pack_size },
        { entry_id: entry.id, lot_no: far, expiry: shift(me.today, 730), kind: 'opening', quantity: 3 * entry.pack_size },
      ],
    },
  });
  expect(recorded.status()).toBe(201);
  const nearLot: number = (await recorded.json()).find((m: { lot_no: string }) => m.lot_no === near).lot_id;

  // The near-expiry list shows the lot expiring in 30 days, not the one expiring in two years.
  await page.goto('/stock/expiry');
  await expect(page.getByTestId('expiry-window')).toBeVisible();
  await page.getByTestId('expiry-search').fill(entry.generic_name_zh);
  const nearRow = page.getByTestId(`lot-row-${near}`);
  await expect(nearRow).toBeVisible();
  await expect(nearRow).toContainText('30');
  await expect(page.getByTestId(`lot-row-${far}`)).toHaveCount(0);

  // Ask for one pack of it to be disposed of as damaged.
  // A new search clears the selection: select once the search has settled (it is in the URL and
  // its answer is in).
  await expect(page).toHaveURL(/[?&]q=/);
  await page.waitForLoadState('networkidle');
  await nearRow.locator('input[type=checkbox]').check({ timeout: 10_000 });
  await expect(page.getByTestId('disposal-request')).toBeEnabled();
  await page.getByTestId('disposal-request').click();
  await expect(page.getByTestId('disposal-modal')).toBeVisible();
  await page.getByTestId('disposal-reason-damage').click();
  await page.getByTestId(`disposal-packs-${nearLot}`).fill('1');
  const units = page.getByTestId(`disposal-units-${nearLot}`);
  if (await units.count()) await units.fill('0');
  const requested = page.waitForResponse((r) => r.url().endsWith('/api/v1/stock/disposals') && r.request().method() === 'POST');
  await page.getByTestId('disposal-submit').click();
  const answer = await requested;
  expect(answer.status()).toBe(201);
  const disposal = await answer.json();
  expect(disposal.lines).toEqual([expect.objectContaining({ lot_id: nearLot, quantity: entry.pack_size })]);
  // Nothing moved yet; the requester may not approve it.
  await expect(page.getByTestId(`disposal-row-${disposal.id}`)).toBeVisible();
  await expect(page.getByTestId(`disposal-second-person-${disposal.id}`)).toBeVisible();
  await expect(page.getByTestId(`disposal-approve-${disposal.id}`)).toHaveCount(0);

  // A second person approves it.
  await signOut(page);
  await signIn(page, 'demo-distribution');
  await page.goto('/stock/expiry');
  await page.getByTestId('expiry-tab-disposals').click();
  await expect(page.getByTestId(`disposal-row-${disposal.id}`)).toBeVisible();
  await page.getByTestId(`disposal-approve-${disposal.id}`).click();
  await page.getByTestId('disposal-decide-ok').click();
  await page.getByTestId('disposal-status-filter').getByText('全部').click();
  await expect(page.getByTestId(`disposal-status-${disposal.id}`)).toHaveText('已批准');

  // The lot went down by one pack.
  const stock = await (await page.request.get(`/api/v1/stock?institution_id=${institutionId}&entry_id=${entry.id}`)).json();
  const line = stock.items.find((l: { lot_no: string }) => l.lot_no === near);
  expect(line.quantity).toBe(2 * entry.pack_size);
});
