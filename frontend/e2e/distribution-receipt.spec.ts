import { expect, test, type Page } from '@playwright/test';
import { signIn, unique } from './helpers';

const SHOTS = process.env.TONGYAO_E2E_SHOTS;
const shot = async (target: { screenshot: (o: { path: string; fullPage?: boolean }) => Promise<unknown> }, name: string) => {
  if (SHOTS) await target.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true }).catch(() => undefined);
};

/** A 20-digit trace code (码上放心) no earlier run has scanned: 8, the time in ms, six random digits. */
function traceCode(): string {
  const random = String(Math.floor(Math.random() * 1_000_000)).padStart(6, '0');
  return `8${String(Date.now()).padStart(13, '0').slice(-13)}${random}`;
}

/** `YYYY-MM-DD` → `YYYYMMDD` a year later (a date typed as a clerk reads it off a carton). */
function yearLater(day: string): string {
  const [y, m, d] = day.split('-');
  // 29 February has no day a year later: the 28th is as good.
  return `${Number(y) + 1}${m}${m === '02' && d === '29' ? '28' : d}`;
}

/**
 * Open a purchase order that still expects at least two packs (issued or partly received): one
 * pack is received, the rest is closed. The demo has issued purchase orders; each run receives
 * and closes one of them.
 */
async function openReceivablePurchaseOrder(page: Page): Promise<string> {
  await page.getByTestId('menu-purchase-orders').click();
  await expect(page).toHaveURL(/\/procurement\/purchase-orders$/);
  await expect(page.getByTestId('po-row').first()).toBeVisible();
  const open = page.locator('[data-testid="po-row"][data-status="issued"], [data-testid="po-row"][data-status="receiving"]');
  const ids = await open.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-id')!));
  expect(ids.length, 'the demo has a purchase order still to receive').toBeGreaterThan(0);
  for (const id of ids.slice(0, 6)) {
    await page.goto(`/procurement/purchase-orders/${id}`);
    await expect(page.getByTestId('po-header-no')).toBeVisible();
    const outstanding = Number(await page.getByTestId('po-total-outstanding').innerText());
    if (outstanding >= 2) return id;
  }
  throw new Error('no purchase order with two or more packs outstanding');
}

