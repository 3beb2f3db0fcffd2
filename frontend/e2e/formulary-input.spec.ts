import { expect, test, type Page } from '@playwright/test';
import { signIn, signOut } from './helpers';

/** The consortium's day (China) `offset` days from today, as the server counts it. */
function chinaDay(offset = 0): string {
  return new Date(Date.now() + 8 * 3600_000 + offset * 86_400_000).toISOString().slice(0, 10);
}

/** Type a date into an Ant Design date picker the way a user does, and leave the field. */
async function typeDate(page: Page, testId: string, value: string) {
  const input = page.getByTestId(testId);
  await input.click();
  await input.fill(value);
  await input.press('Enter');
}

test('absurd values in the proposal form are refused with a message, not changed', async ({ page }) => {
  await signIn(page, 'demo-committee-1');
  await page.getByTestId('menu-formulary').click();
  await page.getByTestId('propose-add').click();
  await expect(page.getByTestId('proposal-form')).toBeVisible();
  await page.getByTestId('field-pack_size').fill('0');
  await typeDate(page, 'field-effective_date', '2020-01-01');
  await page.getByTestId('proposal-submit').click();
  await expect(page.getByText('包装数量应为不小于 1 的整数')).toBeVisible();
  await expect(page.getByText(`生效日期不能早于今天（${chinaDay()}）`)).toBeVisible();
  // What the user typed is still there, not turned into 1 and today.
  await expect(page.getByTestId('field-pack_size')).toHaveValue('0');
  await expect(page.getByTestId('field-effective_date')).toHaveValue('2020-01-01');
  await typeDate(page, 'field-effective_date', '9999-12-31');
  await expect(page.getByText('生效日期太远：目录变更最晚可定在两年内')).toBeVisible();
  await expect(page.getByTestId('field-effective_date')).toHaveValue('9999-12-31');
  await expect(page).toHaveURL(/\/formulary\/propose\/add/);
});

test('a target of 150 % or −10 % is refused with a message, not clamped', async ({ page }) => {
  await signIn(page, 'demo-committee-1');
  await page.getByTestId('menu-essential-share').click();
  const primary = page.getByTestId('target-primary');
  await primary.fill('150');
  await page.getByTestId('targets-form').locator('button[type=submit]').click();
  await expect(page.getByText('乡镇/社区及村卫生室应在 0 到 100 之间')).toBeVisible();
  await expect(primary).toHaveValue('150');
  await primary.fill('-10');
  await page.getByTestId('targets-form').locator('button[type=submit]').click();
  await expect(page.getByText('乡镇/社区及村卫生室应在 0 到 100 之间')).toBeVisible();
  await expect(primary).toHaveValue('-10');
  // Nothing was saved.
  const settings = await (await page.request.get('/api/v1/formulary/settings')).json();
  expect(settings.essential_targets.primary).toBeGreaterThanOrEqual(0);
  expect(settings.essential_targets.primary).toBeLessThanOrEqual(100);
});

test('an unchanged export imported again proposes nothing, past an approved future suspension', async ({ page }) => {
  // An approved suspension from ten days ahead (proposed by member 1, approved by member 2).
  await signIn(page, 'demo-committee-1');
  const found = await (await page.request.get('/api/v1/formulary?limit=1&q=akbt')).json();
  const entry = found.items[0];
  const proposed = await page.request.post('/api/v1/formulary/proposals', {
    headers: { 'X-Tongyao-Csrf': '1' },
    data: { kind: 'suspend', entry_id: entry.id, reason: '端到端测试：将来暂停', effective_date: chinaDay(10) },
  });
  expect(proposed.status()).toBe(201);
  const pid = (await proposed.json()).id;
  await signOut(page);
  await signIn(page, 'demo-committee-2');
  const approved = await page.request.post(`/api/v1/formulary/proposals/${pid}/approve`, {
    headers: { 'X-Tongyao-Csrf': '1' },
    data: {},
  });
  expect(approved.status()).toBe(200);

  // The scheduled suspension is visible before its day: on the entry, and as a marker in the list.
  await page.goto(`/formulary/${entry.id}`);
  await expect(page.getByTestId('entry-upcoming')).toContainText(chinaDay(10));
  await expect(page.getByTestId('entry-upcoming-item').first()).toContainText('暂停');
  await page.goto(`/formulary?q=${encodeURIComponent(entry.generic_name_zh)}`);
  const marked = page.getByTestId('entry-row').filter({ has: page.getByTestId('entry-upcoming-marker') });
  await expect(marked).toHaveCount(1);
  await expect(marked).toContainText(entry.manufacturer);
  await expect(marked.getByTestId('entry-upcoming-marker')).toContainText(chinaDay(10).slice(5));

  // Today's export, imported unchanged: every row unchanged, nothing to propose or override.
  const exported = await page.request.get('/api/v1/formulary/export?format=csv');
  expect(exported.status()).toBe(200);
  await page.getByTestId('menu-import').click();
  await page.getByTestId('import-next').click();
  await page.locator('input[type=file]').setInputFiles({
    name: 'formulary-export.csv',
    mimeType: 'text/csv',
    buffer: await exported.body(),
  });
  await expect(page.getByTestId('import-compared-at')).toContainText(chinaDay());
  await expect(page.getByText('文件中没有新增或修改的行。')).toBeVisible();
  await expect(page.getByTestId('import-overrides')).toHaveCount(0);
  await expect(page.getByTestId('import-to-apply')).toBeDisabled();
});

