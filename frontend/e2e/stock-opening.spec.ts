import { expect, test, type Page } from '@playwright/test';
import { signIn, unique } from './helpers';

const HEADER = '条目编号,药品名称,规格,生产企业,医保药品代码,批号,有效期至,整包数量,拆零数量(最小单位)';

/** The server's calendar day (it may run on a fixed day) shifted by `days`, as YYYY-MM-DD. */
function shift(today: string, days: number): string {
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** A CSV as Excel saves it for Chinese users: UTF-8 with a byte-order mark. */
const csvFile = (name: string, rows: string[]) => ({
  name,
  mimeType: 'text/csv',
  buffer: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from([HEADER, ...rows].join('\r\n') + '\r\n', 'utf-8')]),
});

async function upload(page: Page, file: ReturnType<typeof csvFile>) {
  const checked = page.waitForResponse((r) => r.url().includes('/api/v1/stock/opening?') && r.request().method() === 'POST');
  await page.locator('input[type=file]').setInputFiles(file);
  return (await checked).json();
}

test('opening stock import dry run', async ({ page }) => {
  await signIn(page, 'demo-village');
  const me = await (await page.request.get('/api/v1/me')).json();
  const entry = (await (await page.request.get('/api/v1/formulary?level=village&limit=1')).json()).items[0];
  const lot = unique('OPEN');
  const good = `${entry.id},${entry.generic_name_zh},,,,${lot},${shift(me.today, 365)},2,`;
  const rows = [
    good,
    `99999999,不存在的药品,,,,${lot}X,${shift(me.today, 365)},1,`,
    `${entry.id},${entry.generic_name_zh},,,,${lot}P,${shift(me.today, -30)},1,`,
    `${entry.id},${entry.generic_name_zh},,,,${lot}N,${shift(me.today, 365)},-1,`,
  ];

  await page.goto('/stock/opening');
  // The village clinic is the user's only institution: no picker, its name and the template.
  await expect(page.getByTestId('opening-institution-name')).toContainText('DGTL-1');
  await expect(page.getByTestId('opening-template')).toHaveAttribute('href', `/api/v1/stock/opening/template?institution_id=${me.institution.id}`);
  await page.getByTestId('opening-next').click();

  // A file with one good row and three bad ones: every problem by row and column, no import.
  const checked = await upload(page, csvFile('opening-bad.csv', rows));
  expect(checked.applied).toBe(false);
  const problems = page.getByTestId('opening-problems').getByTestId('import-error-row');
  await expect(problems).toHaveCount(3);
  for (const [i, [row, column]] of (
    [
      [3, '条目编号'],
      [4, '有效期至'],
      [5, '整包数量'],
    ] as const
  ).entries()) {
    await expect(problems.nth(i).locator('td').nth(0)).toHaveText(String(row));
    await expect(problems.nth(i).locator('td').nth(1)).toHaveText(column);
  }
  await expect(page.getByTestId('opening-line')).toHaveCount(1);
  await expect(page.getByTestId('opening-line')).toContainText(lot);
  await expect(page.getByTestId('opening-apply')).toBeDisabled();

  // Only the good row: no problem, imported.
  await page.getByTestId('opening-reupload').click();
  const clean = await upload(page, csvFile('opening-good.csv', [good]));
  expect(clean.problems).toEqual([]);
  await expect(page.getByTestId('opening-no-problems')).toBeVisible();
  await expect(page.getByTestId('opening-line')).toContainText('2');
  const apply = page.getByTestId('opening-apply');
  await expect(apply).toBeEnabled();
  const applied = page.waitForResponse((r) => r.url().includes('dry_run=false'));
  await apply.click();
  // Stock already recorded at the clinic (by another test, by hand): the user confirms.
  if (clean.existing_movements > 0) await page.getByTestId('opening-confirm-ok').click();
  expect((await applied).status()).toBe(200);
  await expect(page.getByTestId('opening-done')).toBeVisible();
  await expect(page.getByTestId('opening-view-stock')).toHaveAttribute('href', `/stock?institution_id=${me.institution.id}`);

  // The lot is on hand: 2 packs.
  const stock = await (await page.request.get(`/api/v1/stock?institution_id=${me.institution.id}&entry_id=${entry.id}`)).json();
  const line = stock.items.find((l: { lot_no: string }) => l.lot_no === lot);
  expect(line.quantity).toBe(2 * entry.pack_size);
});
