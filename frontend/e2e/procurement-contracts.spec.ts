import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { signIn, signOut, unique } from './helpers';

const CSRF = { 'X-Tongyao-Csrf': '1' };

/** 艾司唑仑 1mg: in the formulary, in no demo contract; found by its pinyin initials. */
const ENTRY = 249;
const INITIALS = 'aszl';
const PRODUCT = '艾司唑仑';
/** 国药控股内蒙古有限公司 and 华润鄂尔多斯医药有限公司 (demo suppliers). */
const SUPPLIER = '国药控股';
const OTHER_SUPPLIER = '华润';

interface Period {
  valid_from: string;
  valid_to: string;
}

/**
 * A calendar year (two or more after the server's today) in which the product has no contract
 * yet: each run takes the next free year, so the spec repeats on the same database.
 */
async function freeYear(request: APIRequestContext): Promise<number> {
  const me = await (await request.get('/api/v1/me')).json();
  const res = await request.get(`/api/v1/contracts?entry_id=${ENTRY}&limit=200`);
  expect(res.ok(), await res.text()).toBeTruthy();
  const taken = ((await res.json()).items as Period[]).map((c) => [c.valid_from, c.valid_to]);
  let year = Number(String(me.today).slice(0, 4)) + 2;
  while (taken.some(([from, to]) => from <= `${year}-12-31` && to >= `${year}-01-01`)) year++;
  return year;
}

async function pickSupplier(page: Page, name: string): Promise<void> {
  await expect(page.getByTestId('contract-form')).toBeVisible();
  await page.getByTestId('contract-supplier').click();
  await page.locator('.ant-select-item-option', { hasText: name }).first().click();
}

async function typeDate(page: Page, testId: string, value: string): Promise<void> {
  const input = page.getByTestId(testId).locator('input').or(page.locator(`input[data-testid="${testId}"]`)).first();
  await input.click();
  await input.fill(value);
  await input.press('Enter');
}

async function addProduct(page: Page, q: string, name: string): Promise<void> {
  const search = page.getByTestId('line-add').locator('input');
  await search.fill(q);
  await page.getByTestId('search-option').filter({ hasText: name }).first().click();
}

