import { expect, test, type Page } from '@playwright/test';
import { signIn, signOut, unique } from './helpers';

/** The text box of the type-ahead (the test id sits on its wrapper). */
const searchInput = (page: Page) => page.getByTestId('formulary-search').locator('input');

/** Fill the add-proposal form with a complete, valid product. */
async function fillNewEntry(page: Page, name: string) {
  await page.getByTestId('field-generic_name_zh').fill(name);
  await page.getByTestId('field-generic_name_en').fill('E2E Testamine');
  await page.getByTestId('field-dosage_form').fill('片剂');
  await page.getByTestId('field-manufacturer').fill('端到端测试药业有限公司');
  const digits = String(Date.now()).slice(-8);
  await page.getByTestId('field-approval_number').fill(`国药准字H${digits}`);
  await page.getByTestId('field-strength').fill('10mg');
  await page.getByTestId('field-base_unit').fill('片');
  await page.getByTestId('field-pack_size').fill('28');
  await page.getByTestId('field-pack_unit').fill('盒');
  await page.getByTestId('field-unit_price').fill('12.50');
  await page.getByTestId('field-reason').fill('端到端测试：新增品种');
}

test.describe.serial('a new entry goes through the committee (F1 four eyes)', () => {
  const name = unique('测试片E');
  let proposalId = '';

  test('committee member 1 proposes a new entry', async ({ page }) => {
    await signIn(page, 'demo-committee-1');
    await page.getByTestId('menu-formulary').click();
    await page.getByTestId('propose-add').click();
    await expect(page.getByTestId('proposal-form')).toBeVisible();
    await fillNewEntry(page, name);
    await page.getByTestId('proposal-submit').click();
    await expect(page).toHaveURL(/\/formulary\/proposals\?status=pending&highlight=\d+/);
    proposalId = new URL(page.url()).searchParams.get('highlight') ?? '';
    expect(proposalId).toMatch(/^\d+$/);
    await expect(page.getByTestId(`proposal-row-${proposalId}`)).toContainText(name);
  });

  test('member 1 cannot approve their own proposal', async ({ page }) => {
    await signIn(page, 'demo-committee-1');
    await page.goto('/formulary/proposals?status=pending');
    const row = page.getByTestId(`proposal-row-${proposalId}`);
    await expect(row).toContainText(name);
    await expect(page.getByTestId(`approve-${proposalId}`)).toBeDisabled();
    await expect(page.getByTestId(`withdraw-${proposalId}`)).toBeVisible();
  });

  test('the server refuses a self-approval with rule F1', async ({ page }) => {
    await signIn(page, 'demo-committee-1');
    // Bypass the disabled button: the server is the authority.
    const res = await page.request.post(`/api/v1/formulary/proposals/${proposalId}/approve`, {
      headers: { 'X-Tongyao-Csrf': '1' },
      data: {},
    });
    expect(res.status()).toBe(403);
    expect((await res.json()).rule).toBe('F1');
  });

  test('member 2 approves it and it appears in the list', async ({ page }) => {
    await signIn(page, 'demo-committee-2');
    await page.getByTestId('menu-proposals').click();
    await expect(page.getByTestId(`proposal-row-${proposalId}`)).toContainText(name);
    await page.getByTestId(`approve-${proposalId}`).click();
    await page.getByTestId('approve-note').fill('同意');
    await page.getByTestId('approve-confirm').click();
    await expect(page.getByText(`提议 #${proposalId} 已批准`)).toBeVisible();
    await expect(page.getByTestId(`proposal-row-${proposalId}`)).toHaveCount(0);

    await page.getByTestId('menu-formulary').click();
    await searchInput(page).fill(name);
    await searchInput(page).press('Enter');
    const row = page.getByTestId('entry-row').filter({ hasText: name });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('28片/盒');
    await expect(row).toContainText('在用');

    // The detail page shows the decision in the timeline.
    await row.click();
    await expect(page.getByRole('heading', { name: new RegExp(name) })).toBeVisible();
    await expect(page.getByTestId('timeline-event').first()).toContainText('已批准');
    await expect(page.getByTestId('timeline-event').first()).toContainText('药事委员 王芳');
  });
});

