import { expect, test, type Page } from '@playwright/test';
import { signIn, signOut, unique } from './helpers';

const CSRF = { 'X-Tongyao-Csrf': '1' };

/** Characters of a unified social credit code (GB 32100-2015): digits and capitals but I O Z S V. */
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** The check character of the first 17 characters: weights 3^i mod 31, C[(31 − Σ mod 31) mod 31]. */
function usccCheck(first17: string): string {
  let sum = 0;
  let weight = 1;
  for (const ch of first17) {
    sum += USCC_CHARS.indexOf(ch) * weight;
    weight = (weight * 3) % 31;
  }
  return USCC_CHARS[(31 - (sum % 31)) % 31];
}

/** A valid code no earlier run has used (a random 17-character body), and a wrong check character for it. */
function freshUscc(): { code: string; wrong: string } {
  let body = '91150000MA0';
  for (let i = 0; i < 6; i++) body += USCC_CHARS[Math.floor(Math.random() * USCC_CHARS.length)];
  const check = usccCheck(body);
  const wrongCheck = USCC_CHARS[(USCC_CHARS.indexOf(check) + 7) % USCC_CHARS.length];
  return { code: body + check, wrong: body + wrongCheck };
}

/** The form item (label, input, messages) holding the element with this test id. */
const formItem = (page: Page, testId: string) => page.locator('.ant-form-item').filter({ has: page.getByTestId(testId) });

const supplierRow = (page: Page, uscc: string) => page.locator(`[data-testid="supplier-row"][data-uscc="${uscc}"]`);

test('the check rule on the credit code, adding, changing and deactivating a supplier', async ({ page }) => {
  test.setTimeout(120_000);
  expect(usccCheck('91350100M000100Y4')).toBe('3');
  expect(usccCheck('91110000600037341')).toBe('L');

  await signIn(page, 'demo-procurement');
  await page.goto('/procurement/suppliers');
  await expect(page.getByTestId('supplier-row').first()).toBeVisible();
  // The demo's first supplier: its code in the list.
  await expect(supplierRow(page, '91150000MA0N1A2B3T').getByTestId('supplier-uscc')).toHaveText('91150000MA0N1A2B3T');

  const name = unique('端到端配送企业');
  const { code, wrong } = freshUscc();

  // A new supplier with a wrong check character, typed in small letters.
  await page.getByTestId('supplier-new').click();
  await page.getByTestId('supplier-form-name').fill(name);
  await page.getByTestId('supplier-form-uscc').fill(wrong.toLowerCase());
  await expect(page.getByTestId('supplier-form-uscc')).toHaveValue(wrong);
  await expect(page.getByTestId('supplier-form-uscc-count')).toHaveAttribute('data-count', '18');
  await page.getByTestId('supplier-form-order-email').fill('orders@e2e.example.org');
  await page.getByTestId('supplier-form-contact').fill('王经理');
  await page.getByTestId('supplier-form-save').click();
  // The server's message, under the field, naming the check character expected.
  // While one message gives way to the next, both are in the page (the old one leaving): the
  // newest is the last.
  const usccError = formItem(page, 'supplier-form-uscc').locator('.ant-form-item-explain-error').last();
  await expect(usccError).toContainText('校验');
  await expect(usccError).toContainText(`“${code.slice(-1)}”`);
  await expect(page.getByTestId('error-alert')).toHaveCount(0);

  // A code already a supplier's: said under the field too.
  await page.getByTestId('supplier-form-uscc').fill('91150000MA0N1A2B3T');
  await page.getByTestId('supplier-form-save').click();
  await expect(usccError).toContainText('国药控股内蒙古有限公司');

  // Corrected: saved, listed.
  await page.getByTestId('supplier-form-uscc').fill(code);
  await expect(usccError).toHaveCount(0);
  await page.getByTestId('supplier-form-save').click();
  await expect(page.getByTestId('supplier-form-save')).toBeHidden();
  await page.getByTestId('supplier-search').fill(name);
  const row = supplierRow(page, code);
  await expect(row).toBeVisible();
  await expect(page.getByTestId('supplier-row')).toHaveCount(1);
  await expect(row.getByTestId('supplier-name')).toHaveText(name);
  await expect(row.getByTestId('supplier-contracts')).toHaveText('0');
  await expect(row).toHaveAttribute('data-active', 'true');
  const id = Number(await row.getAttribute('data-id'));

  // Someone else changes it while the form is open: told, reloaded, then saved.
  await row.getByTestId('supplier-edit').click();
  await expect(page.getByTestId('supplier-form-name')).toHaveValue(name);
  await expect(page.getByTestId('supplier-form-uscc')).toHaveValue(code);
  const current = await (await page.request.get(`/api/v1/suppliers/${id}`)).json();
  const changed = await page.request.put(`/api/v1/suppliers/${id}`, {
    headers: CSRF,
    data: {
      version: current.version,
      active: true,
      supplier: { name, uscc: code, order_email: 'orders@e2e.example.org', contact: '王经理', phone: '0477-1111111' },
    },
  });
  expect(changed.ok(), await changed.text()).toBeTruthy();
  await page.getByTestId('supplier-form-active').click();
  await page.getByTestId('supplier-form-save').click();
  await expect(page.getByTestId('supplier-form-stale')).toBeVisible();
  await page.getByTestId('supplier-form-reload').click();
  await expect(page.getByTestId('supplier-form-stale')).toBeHidden();
  await expect(page.getByTestId('supplier-form-phone')).toHaveValue('0477-1111111');
  await expect(page.getByTestId('supplier-form-active')).toHaveAttribute('aria-checked', 'true');

  // Deactivate it and give an invoice address.
  await page.getByTestId('supplier-form-active').click();
  await expect(page.getByTestId('supplier-form-active')).toHaveAttribute('aria-checked', 'false');
  await page.getByTestId('supplier-form-invoice-email').fill('invoices@e2e.example.org');
  await page.getByTestId('supplier-form-save').click();
  await expect(page.getByTestId('supplier-form-save')).toBeHidden();
  await expect(row).toHaveAttribute('data-active', 'false');
  await expect(row.getByTestId('supplier-status')).toHaveAttribute('data-active', 'false');

  // Under "inactive": it, and only inactive ones; under "active": not it.
  await page.getByTestId('supplier-search').fill('');
  await expect(page).not.toHaveURL(/[?&]q=/);
  await page.getByTestId('supplier-filter-inactive').click();
  await expect(page).toHaveURL(/active=false/);
  await expect(page.locator('[data-testid="supplier-row"][data-active="true"]')).toHaveCount(0);
  await expect(row).toBeVisible();
  await page.getByTestId('supplier-filter-active').click();
  await expect(page).toHaveURL(/active=true/);
  await expect(supplierRow(page, '91150000MA0N1A2B3T')).toBeVisible();
  await expect(row).toHaveCount(0);

  // Searching by part of the code finds it (with the inactive filter).
  await page.getByTestId('supplier-filter-inactive').click();
  await page.getByTestId('supplier-search').fill(code.slice(8, 15));
  await expect(page).toHaveURL(new RegExp(`q=${code.slice(8, 15)}`));
  await expect(row).toBeVisible();
  await expect(page.getByTestId('supplier-row')).toHaveCount(1);
  await page.screenshot({ path: test.info().outputPath('suppliers.png'), fullPage: true });
});