test('a volume-based contract: shares that do not add up, fixed and saved; a price changed; an overlapping contract refused; read only for a pharmacist', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await signIn(page, 'demo-procurement');
  const year = await freeYear(page.request);
  const contractNo = unique('E2E-JC-');

  // A new volume-based contract, typed from the keyboard.
  await page.getByTestId('menu-contracts').click();
  await expect(page).toHaveURL(/\/procurement\/contracts$/);
  await expect(page.getByTestId('contract-row').first()).toBeVisible();
  await page.getByTestId('contract-new').click();
  await expect(page).toHaveURL(/\/procurement\/contracts\/new$/);
  await pickSupplier(page, SUPPLIER);
  await page.getByTestId('contract-no-input').fill(contractNo);
  await page.getByTestId('kind-vbp').click();
  await typeDate(page, 'contract-from', `${year}-01-01`);
  // The last day follows: a year from the first.
  await expect(page.getByTestId('contract-to').locator('input').or(page.locator('input[data-testid="contract-to"]')).first()).toHaveValue(
    `${year}-12-31`,
  );
  await page.getByTestId('contract-note').fill('端到端测试：带量采购');

  await addProduct(page, INITIALS, PRODUCT);
  const row = page.locator(`[data-testid="line-row"][data-entry="${ENTRY}"]`);
  await expect(row).toBeVisible();
  // After the pick the price has the focus; Enter goes on to the annual volume, then the shares.
  await expect(row.getByTestId('line-price')).toBeFocused();
  await page.keyboard.type('2.35');
  await page.keyboard.press('Enter');
  await expect(row.getByTestId('line-annual')).toBeFocused();
  await page.keyboard.type('100');
  await page.keyboard.press('Enter');
  const grid = page.getByTestId('vbp-grid');
  await expect(grid).toBeVisible();
  await expect(grid.getByTestId('vbp-share').first()).toBeFocused();
  for (const packs of ['40', '30', '20']) {
    await page.keyboard.type(packs);
    await page.keyboard.press('Enter');
  }
  // 90 of 100: red, 10 short.
  const sum = row.getByTestId('vbp-sum');
  await expect(sum).toHaveAttribute('data-ok', 'false');
  await expect(sum).toHaveAttribute('data-diff', '10');
  await expect(grid.getByTestId('vbp-sum-panel')).toHaveAttribute('data-sum', '90');

  // Saving is refused until they add up (rule O5), saying by how much.
  await page.getByTestId('contract-save').click();
  await expect(page.getByTestId('lines-problems')).toBeVisible();
  await expect(page.getByTestId('lines-problems')).toContainText('90');
  await expect(page.getByTestId('lines-problems')).toContainText('10');
  await expect(page).toHaveURL(/\/new$/);

  // The fourth member takes the rest.
  const fourth = grid.getByTestId('vbp-share').nth(3);
  await fourth.fill('10');
  await expect(sum).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('lines-problems')).toBeHidden();
  await page.getByTestId('contract-save').click();
  await expect(page).toHaveURL(/\/procurement\/contracts\/\d+$/);
  const id = Number(/\/contracts\/(\d+)$/.exec(page.url())![1]);
  await expect(page.getByTestId('contract-title')).toContainText(contractNo);
  await expect(page.getByTestId('contract-header').getByTestId('contract-state')).toHaveAttribute('data-state', 'future');
  const saved = page.locator(`[data-testid="line-row"][data-entry="${ENTRY}"]`);
  await expect(saved.getByTestId('line-price-view')).toContainText('2.35');
  await expect(saved.getByTestId('line-annual-view')).toHaveText('100');

  const stored = await (await page.request.get(`/api/v1/contracts/${id}`)).json();
  expect(stored.kind).toBe('vbp');
  expect(stored.lines).toHaveLength(1);
  expect(stored.lines[0].annual_volume).toBe(100);
  expect(stored.lines[0].volumes.map((v: { packs: number }) => v.packs)).toEqual([40, 30, 20, 10]);

  // In the list of contracts not yet valid, found by its product.
  await page.getByTestId('menu-contracts').click();
  await page.getByTestId('filter-state-future').click();
  await page.getByTestId('filter-product').locator('input').fill(INITIALS);
  await page.getByTestId('search-option').filter({ hasText: PRODUCT }).first().click();
  await expect(page.getByTestId('filter-product-tag')).toBeVisible();
  const listed = page.locator(`[data-testid="contract-row"][data-contract-no="${contractNo}"]`);
  await expect(listed).toBeVisible();
  await expect(listed.getByTestId('contract-kind')).toHaveAttribute('data-kind', 'vbp');
  await expect(listed.getByTestId('contract-lines')).toHaveText('1');

  // A price changed.
  await listed.click();
  await expect(page).toHaveURL(new RegExp(`/procurement/contracts/${id}$`));
  await page.getByTestId('contract-edit').click();
  const price = page.locator(`[data-testid="line-row"][data-entry="${ENTRY}"]`).getByTestId('line-price');
  await price.fill('2.4');
  await page.getByTestId('contract-save').click();
  await expect(page.getByTestId('contract-edit')).toBeVisible();
  await expect(saved.getByTestId('line-price-view')).toContainText('2.40');
  const changed = await (await page.request.get(`/api/v1/contracts/${id}`)).json();
  expect(changed.version).toBe(stored.version + 1);
  expect(Number(changed.lines[0].price)).toBe(2.4);

  // Someone else saves it while it is being edited: told, and the stored contract reloaded.
  await page.getByTestId('contract-edit').click();
  const meanwhile = await page.request.put(`/api/v1/contracts/${id}`, {
    headers: CSRF,
    data: {
      version: changed.version,
      contract: {
        supplier_id: changed.supplier_id,
        contract_no: changed.contract_no,
        kind: changed.kind,
        valid_from: changed.valid_from,
        valid_to: changed.valid_to,
        note: '端到端测试：他人修改',
        lines: changed.lines.map((l: { entry_id: number; price: string; annual_volume: number; volumes: { institution_id: number; packs: number }[] }) => ({
          entry_id: l.entry_id,
          price: l.price,
          annual_volume: l.annual_volume,
          volumes: l.volumes.map((v) => ({ institution_id: v.institution_id, packs: v.packs })),
        })),
      },
    },
  });
  expect(meanwhile.ok(), await meanwhile.text()).toBeTruthy();
  await price.fill('2.5');
  await page.getByTestId('contract-save').click();
  await page.getByTestId('stale-reload').click();
  await expect(page.getByTestId('contract-note')).toHaveValue('端到端测试：他人修改');
  await expect(price).toHaveValue('2.40');
  await page.getByTestId('contract-cancel').click();
  await expect(page.getByTestId('contract-edit')).toBeVisible();

  // A second contract with the product over some of the same days: refused, naming the first.
  await page.getByTestId('menu-contracts').click();
  await page.getByTestId('contract-new').click();
  await pickSupplier(page, OTHER_SUPPLIER);
  await page.getByTestId('contract-no-input').fill(unique('E2E-PS-'));
  await typeDate(page, 'contract-from', `${year}-06-01`);
  await typeDate(page, 'contract-to', `${year}-09-30`);
  await addProduct(page, INITIALS, PRODUCT);
  await expect(page.getByTestId('line-price')).toBeFocused();
  await page.keyboard.type('2.10');
  await page.getByTestId('contract-save').click();
  await expect(page.getByTestId('error-alert')).toContainText(contractNo);
  await expect(page.locator(`[data-testid="line-row"][data-entry="${ENTRY}"]`).getByTestId('line-error')).toContainText(contractNo);
  await expect(page).toHaveURL(/\/new$/);
  await page.getByTestId('contract-cancel').click();
  await page.getByTestId('discard-confirm').click();
  await expect(page).toHaveURL(/\/procurement\/contracts$/);
  await signOut(page);

  // A member's pharmacist reads it: no way to change it.
  await signIn(page, 'demo-pharmacist');
  await page.getByTestId('menu-contracts').click();
  await expect(page.getByTestId('contract-row').first()).toBeVisible();
  await expect(page.getByTestId('contract-new')).toHaveCount(0);
  await expect(page.getByTestId('contract-import')).toHaveCount(0);
  await page.goto(`/procurement/contracts/${id}`);
  await expect(page.getByTestId('contract-title')).toContainText(contractNo);
  await expect(saved.getByTestId('line-price-view')).toContainText('2.40');
  await expect(page.getByTestId('contract-edit')).toHaveCount(0);
  await expect(page.getByTestId('contract-copy')).toHaveCount(0);
  // Their own share is shown beside the annual volume (the pharmacist's is the second member).
  await expect(saved.getByTestId('line-mine')).toHaveText('30');
});