test('typing pinyin initials shows 阿莫西林 products in the dropdown', async ({ page }) => {
  await signIn(page, 'demo-pharmacist');
  await page.getByTestId('menu-formulary').click();
  await searchInput(page).pressSequentially('amxl', { delay: 40 });
  const option = page.getByTestId('search-option').first();
  await expect(option).toBeVisible();
  await expect(option).toContainText('阿莫西林');
  const options = page.getByTestId('search-option');
  const n = await options.count();
  for (let i = 0; i < n; i++) await expect(options.nth(i)).toContainText('阿莫西林');
});

const HEADER = [
  '条目编号', '通用名', '英文名', '剂型', '给药途径', '规格', '最小单位', '包装数量', '包装单位', '生产企业',
  '批准文号', '医保药品代码', 'ATC编码', '单价(元/包装)', '国家基本药物', '省增补', '集采中选', '医保类别',
  '特殊管理', '抗菌药物分级', '储存条件', '最低使用层级', '长处方', '延伸处方', '状态',
];

function csvRow(name: string, approval: string): string {
  return [
    '', name, '', '片剂', '口服', '5mg', '片', '24', '盒', '导入测试制药有限公司',
    approval, '', '', '8.80', '否', '否', '否', '乙',
    '无', '非抗菌药', '常温', '村卫生室', '是', '否', '在用',
  ].join(',');
}

test('an import with a bad approval number shows that row\u2019s error', async ({ page }) => {
  await signIn(page, 'demo-committee-1');
  await page.getByTestId('menu-import').click();
  await page.getByTestId('import-next').click();
  const good = unique('导入好片');
  const bad = unique('导入坏片');
  const csv = [HEADER.join(','), csvRow(good, `国药准字H${String(Date.now()).slice(-8)}`), csvRow(bad, '国药准字X123')].join('\r\n') + '\r\n';
  await page.locator('input[type=file]').setInputFiles({
    name: 'formulary-import.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(csv, 'utf-8'),
  });
  const errorRows = page.getByTestId('import-error-row');
  await expect(errorRows.first()).toBeVisible();
  const rowThree = errorRows.filter({ hasText: '批准文号' });
  await expect(rowThree).toHaveCount(1);
  await expect(rowThree.locator('td').first()).toHaveText('3');
  await expect(page.getByTestId('import-counts')).toContainText('总行数');
  // Errors block the apply step.
  await expect(page.getByTestId('import-to-apply')).toBeDisabled();
  await signOut(page);
});

test('two pending amendments of one entry: the list says so, and the stale one is refused with what changed', async ({ page }) => {
  // committee member 1 proposes two price changes of the same entry (through the API)
  await signIn(page, 'demo-committee-1');
  const list = await page.request.get('/api/v1/formulary?limit=1&q=amxl');
  const entry = (await list.json()).items[0];
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const ids: number[] = [];
  for (const price of ['3.01', '3.21']) {
    const res = await page.request.post('/api/v1/formulary/proposals', {
      headers: { 'X-Tongyao-Csrf': '1' },
      data: { kind: 'amend', entry_id: entry.id, fields: { unit_price: price }, reason: '端到端测试：调价', effective_date: today },
    });
    expect(res.status()).toBe(201);
    ids.push((await res.json()).id);
  }
  await signOut(page);

  await signIn(page, 'demo-committee-2');
  await page.goto('/formulary/proposals?status=pending');
  await expect(page.getByTestId(`other-pending-${ids[0]}`)).toContainText(`#${ids[1]}`);
  await expect(page.getByTestId(`other-pending-${ids[1]}`)).toContainText(`#${ids[0]}`);
  await page.getByTestId(`approve-${ids[0]}`).click();
  await page.getByTestId('approve-confirm').click();
  await expect(page.getByText(`提议 #${ids[0]} 已批准`)).toBeVisible();
  await page.getByTestId(`approve-${ids[1]}`).click();
  await page.getByTestId('approve-confirm').click();
  await expect(page.getByText('自提议以来已变更').first()).toBeVisible();
  // The change is named as people know the field, not by its code.
  await expect(page.getByText(/单价\(元\/包装\) [0-9.]+ → 3\.01/).first()).toBeVisible();
  await expect(page.getByText('unit_price')).toHaveCount(0);
});
