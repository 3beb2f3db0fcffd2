import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App } from 'antd';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';

// The API client takes `fetch` when it is made (at import): answer it before anything is imported.
const net = vi.hoisted(() => {
  const state = {
    calls: [] as { method: string; url: string; body: unknown }[],
    answer: (_method: string, _url: string): [number, unknown] => [500, {}],
  };
  globalThis.fetch = (async (input: Request) => {
    const body = input.body ? JSON.parse(await input.text()) : null;
    state.calls.push({ method: input.method, url: new URL(input.url).pathname, body });
    const [status, json] = state.answer(input.method, new URL(input.url).pathname);
    return new Response(JSON.stringify(json), {
      status,
      headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' },
    });
  }) as typeof fetch;
  return state;
});

import i18n from '../i18n';
import { ME_KEY } from '../auth';
import { purchaseOrderKey, type PurchaseOrder } from '../api/purchaseOrders';
import { DISTRIBUTION_SETTINGS_KEY } from '../api/receipts';
import Receive from '../pages/distribution/Receive';

const product = (name: string) => ({
  name_zh: name,
  name_en: '',
  strength: '0.5g',
  dosage_form: '片剂',
  manufacturer: '某药业',
  pack_size: 28,
  pack_unit: '盒',
  base_unit: '片',
  cold_chain: false,
});

const line = (id: number, name: string, quantity: number, received: number) => ({
  id,
  entry_id: id + 1000,
  product: product(name),
  contract_id: 1,
  contract_no: 'HT-1',
  quantity,
  price: '2.50',
  amount: '25.00',
  sources: 1,
  received,
  damaged: 0,
  closed: 0,
  outstanding: quantity - received,
});

const PO = {
  id: 7,
  po_no: 'PO20261201-001',
  supplier_id: 3,
  supplier_name: '某医药公司',
  aggregation_id: 1,
  status: 'receiving',
  total: '100.00',
  line_count: 3,
  created_at: '2026-01-01T02:00:00Z',
  created_by: 'demo-procurement',
  notice: null,
  close_reason: null,
  closed_at: null,
  version: 4,
  lines: [line(101, '二甲双胍片', 5, 0), line(102, '阿莫西林胶囊', 3, 3), line(103, '硝苯地平片', 2, 0)],
} as unknown as PurchaseOrder;

function Landed() {
  const location = useLocation();
  const receipt = (location.state as { receipt?: { receipt_no: string } } | null)?.receipt;
  return <div data-testid="landed">{receipt?.receipt_no}</div>;
}

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  client.setQueryData(ME_KEY, {
    id: 1,
    username: 'demo-distribution',
    display_name: 'D',
    roles: ['distribution'],
    actions: ['read_purchase_orders', 'read_distribution', 'receive_goods'],
    today: '2026-12-05',
  });
  client.setQueryData(purchaseOrderKey(7), PO);
  client.setQueryData(DISTRIBUTION_SETTINGS_KEY, { min_shelf_days: 180, confirm_within_days: 3, min_allocate_days: 90, version: 0 });
  render(
    <QueryClientProvider client={client}>
      <App>
        <MemoryRouter initialEntries={['/procurement/purchase-orders/7/receive']}>
          <Routes>
            <Route path="/procurement/purchase-orders/:id/receive" element={<Receive />} />
            <Route path="/procurement/purchase-orders/:id" element={<Landed />} />
          </Routes>
        </MemoryRouter>
      </App>
    </QueryClientProvider>,
  );
}

const cell = (testId: string, row: number) =>
  document.querySelector<HTMLInputElement>(`input[data-testid="${testId}"][data-row="${row}"]`)!;

