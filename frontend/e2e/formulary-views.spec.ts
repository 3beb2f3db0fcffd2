import { expect, test } from '@playwright/test';
import { signIn, signOut } from './helpers';

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
  const names = page.getByTestId('entry-row').getByTestId('entry-name');
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

test('a reviewer sees the product in full, the present value, the price flag, and every item of a batch', async ({ page }) => {
  await signIn(page, 'demo-committee-1');
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  // A price change beyond the threshold on one product.
  const entry = (await (await page.request.get('/api/v1/formulary?limit=1&q=aspl')).json()).items[0];
  const big = await page.request.post('/api/v1/formulary/proposals', {
    headers: { 'X-Tongyao-Csrf': '1' },
    data: { kind: 'amend', entry_id: entry.id, fields: { unit_price: String((Number(entry.unit_price) * 2).toFixed(2)) }, reason: '端到端测试：翻倍', effective_date: today },
  });
  expect(big.status()).toBe(201);
  const bigId = (await big.json()).id;
  // A batch of 30 new products, more than the inbox lists with a proposal.
  const header =
    '条目编号,通用名,英文名,剂型,给药途径,规格,最小单位,包装数量,包装单位,生产企业,批准文号,医保药品代码,ATC编码,单价(元/包装),国家基本药物,省增补,集采中选,医保类别,特殊管理,抗菌药物分级,储存条件,最低使用层级,长处方,延伸处方,状态';
  const stamp = String(Date.now()).slice(-6);
  const rows = Array.from({ length: 30 }, (_, n) =>
    `,审阅批量片${stamp}${n},,片剂,口服,${n + 1}mg,片,28,盒,审阅制药,国药准字H${stamp.slice(-4)}${String(n).padStart(4, '0')},,,9.90,否,否,否,乙,无,非抗菌药,常温,牵头医院,否,否,在用`,
  );
  const imported = await page.request.post('/api/v1/formulary/imports?dry_run=false', {
    headers: { 'X-Tongyao-Csrf': '1' },
    multipart: {
      file: { name: 'batch.csv', mimeType: 'text/csv', buffer: Buffer.from([header, ...rows].join('\n'), 'utf-8') },
      reason: '端到端测试：批量新增',
      effective_date: today,
    },
  });
  expect(imported.status(), await imported.text()).toBe(200);
  const batchId = (await imported.json()).proposal_id;
  await signOut(page);

  await signIn(page, 'demo-committee-2');
  await page.goto('/formulary/proposals?status=pending');
  await expect(page.getByTestId(`price-flag-${bigId}`)).toBeVisible();
  await page.getByTestId(`approve-${bigId}`).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('proposal-item')).toContainText(`${entry.generic_name_zh} ${entry.strength} ${entry.dosage_form} · ${entry.manufacturer}`);
  await expect(dialog.getByTestId('price-flag')).toContainText('+100.0%');
  await expect(dialog.getByTestId('value-now')).toBeVisible();
  await expect(dialog).toContainText('端到端测试：翻倍');
  await dialog.getByRole('button', { name: /取\s*消/ }).click();

  await page.getByTestId(`approve-${batchId}`).click();
  await expect(dialog.getByTestId('proposal-items-shown')).toContainText('30');
  await expect(dialog.getByTestId('proposal-item')).toHaveCount(30);
  await expect(dialog.getByTestId('proposal-item').first()).toContainText('审阅制药');
});

test('the list filters as you type, rows answer the keyboard, and selected rows make one batch proposal', async ({ page }) => {
  await signIn(page, 'demo-committee-1');
  await page.getByTestId('menu-formulary').click();
  // Search as you type: no Enter needed.
  await page.getByTestId('formulary-search').locator('input').pressSequentially('tbfx', { delay: 60 });
  await expect(page).toHaveURL(/q=tbfx/);
  const rows = page.getByTestId('entry-row');
  await expect(rows.first()).toContainText('头孢呋辛');
  const n = await rows.count();
  for (let i = 0; i < n; i++) await expect(rows.nth(i)).toContainText('头孢呋辛');
  expect(n).toBeGreaterThanOrEqual(2);
  // Keyboard: focus a row, ↓ moves to the next, Enter opens it.
  await rows.first().focus();
  await page.keyboard.press('ArrowDown');
  await expect(rows.nth(1)).toBeFocused();
  const second = await rows.nth(1).getByTestId('entry-name').innerText();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/formulary\/\d+/);
  await expect(page.getByRole('heading').first()).toContainText(second);
  await page.goBack();
  // Select two rows: one batch proposal suspending both.
  await rows.nth(0).locator('.ant-checkbox-input').check();
  await rows.nth(1).locator('.ant-checkbox-input').check();
  await expect(page.getByTestId('batch-bar')).toContainText('已选 2 项');
  await page.getByTestId('batch-suspend').click();
  await expect(page.getByTestId('batch-list').locator('div')).toHaveCount(2);
  await page.getByTestId('batch-reason').fill('端到端测试：批量暂停');
  await page.getByTestId('batch-submit').click();
  await expect(page).toHaveURL(/\/formulary\/proposals\?status=pending&highlight=\d+/);
  const id = new URL(page.url()).searchParams.get('highlight');
  await expect(page.getByTestId(`proposal-row-${id}`)).toContainText('批量');
  await expect(page.getByTestId(`proposal-items-${id}`).getByTestId('proposal-item')).toHaveCount(2);
});

test('the list\u2019s fixed name column stays under the page header when scrolled', async ({ page }) => {
  await signIn(page, 'demo-village');
  await page.getByTestId('menu-formulary').click();
  await expect(page.getByTestId('entry-row').first()).toBeVisible();
  await page.mouse.wheel(0, 400);
  await page.waitForTimeout(300);
  // Whatever the page scrolled beneath it, the header is on top where it is drawn.
  const onTop = await page.evaluate(() => {
    const header = document.querySelector('.app-header') as HTMLElement;
    const box = header.getBoundingClientRect();
    const points = [0.1, 0.2, 0.3, 0.5].map((x) => [box.left + box.width * x, box.top + box.height / 2]);
    return points.every(([x, y]) => header.contains(document.elementFromPoint(x, y)));
  });
  expect(onTop).toBe(true);
});

test('sortable columns: the server orders the whole list by price, both ways', async ({ page }) => {
  await signIn(page, 'demo-committee-1');
  await page.getByTestId('menu-formulary').click();
  await expect(page.getByTestId('entry-row').first()).toBeVisible();
  const prices = async () =>
    (await page.getByTestId('entry-row').locator('td .num').allInnerTexts())
      .map((s) => Number(s.replace(/[¥,]/g, '')))
      .filter((n) => Number.isFinite(n));
  await page.getByRole('columnheader', { name: /单价/ }).click();
  await expect(page).toHaveURL(/sort=price(&|$)/);
  const cheapest = (await (await page.request.get('/api/v1/formulary?limit=1&sort=price&level=lead')).json()).items[0];
  await expect(page.getByTestId('entry-row').first()).toContainText(cheapest.generic_name_zh);
  const up = await prices();
  expect(up.length).toBeGreaterThan(10);
  expect([...up].sort((a, b) => a - b)).toEqual(up);
  await page.getByRole('columnheader', { name: /单价/ }).click();
  await expect(page).toHaveURL(/sort=price_desc/);
  await expect(async () => {
    const down = await prices();
    expect(down.length).toBeGreaterThan(10);
    expect([...down].sort((a, b) => b - a)).toEqual(down);
  }).toPass();
});