test('an import with a bad row: download the rejected rows, or import only the valid ones', async ({ page }) => {
  await signIn(page, 'demo-committee-1');
  await page.getByTestId('menu-import').click();
  await page.getByTestId('import-next').click();
  const header =
    '条目编号,通用名,英文名,剂型,给药途径,规格,最小单位,包装数量,包装单位,生产企业,批准文号,医保药品代码,ATC编码,单价(元/包装),国家基本药物,省增补,集采中选,医保类别,特殊管理,抗菌药物分级,储存条件,最低使用层级,长处方,延伸处方,状态';
  const stamp = String(Date.now()).slice(-6);
  const row = (name: string, approval: string) =>
    `,${name},,片剂,口服,5mg,片,24,盒,部分导入制药,${approval},,,8.80,否,否,否,乙,无,非抗菌药,常温,村卫生室,是,否,在用`;
  const csv = [header, row(`部分好片${stamp}`, `国药准字H${stamp}01`), row(`部分坏片${stamp}`, '国药准字X1')].join('\n');
  await page.locator('input[type=file]').setInputFiles({ name: 'partial.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf-8') });
  await expect(page.getByTestId('import-error-row')).toHaveCount(1);
  // The rejected row, as Excel.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('import-download-rejected').click()]);
  expect(download.suggestedFilename()).toContain('有问题的行');
  // Only the valid row, as a proposal.
  await expect(page.getByTestId('import-to-apply')).toBeDisabled();
  await page.getByTestId('import-skip-invalid').click();
  await page.getByTestId('import-to-apply').click();
  await page.getByTestId('import-reason').fill('端到端测试：只导入无误的行');
  await page.getByTestId('import-apply').click();
  await page.getByTestId('import-go-inbox').click();
  const id = new URL(page.url()).searchParams.get('highlight');
  await expect(page.getByTestId(`proposal-items-${id}`).getByTestId('proposal-item')).toHaveCount(1);
  await expect(page.getByTestId(`proposal-items-${id}`)).toContainText(`部分好片${stamp}`);
});

test('a list written by others: the columns are suggested, confirmed, and the file checks', async ({ page }) => {
  await signIn(page, 'demo-committee-1');
  await page.getByTestId('menu-import').click();
  await page.getByTestId('import-next').click();
  const stamp = String(Date.now()).slice(-6);
  const csv = [
    '序号,药品名称,剂型,规格,转换比,最小单位,包装单位,生产企业,批准文号,挂网价（元）,给药途径,备注',
    `1,省目录片${stamp},片剂,10mg,24,片,盒,省目录制药,国药准字H${stamp}77,6.60,口服,省集采`,
  ].join('\n');
  await page.locator('input[type=file]').setInputFiles({ name: 'province.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf-8') });
  const mapping = page.getByTestId('column-mapping');
  await expect(mapping).toBeVisible();
  // 药品名称 is suggested as 通用名; 备注 is not imported.
  await expect(page.getByTestId('map-1')).toContainText('通用名');
  await expect(page.getByTestId('map-9')).toContainText('单价(元/包装)');
  await expect(page.getByTestId('map-11')).toContainText('不导入');
  await expect(page.getByTestId('mapping-missing')).toHaveCount(0);
  await page.getByTestId('mapping-confirm').click();
  await expect(page.getByTestId('import-counts')).toBeVisible();
  await expect(page.getByText(`省目录片${stamp} 10mg 片剂 · 省目录制药`)).toBeVisible();
  await expect(page.getByTestId('import-error-row')).toHaveCount(0);
});

test('a large file: the wizard shows how far the server has checked it', async ({ page }) => {
  await signIn(page, 'demo-committee-1');
  await page.getByTestId('menu-import').click();
  await page.getByTestId('import-next').click();
  const header =
    '条目编号,通用名,英文名,剂型,给药途径,规格,最小单位,包装数量,包装单位,生产企业,批准文号,医保药品代码,ATC编码,单价(元/包装),国家基本药物,省增补,集采中选,医保类别,特殊管理,抗菌药物分级,储存条件,最低使用层级,长处方,延伸处方,状态';
  const rows = Array.from(
    { length: 5000 },
    (_, i) => `,大文件片${i},,片剂,口服,${i + 1}mg,片,24,盒,大文件制药,国药准字H${String(60000000 + i)},,,8.80,否,否,否,乙,无,非抗菌药,常温,村卫生室,是,否,在用`,
  );
  // The check's answer is held back until the wizard has shown the server's progress, which
  // it asks for while the answer is outstanding.
  let shown: () => void = () => {};
  const progressShown = new Promise<void>((resolve) => (shown = resolve));
  await page.route('**/api/v1/formulary/imports?dry_run=true*', async (route) => {
    const answer = await route.fetch();
    await progressShown;
    await route.fulfill({ response: answer });
  });
  await page.locator('input[type=file]').setInputFiles({
    name: 'large.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from([header, ...rows].join('\n'), 'utf-8'),
  });
  await expect(page.getByTestId('server-check')).toContainText('已检查全部 5000 行');
  await expect(page.getByTestId('upload-progress')).toContainText('100%');
  shown();
  await expect(page.getByTestId('server-check')).toHaveCount(0);
  await expect(page.getByText('5000').first()).toBeVisible();
});
