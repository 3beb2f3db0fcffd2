import { expect, test, type Page } from '@playwright/test';
import { signIn, signOut } from './helpers';

interface Figure {
  agreed: number;
  purchased: number;
  progress: string;
  behind: boolean;
}
interface Member extends Figure {
  institution_id: number;
  institution_name: string;
}
interface Line extends Figure {
  entry_id: number;
  product: { name_zh: string; strength: string };
  members: Member[];
}
interface Contract {
  contract_id: number;
  contract_no: string;
  pro_rata: string;
  elapsed_days: number;
  year_days: number;
  behind: number;
  lines: Line[];
}

/** What the server answers the signed-in user (the page must show the same). */
async function progress(page: Page, query = ''): Promise<{ on: string; contracts: Contract[] }> {
  const r = await page.request.get(`/api/v1/vbp/progress${query}`, { headers: { 'X-Tongyao-Csrf': '1' } });
  expect(r.ok()).toBe(true);
  return r.json();
}

/** "0.6" → "60.00%" as the page writes the pro-rata point. */
const pct2 = (f: string) => `${(Math.round(Number(f) * 10000) / 100).toFixed(2)}%`;

test('VBP progress: the consortium sees the contract, its lines, the chart and the pro-rata point; a line opens to its members', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, 'demo-procurement');
  await page.getByTestId('menu-vbp').click();
  await expect(page).toHaveURL(/\/procurement\/vbp$/);

  const answer = await progress(page);
  const k = answer.contracts.find((c) => /^HJQ-JC-\d{4}-01$/.test(c.contract_no))!;
  expect(k, 'the demo has a VBP contract in force').toBeTruthy();
  expect(k.lines.length).toBeGreaterThan(10);

  const card = page.locator(`[data-testid="vbp-contract"][data-id="${k.contract_id}"]`);
  await expect(card.getByTestId('vbp-contract-no')).toHaveText(k.contract_no);

  // The contract year with today's pro-rata point, as the server counts it.
  await expect(card.getByTestId('vbp-pro-rata')).toHaveAttribute('data-value', k.pro_rata);
  await expect(card.getByTestId('vbp-pro-rata')).toHaveText(`合同年度已过 ${pct2(k.pro_rata)}`);
  await expect(card).toContainText(`${k.elapsed_days} / ${k.year_days} 天`);
  await expect(card.getByTestId('vbp-lines-behind')).toHaveText(`${k.behind} / ${k.lines.length}`);
  const totalAgreed = k.lines.reduce((s, l) => s + l.agreed, 0);
  const totalPurchased = k.lines.reduce((s, l) => s + l.purchased, 0);
  await expect(card.getByTestId('vbp-total-packs')).toHaveAttribute('data-agreed', String(totalAgreed));
  await expect(card.getByTestId('vbp-total-packs')).toHaveAttribute('data-purchased', String(totalPurchased));

  // Lines behind are named in the warning.
  if (k.behind > 0) {
    await expect(card.getByTestId('vbp-behind-alert')).toBeVisible();
    await expect(card.getByTestId('vbp-behind-count')).toHaveAttribute('data-value', String(k.behind));
    const firstBehind = k.lines.find((l) => l.behind)!;
    await expect(card.locator(`[data-testid="vbp-behind-line"][data-entry="${firstBehind.entry_id}"]`)).toBeVisible();
  }

  // The chart: an image, a bar per line (paged), the marker at the pro-rata point.
  const chart = card.getByTestId('vbp-chart');
  await expect(chart).toBeVisible();
  await expect(chart).toHaveAttribute('role', 'img');
  await expect(chart).toHaveAttribute('aria-label', new RegExp(`${k.lines.length} 项，序时进度 ${pct2(k.pro_rata).replace('.', '\\.')}`));
  await expect(chart.getByTestId('vbp-bar')).toHaveCount(Math.min(15, k.lines.length));
  await expect(chart.getByTestId('vbp-marker-label')).toHaveText(`序时进度 ${pct2(k.pro_rata)}`);
  const first = k.lines[0];
  const firstBar = chart.locator(`[data-testid="vbp-bar"][data-key="${first.entry_id}"]`);
  await expect(firstBar).toHaveAttribute('data-behind', first.agreed > 0 ? String(first.behind) : 'none');
  await expect(firstBar.getByTestId('vbp-bar-label')).toContainText(first.product.name_zh);

  // The table: one row per line (first page), the figures the server gave.
  const rows = card.getByTestId('vbp-line');
  await expect(rows).toHaveCount(Math.min(20, k.lines.length));
  const firstRow = card.locator(`[data-testid="vbp-line"][data-entry="${first.entry_id}"]`);
  await expect(firstRow.getByTestId('vbp-agreed')).toHaveText(String(first.agreed));
  await expect(firstRow.getByTestId('vbp-purchased')).toHaveText(String(first.purchased));
  await expect(firstRow.getByTestId('vbp-progress')).toHaveText(/^\d+\.\d%$/);

  // A line bought from (else the first) opens to its members' figures.
  const bought = k.lines.find((l) => l.purchased > 0) ?? first;
  await page.getByTestId('vbp-filter-product').locator('input').fill(bought.product.name_zh);
  await page.getByTestId('vbp-filter-product').locator('input').press('Enter');
  await expect(page).toHaveURL(/[?&]q=/);
  const row = card.locator(`[data-testid="vbp-line"][data-entry="${bought.entry_id}"]`);
  await row.getByTestId('vbp-line-expand').click();
  const members = card.getByTestId('vbp-members');
  await expect(members.getByTestId('vbp-member')).toHaveCount(bought.members.length);
  expect(bought.members.length).toBeGreaterThan(1);
  for (const m of bought.members.filter((x) => x.purchased > 0)) {
    const mr = members.locator(`[data-testid="vbp-member"][data-id="${m.institution_id}"]`);
    await expect(mr.getByTestId('vbp-member-name')).toHaveText(m.institution_name);
    await expect(mr.getByTestId('vbp-purchased')).toHaveText(String(m.purchased));
    await expect(mr.getByTestId('vbp-agreed')).toHaveText(String(m.agreed));
  }
  // The members add up to the consortium's purchases of the line.
  expect(bought.members.reduce((s, m) => s + m.purchased, 0)).toBe(bought.purchased);

  // The chart by member, then one member's view through the filter.
  await page.getByTestId('vbp-filter-clear').click();
  await card.getByTestId('vbp-chart-mode-member').click();
  await expect(page).toHaveURL(/view=member/);
  const memberIds = new Set(k.lines.flatMap((l) => l.members.map((m) => m.institution_id)));
  await expect(chart.getByTestId('vbp-bar')).toHaveCount(Math.min(15, memberIds.size));

  const buyer = bought.members.find((m) => m.purchased > 0) ?? bought.members[0];
  await page.getByTestId('vbp-filter-member').click();
  await page.keyboard.type(buyer.institution_name);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`institution_id=${buyer.institution_id}`));
  await expect(page.getByTestId('vbp-member-view')).toContainText(buyer.institution_name);
  await expect(card.getByTestId('vbp-line-expand')).toHaveCount(0);
  const own = await progress(page, `?institution_id=${buyer.institution_id}`);
  const ownLine = own.contracts.find((c) => c.contract_id === k.contract_id)!.lines.find((l) => l.entry_id === bought.entry_id)!;
  await expect(card.locator(`[data-testid="vbp-line"][data-entry="${bought.entry_id}"]`).getByTestId('vbp-purchased')).toHaveText(
    String(ownLine.purchased),
  );
  await signOut(page);
});

