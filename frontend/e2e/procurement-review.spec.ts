import { expect, test, type Page } from '@playwright/test';
import { signIn, signOut } from './helpers';

// The demo's members: 独贵塔拉中心卫生院 (DGTL, demo-pharmacist) and its village clinic 乌兰村 (DGTL-2)
// each have a submitted order waiting for the lead hospital's review.
const DGTL = '独贵塔拉中心卫生院';
const DGTL_2 = '独贵塔拉镇乌兰村卫生室';

const orderLine = (page: Page, entry: string) => page.locator(`[data-testid="order-line"][data-entry="${entry}"]`);
const headerStatus = (page: Page) => page.getByTestId('order-header').getByTestId('order-status');

/** As a member's pharmacist: a new order in the open cycle with the products used, on its page. */
async function newOrder(page: Page, note: string): Promise<string> {
  await page.goto('/procurement/orders');
  await page.getByTestId('order-new').click();
  await expect(page.getByTestId('order-create-cycle')).toBeVisible();
  await page.getByTestId('order-note').fill(note);
  await page.getByTestId('order-create-ok').click();
  await expect(page).toHaveURL(/\/procurement\/orders\/\d+$/);
  await page.getByTestId('order-load-used').click();
  await expect(page.getByTestId('order-line').nth(2)).toBeVisible();
  return page.url().split('/').pop()!;
}

/** Products suggested at 0 dropped, then submitted. */
async function submit(page: Page): Promise<void> {
  if (await page.getByTestId('order-remove-zero').isVisible()) {
    const before = await page.getByTestId('order-line').count();
    const zeros = await page.locator('input[data-testid="line-quantity"][data-value="0"]').count();
    await page.getByTestId('order-remove-zero').click();
    await expect(page.getByTestId('order-line')).toHaveCount(before - zeros);
  }
  await page.getByTestId('order-submit').click();
  await page.getByTestId('order-submit-confirm').click();
  await expect(headerStatus(page)).toHaveAttribute('data-status', 'submitted');
}

test('the review queue: both tabs, the demo submitted orders approved in one batch, each answered', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, 'demo-procurement');
  await page.getByTestId('menu-review').click();
  await expect(page).toHaveURL(/\/procurement\/review/);
  const dgtl = page.locator(`[data-testid="review-row"][data-institution="${DGTL}"]`).first();
  const dgtl2 = page.locator(`[data-testid="review-row"][data-institution="${DGTL_2}"]`).first();
  await expect(dgtl).toBeVisible();
  await expect(dgtl2).toBeVisible();
  const ids = [await dgtl.getAttribute('data-id'), await dgtl2.getAttribute('data-id')] as string[];
  await expect(dgtl.getByTestId('review-lines')).toHaveText(/^\d+$/);
  await expect(dgtl.getByTestId('review-total')).toHaveText(/¥[\d,]+\.\d{2}/);

  // By product: the demand across the members, each product opening to its members' lines.
  await page.getByTestId('review-tab-product').click();
  await expect(page).toHaveURL(/tab=product/);
  const first = page.getByTestId('demand-row').first();
  await expect(first).toBeVisible();
  await expect(page.getByTestId('demand-summary')).toContainText('张请领单');
  const shared = page.locator('[data-testid="demand-row"]').filter({ has: page.locator('[data-testid="demand-members"]', { hasText: /^[2-9]$/ }) }).first();
  await expect(shared).toBeVisible();
  const total = Number(await shared.getByTestId('demand-quantity').getAttribute('data-value'));
  await shared.click();
  await expect(shared).toHaveAttribute('data-expanded', 'true');
  const memberLines = page.getByTestId('demand-lines').first().getByTestId('demand-line');
  await expect(memberLines.nth(1)).toBeVisible();
  const packs = await page.getByTestId('demand-lines').first().getByTestId('demand-line-quantity').evaluateAll((els) =>
    els.reduce((s, e) => s + Number(e.getAttribute('data-value')), 0),
  );
  expect(packs).toBe(total);
  await page.getByTestId('demand-search').locator('input').fill('zzzz-nothing');
  await expect(page.getByTestId('demand-row')).toHaveCount(0);
  await page.getByTestId('demand-search').locator('input').fill('');
  await expect(first).toBeVisible();

  // Back by member: one selected with the mouse, one from the keyboard (Space on the row).
  await page.getByTestId('review-tab-member').click();
  await expect(dgtl).toBeVisible();
  await dgtl.locator('input[type="checkbox"]').check();
  await dgtl2.focus();
  await page.keyboard.press(' ');
  await expect(page.getByTestId('review-selected')).toHaveAttribute('data-count', '2');
  await page.getByTestId('batch-approve').click();
  await expect(page.getByTestId('batch-chosen').locator('li')).toHaveCount(2);
  await page.getByTestId('batch-approve-confirm').click();

  // The batch answers per order: both done, both approved now, gone from the queue.
  const result = page.getByTestId('batch-result');
  await expect(result).toBeVisible();
  await expect(result).toHaveAttribute('data-done', '2');
  await expect(result).toHaveAttribute('data-refused', '0');
  for (const id of ids) {
    const outcome = result.locator(`[data-testid="batch-outcome"][data-id="${id}"]`);
    await expect(outcome).toHaveAttribute('data-ok', 'true');
    await expect(outcome.getByTestId('order-status')).toHaveAttribute('data-status', 'approved');
    await expect(page.locator(`[data-testid="review-row"][data-id="${id}"]`)).toHaveCount(0);
  }
  await expect(page.getByTestId('review-selected')).toHaveAttribute('data-count', '0');

  // The order itself says so.
  await result.locator(`[data-testid="batch-outcome"][data-id="${ids[0]}"] a`).click();
  await expect(page).toHaveURL(new RegExp(`/procurement/orders/${ids[0]}$`));
  await expect(headerStatus(page)).toHaveAttribute('data-status', 'approved');
  await expect(page.getByTestId('order-review-result')).toBeVisible();
  await expect(page.getByTestId('order-approve')).toHaveCount(0);
  await expect(page.getByTestId('line-approved').first()).toBeVisible();
});