test('closing the open cycle and opening the next one (O1: one at a time)', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, 'demo-procurement');
  // The demo has a cycle open; an earlier run may have left none.
  const open = await (await page.request.get('/api/v1/procurement/cycles?status=open')).json();
  if (open.items.length === 0) {
    const made = await page.request.post('/api/v1/procurement/cycles', {
      headers: CSRF,
      data: { name: unique('端到端周期'), starts_on: '2026-12-01', ends_on: '2026-12-31' },
    });
    expect(made.ok(), await made.text()).toBeTruthy();
  }
  const before = (await (await page.request.get('/api/v1/procurement/cycles?status=open')).json()).items[0];

  await page.goto('/procurement/cycles');
  const currentCard = page.getByTestId('cycle-current');
  await expect(currentCard).toHaveAttribute('data-state', 'open');
  await expect(page.getByTestId('cycle-current-name')).toHaveText(before.name);
  // While one is open no other can be: the button is off and says why.
  await expect(page.getByTestId('cycle-open')).toBeDisabled();
  await expect(page.getByTestId('cycle-open-blocked')).toContainText('O1');
  await expect(page.getByTestId('cycle-open-blocked')).toContainText(before.name);
  await expect(page.locator(`[data-testid="cycle-row"][data-id="${before.id}"]`)).toHaveAttribute('data-status', 'open');
  await page.screenshot({ path: test.info().outputPath('cycles-open.png'), fullPage: true });

  // Close it: the dialog says what happens to members' orders.
  await page.getByTestId('cycle-close').click();
  await expect(page.getByTestId('cycle-close-body')).toContainText('下一个周期');
  await expect(page.getByTestId('cycle-close-body')).toContainText('紧急订单');
  await page.getByTestId('cycle-close-confirm').click();
  await expect(currentCard).toHaveAttribute('data-state', 'none');
  await expect(page.getByTestId('cycle-none')).toBeVisible();
  await expect(page.locator(`[data-testid="cycle-row"][data-id="${before.id}"]`)).toHaveAttribute('data-status', 'closed');
  await expect(page.getByTestId('cycle-open')).toBeEnabled();

  // The form proposes the month after the latest cycle (next month at the earliest).
  const all = (await (await page.request.get('/api/v1/procurement/cycles?limit=200')).json()).items as { ends_on: string }[];
  const today: string = (await (await page.request.get('/api/v1/me')).json()).today;
  const monthAfter = (day: string) => {
    const [y, m] = day.split('-').map(Number);
    return m === 12 ? { y: y + 1, m: 1 } : { y, m: m + 1 };
  };
  const latestEnd = all.map((c) => c.ends_on).sort().at(-1)!;
  const a = monthAfter(today);
  const b = monthAfter(latestEnd);
  const month = b.y * 12 + b.m > a.y * 12 + a.m ? b : a;
  const mm = String(month.m).padStart(2, '0');
  const lastDay = new Date(Date.UTC(month.y, month.m, 0)).getUTCDate();
  await page.getByTestId('cycle-open').click();
  await expect(page.getByTestId('cycle-form-name')).toHaveValue(`${month.y}年${month.m}月`);
  const days = page.getByTestId('cycle-form-days').locator('input');
  await expect(days.nth(0)).toHaveValue(`${month.y}-${mm}-01`);
  await expect(days.nth(1)).toHaveValue(`${month.y}-${mm}-${lastDay}`);
  await page.screenshot({ path: test.info().outputPath('cycles-form.png'), fullPage: true });

  // Someone opens one meanwhile: the server's O1 refusal is shown, and the page shows that cycle.
  const other = unique('端到端他人周期');
  const theirs = await page.request.post('/api/v1/procurement/cycles', {
    headers: CSRF,
    data: { name: other, starts_on: `${month.y}-${mm}-01`, ends_on: `${month.y}-${mm}-${lastDay}` },
  });
  expect(theirs.ok(), await theirs.text()).toBeTruthy();
  await page.getByTestId('cycle-form-submit').click();
  await expect(page.getByTestId('cycle-form-o1')).toContainText('O1');
  await expect(page.getByTestId('cycle-form-o1')).toContainText(other);
  await page.getByTestId('cycle-form-cancel').click();
  await expect(page.getByTestId('cycle-current-name')).toHaveText(other);
  await expect(page.getByTestId('cycle-open')).toBeDisabled();

  // Close that one, and open ours with a name of our own.
  await page.getByTestId('cycle-close').click();
  await page.getByTestId('cycle-close-confirm').click();
  await expect(currentCard).toHaveAttribute('data-state', 'none');
  await page.getByTestId('cycle-open').click();
  const ours = unique('端到端周期');
  await page.getByTestId('cycle-form-name').fill(ours);
  await page.getByTestId('cycle-form-submit').click();
  await expect(page.getByTestId('cycle-form-submit')).toBeHidden();
  await expect(currentCard).toHaveAttribute('data-state', 'open');
  await expect(page.getByTestId('cycle-current-name')).toHaveText(ours);
  await expect(page.getByTestId('cycle-current-opened-by')).toContainText('赵强');
  await expect(page.getByTestId('cycle-row').first()).toHaveAttribute('data-name', ours);
  await expect(page.getByTestId('cycle-row').first()).toHaveAttribute('data-status', 'open');
  await expect(page.locator('[data-testid="cycle-row"][data-status="open"]')).toHaveCount(1);
  await expect(page.getByTestId('cycle-open')).toBeDisabled();
});

test('a pharmacist reads suppliers and cycles but changes nothing', async ({ page }) => {
  await signIn(page, 'demo-pharmacist');
  await page.goto('/procurement/suppliers');
  await expect(page.getByTestId('supplier-row').first()).toBeVisible();
  await expect(supplierRow(page, '91150000MA0N1A2B3T')).toBeVisible();
  await expect(page.getByTestId('supplier-new')).toHaveCount(0);
  await expect(page.getByTestId('supplier-edit')).toHaveCount(0);

  await page.goto('/procurement/cycles');
  await expect(page.getByTestId('cycle-current')).toBeVisible();
  await expect(page.getByTestId('cycle-row').first()).toBeVisible();
  await expect(page.getByTestId('cycle-open')).toHaveCount(0);
  await expect(page.getByTestId('cycle-close')).toHaveCount(0);
  await signOut(page);
});