test('VBP progress: a township pharmacist sees only their own institution', async ({ page }) => {
  await signIn(page, 'demo-pharmacist');
  const me = await (await page.request.get('/api/v1/me', { headers: { 'X-Tongyao-Csrf': '1' } })).json();
  await page.getByTestId('menu-vbp').click();
  await expect(page).toHaveURL(/\/procurement\/vbp$/);

  const answer = await progress(page);
  const k = answer.contracts.find((c) => /^HJQ-JC-\d{4}-01$/.test(c.contract_no))!;
  expect(k).toBeTruthy();
  // The server answers with the member's own figures only.
  const seen = new Set(k.lines.flatMap((l) => l.members.map((m) => m.institution_id)));
  expect([...seen]).toEqual([me.institution.id]);

  await expect(page.getByTestId('vbp-mine')).toContainText(me.institution.name);
  await expect(page.getByTestId('vbp-filter-member')).toHaveCount(0);
  const card = page.locator(`[data-testid="vbp-contract"][data-id="${k.contract_id}"]`);
  await expect(card.getByTestId('vbp-pro-rata')).toHaveText(`合同年度已过 ${pct2(k.pro_rata)}`);
  await expect(card.getByTestId('vbp-chart')).toBeVisible();
  await expect(card.getByTestId('vbp-chart-mode')).toHaveCount(0);
  await expect(card.getByTestId('vbp-line').first()).toBeVisible();
  await expect(card.getByTestId('vbp-line-expand')).toHaveCount(0);
  await expect(card.getByTestId('vbp-behind-members')).toHaveCount(0);
  // The line's figure is the member's share, not the consortium's.
  const first = k.lines[0];
  expect(first.agreed).toBe(first.members[0].agreed);
  await expect(card.locator(`[data-testid="vbp-line"][data-entry="${first.entry_id}"]`).getByTestId('vbp-agreed')).toHaveText(String(first.agreed));
  const total = k.lines.reduce((s, l) => s + l.agreed, 0);
  await expect(card.getByTestId('vbp-total-packs')).toHaveAttribute('data-agreed', String(total));

  // Another member's figures are not to be had, even by asking.
  const other = await page.request.get(`/api/v1/vbp/progress?institution_id=${me.institution.id + 1}`, { headers: { 'X-Tongyao-Csrf': '1' } });
  expect(other.status()).toBe(404);
  await page.goto(`/procurement/vbp?institution_id=${me.institution.id + 1}`);
  await expect(page.getByTestId('error-alert')).toBeVisible();
  await signOut(page);
});