test('an order switched to the VBP product, adjusted with a reason and approved; the member reads the adjustment', async ({ page }) => {
  test.setTimeout(150_000);
  await signIn(page, 'demo-pharmacist');
  const id = await newOrder(page, 'E2E 审核调整');

  // O5: a product whose generic has a VBP-selected product says so and offers it in its place.
  const vbp = page.getByTestId('line-vbp').first();
  await expect(vbp).toBeVisible();
  const from = (await vbp.locator('xpath=ancestor::tr[1]').getAttribute('data-entry'))!;
  const to = (await vbp.getAttribute('data-alternative'))!;
  await expect(vbp).toContainText('该通用名有集采中选品种');
  const qty = page.locator(`input[data-testid="line-quantity"][data-entry="${from}"]`);
  await qty.fill('2');
  await qty.press('Enter');
  await expect(qty).toHaveAttribute('data-value', '2');
  await orderLine(page, from).getByTestId('line-vbp-switch').click();
  await expect(orderLine(page, to)).toBeVisible();
  await expect(orderLine(page, from)).toHaveCount(0);
  const switched = page.locator(`input[data-testid="line-quantity"][data-entry="${to}"]`);
  await expect(switched).toHaveAttribute('data-value', '2');
  await expect(switched).toHaveAttribute('data-typed', 'true');
  await expect(orderLine(page, to).getByTestId('line-vbp')).toHaveCount(0);
  await submit(page);
  await signOut(page);

  // The procurement officer opens it from the queue and halves the VBP line, with a reason.
  await signIn(page, 'demo-procurement');
  await page.getByTestId('menu-review').click();
  const row = page.locator(`[data-testid="review-row"][data-id="${id}"]`);
  await expect(row).toBeVisible();
  await row.click();
  await expect(page).toHaveURL(new RegExp(`/procurement/orders/${id}$`));
  await expect(page.getByTestId('order-reviewing')).toBeVisible();
  await expect(page.getByTestId('line-quantity')).toHaveCount(0);
  const approveQty = page.locator(`input[data-testid="line-approve-qty"][data-entry="${to}"]`);
  await expect(approveQty).toHaveValue('2');
  const line = (await approveQty.getAttribute('data-line'))!;
  const rowNo = Number(await approveQty.getAttribute('data-row'));
  await approveQty.fill('1');
  await approveQty.press('Enter');
  // A changed quantity asks for its reason next.
  const reason = page.locator(`input[data-testid="line-reason"][data-line="${line}"]`);
  await expect(reason).toBeFocused();
  await expect(page.getByTestId('review-changed')).toHaveAttribute('data-count', '1');
  await expect(page.getByTestId('order-approved-total')).toHaveText(/¥[\d,]+\.\d{2}/);
  // Without a reason the approval is not sent.
  await page.getByTestId('order-approve').click();
  await expect(page.locator(`[data-testid="order-line"][data-line="${line}"]`).getByTestId('line-review-problem')).toBeVisible();
  await expect(reason).toBeFocused();
  await reason.fill('集采品种首月试用，减半请领');
  await reason.press('Enter');
  const next = page.locator(`input[data-testid="line-approve-qty"][data-row="${rowNo + 1}"]`);
  if ((await next.count()) > 0) await expect(next).toBeFocused();
  await page.getByTestId('order-approve').click();
  await expect(page.getByTestId('order-approve-summary')).toContainText('1 个品种调整了数量');
  await page.getByTestId('order-approve-confirm').click();
  await expect(headerStatus(page)).toHaveAttribute('data-status', 'approved');
  await expect(page.getByTestId('order-reviewed')).toContainText('赵强');
  const approvedLine = page.locator(`[data-testid="order-line"][data-line="${line}"]`);
  await expect(approvedLine.getByTestId('line-approved')).toHaveAttribute('data-value', '1');
  await expect(approvedLine.getByTestId('line-adjust-reason')).toHaveText('集采品种首月试用，减半请领');
  await signOut(page);

  // The member sees the approved quantity beside the ordered one, and why.
  await signIn(page, 'demo-pharmacist');
  await page.goto(`/procurement/orders/${id}`);
  await expect(headerStatus(page)).toHaveAttribute('data-status', 'approved');
  await expect(page.getByTestId('order-readonly')).toBeVisible();
  await expect(page.getByTestId('order-adjusted')).toHaveAttribute('data-count', '1');
  const seen = page.locator(`[data-testid="order-line"][data-line="${line}"]`);
  await expect(seen).toHaveAttribute('data-adjusted', 'true');
  await expect(seen.getByTestId('line-quantity-view')).toHaveAttribute('data-value', '2');
  await expect(seen.getByTestId('line-approved')).toHaveAttribute('data-value', '1');
  await expect(seen.getByTestId('line-adjusted')).toBeVisible();
  await expect(seen.getByTestId('line-adjust-reason')).toHaveText('集采品种首月试用，减半请领');
  await expect(page.getByTestId('order-purchase-orders')).toContainText('尚未汇总生成采购订单');
});