/** The import (template, dry run with problems by row and column, apply). */
test('contracts imported from a file: checked first, then applied', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, 'demo-procurement');
  const year = (await freeYear(page.request)) + 1;

  const template = await page.request.get('/api/v1/contracts/template');
  expect(template.ok(), await template.text()).toBeTruthy();

  const suppliers = (await (await page.request.get('/api/v1/suppliers?active=true&limit=200')).json()).items as { uscc: string }[];
  const uscc = suppliers[0].uscc;
  const header = '合同编号,供应商统一社会信用代码,合同类型,起始日期,截止日期,条目编号,药品名称,规格,生产企业,医保药品代码,单价(元/包装),约定年采购量(包装)';
  const contractNo = unique('E2E-IM-');
  const csv = (price: string) =>
    `\uFEFF${header}\n${contractNo},${uscc},普通,${year}-01-01,${year}-12-31,${ENTRY},${PRODUCT},1mg,,,${price},\n`;

  await page.goto('/procurement/contracts');
  await page.getByTestId('contract-import').click();
  await expect(page).toHaveURL(/\/procurement\/contracts\/import$/);
  await expect(page.getByTestId('import-template')).toHaveAttribute('href', '/api/v1/contracts/template');

  // A price that is not a number: a problem at its row and column, nothing to apply.
  await page.getByTestId('import-file').locator('input[type=file]').setInputFiles({
    name: 'contracts.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(csv('abc'), 'utf-8'),
  });
  await page.getByTestId('import-dry-run').click();
  await expect(page.getByTestId('import-problem').first()).toBeVisible();
  await expect(page.getByTestId('import-problem').first()).toContainText('2');
  await expect(page.getByTestId('import-apply')).toBeDisabled();

  // Fixed: one contract would be created; applied.
  await page.getByTestId('import-reupload').click();
  await page.getByTestId('import-file').locator('input[type=file]').setInputFiles({
    name: 'contracts.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(csv('2.5'), 'utf-8'),
  });
  await page.getByTestId('import-dry-run').click();
  await expect(page.getByTestId('import-problem')).toHaveCount(0);
  await expect(page.locator(`[data-testid="import-contract"][data-contract-no="${contractNo}"]`)).toBeVisible();
  await page.getByTestId('import-apply').click();
  await page.getByTestId('import-apply-confirm').click();
  await expect(page.getByTestId('import-done')).toBeVisible();

  const found = await (await page.request.get(`/api/v1/contracts?q=${contractNo}&limit=10`)).json();
  expect(found.items.map((c: { contract_no: string }) => c.contract_no)).toContain(contractNo);
});
