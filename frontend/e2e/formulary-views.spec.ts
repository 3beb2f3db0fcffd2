import { expect, test } from '@playwright/test';
import { signIn } from './helpers';

test('a village clinic sees what its level may use, and all with a switch, outside entries marked', async ({ page }) => {
  await signIn(page, 'demo-village');
  await page.getByTestId('menu-formulary').click();
  await expect(page.getByTestId('filter-level')).toContainText('本机构可用（村卫生室）');
  await expect(page.getByTestId('entry-row').first()).toBeVisible();
  await expect(page.getByTestId('out-of-scope')).toHaveCount(0);
  const mine = await (await page.request.get('/api/v1/formulary?limit=1&level=village')).json();
  const all = await (await page.request.get('/api/v1/formulary?limit=1')).json();
  expect(all.total).toBeGreaterThan(mine.total);
  await expect(page.getByTestId('list-count')).toContainText(String(mine.total));
  // The switch: everything, with what the clinic may not use marked.
  await page.getByTestId('filter-level').click();
  await page.getByTitle('全部（标出超出本机构范围的）').click();
  await expect(page.getByTestId('list-count')).toContainText(String(all.total));
  await expect(page.getByTestId('out-of-scope').first()).toBeVisible();
});

test('names are in pinyin order, syllable by syllable: 阿卡波糖 before 艾司奥美拉唑', async ({ page }) => {
  await signIn(page, 'demo-committee-1');
  await page.getByTestId('menu-formulary').click();
  const names = page.getByTestId('entry-row').locator('td:first-child strong');
  await expect(names.first()).toBeVisible();
  const texts = await names.allTextContents();
  const acarbose = texts.indexOf('阿卡波糖');
  const esomeprazole = texts.findIndex((n) => n.startsWith('艾司奥美拉唑'));
  expect(acarbose).toBeGreaterThanOrEqual(0);
  expect(esomeprazole).toBeGreaterThan(acarbose);
});

test('print holds the whole filtered list, not the rows loaded; export holds the filters', async ({ page }) => {
  await signIn(page, 'demo-committee-1');
  await page.goto('/formulary?essential=true');
  await expect(page.getByTestId('entry-row').first()).toBeVisible();
  const listed = await (await page.request.get('/api/v1/formulary?limit=1&essential=true&level=lead')).json();
  expect(listed.total).toBeGreaterThan(50); // more than one screen
  await page.getByTestId('print-list').click();
  await expect(page).toHaveURL(/\/formulary\/print\?essential=true/);
  await expect(page.getByTestId('print-row')).toHaveCount(listed.total);
  await expect(page.getByTestId('print-heading')).toContainText(`共 ${listed.total} 条`);
  await expect(page.getByTestId('print-heading')).toContainText('仅基药');
  // The export link carries the same filters.
  await page.goBack();
  await page.getByTestId('export-menu').hover();
  const href = await page.getByTestId('export-csv').getAttribute('href');
  expect(href).toContain('essential=true');
  const csv = await (await page.request.get(href!)).text();
  expect(csv.trim().split('\n').length - 1).toBe(listed.total);
});