test('the distribution clerk receives goods against a purchase order with a scanner, then closes what remains', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, 'demo-distribution');
  await expect(page.getByTestId('menu-group-distribution')).toBeVisible();

  const poId = await openReceivablePurchaseOrder(page);
  const poNo = await page.getByTestId('po-header-no').innerText();
  await expect(page.getByTestId('po-header').getByTestId('po-status')).toHaveAttribute('data-status', /^(issued|receiving)$/);
  // The line to receive: the first one still outstanding, with what it has received so far.
  const line = await page
    .getByTestId('po-line')
    .evaluateAll((rs) =>
      rs
        .map((r) => ({
          id: r.getAttribute('data-id')!,
          received: Number(r.querySelector('[data-testid="po-line-received"]')?.getAttribute('data-value')),
          outstanding: Number(r.querySelector('[data-testid="po-line-outstanding"]')?.getAttribute('data-value')),
        }))
        .find((l) => l.outstanding > 0),
    );
  expect(line, 'a line still outstanding').toBeTruthy();
  await expect(page.getByTestId('po-receipts')).toBeVisible();
  await shot(page, 'po-before');

  // 收货入库: the grid, a row per line still outstanding.
  await page.getByTestId('po-receive').click();
  await expect(page).toHaveURL(new RegExp(`/procurement/purchase-orders/${poId}/receive$`));
  await expect(page.getByTestId('rcv-title')).toContainText(poNo);
  const row = page.locator(`[data-testid="rcv-row"][data-line="${line!.id}"]`).first();
  await expect(row).toBeVisible();
  await expect(row.getByTestId('rcv-outstanding')).toHaveAttribute('data-value', String(line!.outstanding));

  // A scanner types into the focused field and presses Enter: each Enter moves on, none sends.
  const posted: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/api/v1/receipts')) posted.push(r.url());
  });
  const lot = unique('E2E');
  const first = await page
    .getByTestId('rcv-shelf-hint')
    .getAttribute('data-first', { timeout: 5_000 })
    .catch(() => null);
  const expiry = yearLater(first ?? `${new Date().getFullYear() + 2}-06-30`);
  const code = traceCode();
  await row.getByTestId('rcv-lot').click();
  await page.keyboard.type(lot);
  await page.keyboard.press('Enter');
  await expect(row.getByTestId('rcv-expiry')).toBeFocused();
  await page.keyboard.type(expiry);
  await page.keyboard.press('Enter');
  await expect(row.getByTestId('rcv-quantity')).toBeFocused();
  // 20280430 as typed becomes 2028-04-30.
  await expect(row.getByTestId('rcv-expiry')).toHaveValue(`${expiry.slice(0, 4)}-${expiry.slice(4, 6)}-${expiry.slice(6)}`);
  await page.keyboard.type('1');
  await page.keyboard.press('Enter');
  await expect(row.getByTestId('rcv-damaged')).toBeFocused();
  // Nothing damaged: the damage note is skipped, on to the trace codes.
  await page.keyboard.press('Enter');
  await expect(row.getByTestId('rcv-scan')).toBeFocused();
  // A bad scan is refused on the spot (T1); a good one joins the list, the field waits for the next.
  await page.keyboard.type('12345');
  await page.keyboard.press('Enter');
  await expect(row.getByTestId('rcv-scan-problem').first()).toBeVisible();
  await page.keyboard.type(code);
  await page.keyboard.press('Enter');
  await expect(row.getByTestId('rcv-scan')).toBeFocused();
  await expect(row.locator(`[data-testid="rcv-code"][data-code="${code}"]`)).toBeVisible();
  await expect(row.getByTestId('rcv-code-count')).toHaveAttribute('data-codes', '1');
  await expect(row.getByTestId('rcv-code-count')).toHaveAttribute('data-packs', '1');
  await expect(page.getByTestId('rcv-summary')).toHaveAttribute('data-good', '1');
  expect(posted, 'Enter never sends the receipt').toEqual([]);
  // The invoice is still to come (货到票未到): left empty.
  await expect(page.getByTestId('rcv-invoice')).toHaveValue('');
  await shot(page, 'receive-grid');

  // 确认入库: the confirmation says what is received, then the receipt.
  await page.getByTestId('rcv-submit').click();
  await expect(page.getByTestId('rcv-confirm-body')).toContainText(poNo);
  await expect(page.getByTestId('rcv-confirm-invoice-pending')).toBeVisible();
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/receipts') && r.request().method() === 'POST');
  await page.getByTestId('rcv-confirm').click();
  const res = await answer;
  expect(res.status(), await res.text()).toBe(201);
  const receipt = (await res.json()) as { id: number; receipt_no: string };
  expect(receipt.receipt_no).toMatch(/^RK\d{8}-\d{3}$/);

  // Back on the purchase order: the receipt number, the line's received count, the receipt listed.
  await expect(page).toHaveURL(new RegExp(`/procurement/purchase-orders/${poId}$`));
  await expect(page.getByTestId('po-received')).toHaveAttribute('data-receipt-no', receipt.receipt_no);
  await expect(page.getByTestId('po-received-no')).toHaveText(receipt.receipt_no);
  const poLine = page.locator(`[data-testid="po-line"][data-id="${line!.id}"]`);
  await expect(poLine.getByTestId('po-line-received')).toHaveAttribute('data-value', String(line!.received + 1));
  await expect(poLine.getByTestId('po-line-outstanding')).toHaveAttribute('data-value', String(line!.outstanding - 1));
  await expect(page.getByTestId('po-header').getByTestId('po-status')).toHaveAttribute('data-status', 'receiving');
  await expect(page.getByTestId('po-header').getByTestId('po-status')).toHaveText('部分到货');
  const receiptRow = page.getByTestId('po-receipt-row').filter({ hasText: receipt.receipt_no });
  await expect(receiptRow).toHaveCount(1);
  await expect(receiptRow.getByTestId('po-receipt-invoice-pending')).toHaveText('票未到');
  await expect(receiptRow.getByTestId('po-receipt-packs')).toHaveAttribute('data-value', '1');
  await shot(page, 'po-received');

  // The receipt itself: its line with the lot, expiry and the code scanned.
  await receiptRow.getByTestId('po-receipt-no').click();
  await expect(page).toHaveURL(new RegExp(`/distribution/receipts/${receipt.id}$`));
  await expect(page.getByTestId('receipt-header-no')).toHaveText(receipt.receipt_no);
  const receiptLine = page.getByTestId('receipt-line').first();
  await expect(receiptLine.getByTestId('receipt-line-lot')).toHaveText(lot);
  await expect(receiptLine.getByTestId('receipt-line-quantity')).toHaveAttribute('data-value', '1');
  await expect(receiptLine.getByTestId('receipt-line-code')).toHaveText(code);
  await expect(page.getByTestId('receipt-print-button')).toBeVisible();
  await shot(page, 'receipt');

  // The receipts list (配送管理 → 收货入库), invoice still to come.
  await page.getByTestId('menu-receipts').click();
  await expect(page).toHaveURL(/\/distribution\/receipts$/);
  await page.getByTestId('filter-invoice-pending').click();
  await expect(page).toHaveURL(/invoice=pending$/);
  const listed = page.locator(`[data-testid="receipt-row"][data-id="${receipt.id}"]`);
  await expect(listed).toBeVisible();
  await expect(listed).toHaveAttribute('data-invoice-pending', 'true');
  await expect(listed.getByTestId('receipt-no')).toHaveText(receipt.receipt_no);

  // 关闭剩余: what remains will not come, with a reason; the purchase order is closed (已结案).
  await page.goto(`/procurement/purchase-orders/${poId}`);
  await expect(page.getByTestId('po-header-no')).toHaveText(poNo);
  await page.getByTestId('po-close').click();
  await expect(page.getByTestId('po-close-body')).toContainText(poNo);
  // A reason is needed.
  await page.getByTestId('po-close-confirm').click();
  await expect(page.locator('.ant-form-item-explain-error').first()).toBeVisible();
  const reason = `供应商断货，剩余部分不再供货（${unique('E2E')}）`;
  await page.getByTestId('po-close-reason').fill(reason);
  const closed = page.waitForResponse((r) => r.url().endsWith(`/api/v1/purchase-orders/${poId}/close`) && r.request().method() === 'POST');
  await page.getByTestId('po-close-confirm').click();
  expect((await closed).status()).toBe(200);
  await expect(page.getByTestId('po-header').getByTestId('po-status')).toHaveAttribute('data-status', 'closed');
  await expect(page.getByTestId('po-header').getByTestId('po-status')).toHaveText('已结案');
  await expect(page.getByTestId('po-close-reason-text')).toHaveText(reason);
  await expect(page.getByTestId('po-total-outstanding')).toHaveText('0');
  await expect(poLine.getByTestId('po-line-received')).toHaveAttribute('data-value', String(line!.received + 1));
  await expect(page.getByTestId('po-receive')).toHaveCount(0);
  await expect(page.getByTestId('po-close')).toHaveCount(0);
  await shot(page, 'po-closed');

  // Nothing more is received against it.
  await page.goto(`/procurement/purchase-orders/${poId}/receive`);
  await expect(page.getByTestId('rcv-not-receivable')).toBeVisible();
});