describe('the receive page', () => {
  beforeAll(async () => {
    await i18n.changeLanguage('zh-CN');
  });
  beforeEach(() => {
    net.calls.length = 0;
  });

  it('walks a scanner’s Enter through the row, collects trace codes, and sends the receipt with the version read', async () => {
    const user = userEvent.setup();
    net.answer = (method, url) =>
      method === 'POST' && url === '/api/v1/receipts'
        ? [201, { id: 9, receipt_no: 'RK20261205-001', purchase_order_id: 7, packs: 3, damaged: 0, lines: [] }]
        : [500, {}];
    renderPage();

    // A row per line still outstanding (the line received in full is not offered).
    const rows = screen.getAllByTestId('rcv-row');
    expect(rows.map((r) => r.getAttribute('data-line'))).toEqual(['101', '103']);
    expect(within(rows[0]).getByTestId('rcv-outstanding')).toHaveAttribute('data-value', '5');

    await user.click(cell('rcv-lot', 0));
    await user.keyboard('L240501{Enter}');
    await waitFor(() => expect(document.activeElement).toBe(cell('rcv-expiry', 0)));
    await user.keyboard('20280430{Enter}');
    await waitFor(() => expect(document.activeElement).toBe(cell('rcv-quantity', 0)));
    expect(cell('rcv-expiry', 0)).toHaveValue('2028-04-30');
    await user.keyboard('3{Enter}');
    await waitFor(() => expect(document.activeElement).toBe(cell('rcv-damaged', 0)));
    // No damage: the damage note is skipped.
    await user.keyboard('{Enter}');
    await waitFor(() => expect(document.activeElement).toBe(cell('rcv-scan', 0)));
    // Scans: each code joins the list, the cell stays for the next pack; a bad scan is said.
    await user.keyboard('81234567890123456789{Enter}');
    await user.keyboard('12345{Enter}');
    await user.keyboard(']C181234567890123456780{Enter}');
    expect(document.activeElement).toBe(cell('rcv-scan', 0));
    const row0 = screen.getAllByTestId('rcv-row')[0];
    expect(within(row0).getAllByTestId('rcv-code').map((c) => c.getAttribute('data-code'))).toEqual([
      '81234567890123456789',
      '81234567890123456780',
    ]);
    expect(within(row0).getByTestId('rcv-code-count')).toHaveAttribute('data-codes', '2');
    expect(within(row0).getByTestId('rcv-scan-problem')).toHaveTextContent('不是药品追溯码');
    // An Enter on the empty scan cell goes on to the next row.
    await user.keyboard('{Enter}');
    await waitFor(() => expect(document.activeElement).toBe(cell('rcv-lot', 1)));
    // The same code on another row is refused.
    await user.click(cell('rcv-scan', 1));
    await user.keyboard('81234567890123456789{Enter}');
    expect(within(screen.getAllByTestId('rcv-row')[1]).getByTestId('rcv-scan-problem')).toHaveTextContent('另一行');
    expect(net.calls).toEqual([]);

    expect(screen.getByTestId('rcv-summary')).toHaveAttribute('data-good', '3');
    await user.click(screen.getByTestId('rcv-submit'));
    expect(await screen.findByTestId('rcv-confirm-body')).toHaveTextContent('合格入库 3 个包装');
    expect(screen.getByTestId('rcv-confirm-invoice-pending')).toBeInTheDocument();
    await user.click(screen.getByTestId('rcv-confirm'));
    expect(await screen.findByTestId('landed')).toHaveTextContent('RK20261205-001');
    const posts = net.calls.filter((c) => c.method === 'POST');
    expect(posts.map((c) => c.url)).toEqual(['/api/v1/receipts']);
    const body = posts[0].body as Record<string, unknown>;
    expect(body).toMatchObject({
      purchase_order_id: 7,
      version: 4,
      lines: [
        {
          po_line_id: 101,
          lot_no: 'L240501',
          expiry: '2028-04-30',
          quantity: 3,
          damaged: 0,
          trace_codes: ['81234567890123456789', '81234567890123456780'],
        },
      ],
    });
    expect(body).not.toHaveProperty('invoice_no');
  });

  it('checks the rows before sending and shows a refusal at the row it names', async () => {
    const user = userEvent.setup();
    net.answer = (method, url) =>
      method === 'POST' && url === '/api/v1/receipts'
        ? [422, { title: 'refused', status: 422, rule: 'D1', detail: '批号 B7 有效期至 2027-01-01，仅剩 27 天：拒收' }]
        : [500, {}];
    renderPage();
    // Too many packs for what is outstanding, and short-dated: caught here, nothing sent.
    await user.click(cell('rcv-lot', 0));
    await user.keyboard('A1{Enter}2027-01-01{Enter}6{Enter}');
    await user.click(screen.getByTestId('rcv-submit'));
    const row0 = () => screen.getAllByTestId('rcv-row')[0];
    await waitFor(() => expect(row0()).toHaveAttribute('data-problem', 'true'));
    const problems = within(row0()).getAllByTestId('rcv-problem').map((p) => p.textContent);
    expect(problems.some((p) => p?.includes('剩余效期不足 180 天'))).toBe(true);
    expect(problems.some((p) => p?.includes('超过未到货的 5'))).toBe(true);
    expect(net.calls).toEqual([]);

    // Corrected, then refused by the server anyway (its settings may differ): the rule and the row.
    await user.clear(cell('rcv-lot', 0));
    await user.type(cell('rcv-lot', 0), 'B7');
    await user.clear(cell('rcv-expiry', 0));
    await user.type(cell('rcv-expiry', 0), '2099-01-01');
    await user.clear(cell('rcv-quantity', 0));
    await user.type(cell('rcv-quantity', 0), '5');
    await user.click(screen.getByTestId('rcv-submit'));
    await user.click(await screen.findByTestId('rcv-confirm'));
    await waitFor(() => expect(screen.getByTestId('rcv-error')).toHaveAttribute('data-rule', 'D1'));
    expect(screen.getByTestId('error-alert')).toHaveTextContent('D1: 批号 B7');
    expect(within(row0()).getByTestId('rcv-row-problem')).toHaveTextContent('D1');
  });

  it('says the purchase order changed (409), reads it again and keeps what was typed', async () => {
    const user = userEvent.setup();
    net.answer = (method, url) =>
      method === 'POST' && url === '/api/v1/receipts'
        ? [409, { title: 'Conflict', status: 409, detail: 'changed since it was read' }]
        : method === 'GET' && url === '/api/v1/purchase-orders/7'
          ? [200, { ...PO, version: 5 }]
          : [500, {}];
    renderPage();
    await user.click(cell('rcv-lot', 1));
    await user.keyboard('N1{Enter}20990101{Enter}2{Enter}');
    await user.click(screen.getByTestId('rcv-submit'));
    await user.click(await screen.findByTestId('rcv-confirm'));
    expect(await screen.findByTestId('rcv-stale')).toBeInTheDocument();
    await waitFor(() => expect(net.calls.some((c) => c.method === 'GET' && c.url === '/api/v1/purchase-orders/7')).toBe(true));
    expect(cell('rcv-lot', 1)).toHaveValue('N1');
    // Sent again: with the version read again.
    await user.click(screen.getByTestId('rcv-submit'));
    await user.click(await screen.findByTestId('rcv-confirm'));
    await waitFor(() => expect(net.calls.filter((c) => c.method === 'POST')).toHaveLength(2));
    expect((net.calls.filter((c) => c.method === 'POST')[1].body as { version: number }).version).toBe(5);
  });
});