test('an order returned with a reason: the member reads it, changes the order and submits it again', async ({ page }) => {
  test.setTimeout(150_000);
  await signIn(page, 'demo-pharmacist');
  const id = await newOrder(page, 'E2E 审核退回');
  await submit(page);
  await signOut(page);

  await signIn(page, 'demo-procurement');
  await page.goto(`/procurement/orders/${id}`);
  await expect(page.getByTestId('order-reviewing')).toBeVisible();
  await page.getByTestId('order-return').click();
  // A reason is required (two characters or more).
  await page.getByTestId('order-return-reason-input').fill('改');
  await page.getByTestId('order-return-confirm').click();
  await expect(page.getByText('请说明退回理由（至少 2 个字）')).toBeVisible();
  await page.getByTestId('order-return-reason-input').fill('请核对库存：部分品种请领量超过两个月用量，修改后重新提交');
  await page.getByTestId('order-return-confirm').click();
  await expect(headerStatus(page)).toHaveAttribute('data-status', 'returned');
  await expect(page.getByTestId('order-return-reason')).toHaveText('请核对库存：部分品种请领量超过两个月用量，修改后重新提交');
  await expect(page.getByTestId('order-return')).toHaveCount(0);
  await signOut(page);

  // The member reads why, changes a quantity and submits again.
  await signIn(page, 'demo-pharmacist');
  await page.goto(`/procurement/orders/${id}`);
  await expect(headerStatus(page)).toHaveAttribute('data-status', 'returned');
  await expect(page.getByTestId('order-return-note')).toBeVisible();
  await expect(page.getByTestId('order-return-reason')).toHaveText('请核对库存：部分品种请领量超过两个月用量，修改后重新提交');
  await expect(page.getByTestId('order-readonly')).toHaveCount(0);
  const qty = page.getByTestId('line-quantity').first();
  const before = await page.getByTestId('order-version').innerText();
  await qty.fill('1');
  await qty.press('Enter');
  await expect(page.getByTestId('order-version')).not.toHaveText(before);
  await expect(page.getByTestId('line-quantity').first()).toHaveAttribute('data-value', '1');
  await submit(page);
  await signOut(page);

  // Back in the queue; returned again, this time in a batch, which answers for it.
  await signIn(page, 'demo-procurement');
  await page.getByTestId('menu-review').click();
  const row = page.locator(`[data-testid="review-row"][data-id="${id}"]`);
  await expect(row).toBeVisible();
  await row.locator('input[type="checkbox"]').check();
  await page.getByTestId('batch-return').click();
  await page.getByTestId('batch-return-confirm').click();
  await expect(page.getByText('请说明退回理由（至少 2 个字）')).toBeVisible();
  await page.getByTestId('batch-return-reason').fill('本周期预算已满，请下周期再报');
  await page.getByTestId('batch-return-confirm').click();
  const outcome = page.locator(`[data-testid="batch-outcome"][data-id="${id}"]`);
  await expect(outcome).toHaveAttribute('data-ok', 'true');
  await expect(outcome.getByTestId('order-status')).toHaveAttribute('data-status', 'returned');
  await expect(row).toHaveCount(0);
});
