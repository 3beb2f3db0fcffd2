import { expect, test, type APIRequestContext } from '@playwright/test';
import { signIn, unique } from './helpers';

const CSRF = { 'X-Tongyao-Csrf': '1' };

interface Entry {
  id: number;
  generic_name_zh: string;
  strength: string;
  nhsa_code?: string | null;
  pack_size: number;
  pack_unit: string;
  base_unit: string;
  status: string;
}

async function json<T>(request: APIRequestContext, url: string): Promise<T> {
  const res = await request.get(url);
  expect(res.status(), `${url}: ${await res.text()}`).toBe(200);
  return (await res.json()) as T;
}

/** A product the clinic may use and holds no stock of (so first expiry first out sees only our lots). */
async function productWithoutStock(request: APIRequestContext, institution: number): Promise<Entry> {
  const held = new Set<number>();
  let cursor: string | null | undefined;
  do {
    const page = await json<{ items: { entry_id: number }[]; next_cursor?: string | null }>(
      request,
      `/api/v1/stock?institution_id=${institution}&include_empty=true&limit=200${cursor ? `&cursor=${cursor}` : ''}`,
    );
    page.items.forEach((l) => held.add(l.entry_id));
    cursor = page.next_cursor;
  } while (cursor);
  const entries = await json<{ items: Entry[] }>(request, '/api/v1/formulary?level=village&limit=200');
  const free = entries.items
    .filter((e) => e.status === 'active' && e.nhsa_code && e.pack_size > 1 && e.pack_unit !== e.base_unit && !held.has(e.id))
    .reverse();
  expect(free.length, 'a village product without stock at the clinic').toBeGreaterThan(0);
  return free[Math.floor(Math.random() * Math.min(free.length, 20))];
}

test('a village clinic records consumption first expiry first out, sees it in the history, and is refused more than it holds', async ({
  page,
}) => {
  await signIn(page, 'demo-village');
  const request = page.request;
  const me = await json<{ today: string }>(request, '/api/v1/me');
  const today = me.today;
  const institutions = await json<{ id: number; code: string; may_record: boolean }[]>(request, '/api/v1/stock/institutions');
  const clinic = institutions.find((i) => i.code === 'DGTL-1');
  expect(clinic?.may_record).toBe(true);
  const entry = await productWithoutStock(request, clinic!.id);
  const ps = entry.pack_size;

  // Opening stock: a small lot expiring first, a larger one later.
  const plus = (days: number) => {
    const d = new Date(`${today}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  };
  const early = unique('CE');
  const late = unique('CL');
  const opened = await request.post('/api/v1/stock/movements', {
    headers: CSRF,
    data: {
      institution_id: clinic!.id,
      movements: [
        { entry_id: entry.id, lot_no: early, expiry: plus(240), kind: 'opening', quantity: ps },
        { entry_id: entry.id, lot_no: late, expiry: plus(600), kind: 'opening', quantity: 10 * ps },
      ],
    },
  });
  expect(opened.status(), await opened.text()).toBe(201);
  const before = await json<{ items: { quantity: number }[] }>(
    request,
    `/api/v1/consumption?institution_id=${clinic!.id}&entry_id=${entry.id}&from=${today}&to=${today}`,
  );
  const earlier = before.items.reduce((s, r) => s + r.quantity, 0);

  await page.getByTestId('menu-consumption').click();
  await expect(page).toHaveURL(/\/stock\/consumption/);
  await expect(page.getByTestId('tab-record')).toBeVisible();
  // One institution: no picker.
  await expect(page.getByTestId('consumption-institution')).toHaveCount(0);

  // 2 packs + 3 loose units: more than the early lot holds, no lot chosen.
  const picker = page.getByTestId('consumption-picker');
  await picker.getByTestId('formulary-search').locator('input').fill(entry.nhsa_code!);
  await page.getByTestId('search-option').first().click();
  await expect(page.getByTestId('consumption-on-hand')).toContainText(`11${entry.pack_unit}`);
  // Focus went to the quantity: type without clicking, Enter adds the line.
  await page.keyboard.type('2');
  await page.getByTestId('consumption-units').fill('3');
  await page.getByTestId('consumption-units').press('Enter');
  await expect(page.getByTestId('consumption-line')).toHaveCount(1);
  await expect(page.getByTestId('line-quantity')).toContainText(`2${entry.pack_unit}+3${entry.base_unit}`);
  await page.getByTestId('consumption-submit').click();

  const result = page.getByTestId('consumption-result');
  await expect(result).toBeVisible();
  await expect(page.getByTestId('consumption-result-line')).toHaveCount(2);
  await expect(page.getByTestId('consumption-result-line').nth(0)).toContainText(early);
  await expect(page.getByTestId('consumption-result-line').nth(0)).toContainText(`1${entry.pack_unit}`);
  await expect(page.getByTestId('consumption-result-line').nth(1)).toContainText(late);
  await expect(page.getByTestId('consumption-result-line').nth(1)).toContainText(`1${entry.pack_unit}+3${entry.base_unit}`);
  await expect(page.getByTestId('consumption-line')).toHaveCount(0);

  // The history: today's row of the product with the quantity.
  await page.getByTestId('tab-history').click();
  await page.getByTestId('history-product-filter').getByTestId('formulary-search').locator('input').fill(entry.nhsa_code!);
  await page.getByTestId('search-option').first().click();
  await expect(page.getByTestId('history-product-tag')).toContainText(entry.generic_name_zh);
  const row = page.getByTestId('history-row').first();
  await expect(row.getByTestId('history-period')).toHaveText(today);
  await expect(row.getByTestId('history-quantity')).toHaveText(`${earlier + 2 * ps + 3}${entry.base_unit}`);
  const href = await page.getByTestId('export-consumption').getAttribute('href');
  expect(href).toContain(`entry_id=${entry.id}`);
  expect(href).toContain(`to=${today}`);
  const xlsx = await request.get(href!);
  expect(xlsx.status()).toBe(200);

  // More than is left (9 packs - 3 units): refused by rule D6, naming what there is.
  await page.getByTestId('tab-record').click();
  await picker.getByTestId('formulary-search').locator('input').fill(entry.nhsa_code!);
  await page.getByTestId('search-option').first().click();
  await expect(page.getByTestId('consumption-on-hand')).toContainText(`8${entry.pack_unit}+${ps - 3}${entry.base_unit}`);
  await page.keyboard.type('9');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('line-over')).toBeVisible();
  await page.getByTestId('consumption-submit').click();
  const refusal = page.getByTestId('error-alert');
  await expect(refusal).toContainText('D6');
  await expect(refusal).toContainText(late);
  await expect(refusal).toContainText(String(9 * ps - 3));
  // Nothing was taken: the line stays for the user to correct.
  await expect(page.getByTestId('consumption-line')).toHaveCount(1);
});
