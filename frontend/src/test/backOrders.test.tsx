import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App } from 'antd';
import { MemoryRouter, Route, Routes } from 'react-router';

// The API client takes `fetch` when it is made (at import): answer it before anything is imported.
const net = vi.hoisted(() => {
  const state = {
    calls: [] as { method: string; url: string; search: string; body: unknown }[],
    answer: (_method: string, _url: string, _search: string): [number, unknown] => [500, {}],
  };
  globalThis.fetch = (async (input: Request) => {
    const text = input.body ? await input.text() : '';
    const body = text ? JSON.parse(text) : null;
    const url = new URL(input.url);
    state.calls.push({ method: input.method, url: url.pathname, search: url.search, body });
    const [status, json] = state.answer(input.method, url.pathname, url.search);
    if (status === 204) return new Response(null, { status });
    return new Response(JSON.stringify(json), {
      status,
      headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' },
    });
  }) as typeof fetch;
  return state;
});

import i18n from '../i18n';
import zhCN from '../i18n/zh-CN';
import en from '../i18n/en';
import { ME_KEY } from '../auth';
import {
  ALLOCATION_STATUSES,
  BACK_ORDER_REASONS,
  MIN_ALLOCATE_DAYS,
  ageWarn,
  closeReasonOk,
  reasonColor,
  reasonParam,
  statusColor,
  statusParam,
  type Allocation,
  type BackOrder,
} from '../api/backOrders';
import { DISTRIBUTION_SETTINGS_KEY } from '../api/receipts';
import BackOrders from '../pages/distribution/BackOrders';
import DistributionSettingsTags from '../pages/distribution/Settings';

describe('back order helpers', () => {
  it('counts a reason to end a back order as the server does: trimmed, at least 2 characters', () => {
    expect(closeReasonOk(undefined)).toBe(false);
    expect(closeReasonOk(null)).toBe(false);
    expect(closeReasonOk('')).toBe(false);
    expect(closeReasonOk('停')).toBe(false);
    expect(closeReasonOk('  停 \n')).toBe(false);
    expect(closeReasonOk('停产')).toBe(true);
    expect(closeReasonOk(' ok ')).toBe(true);
    // Characters, not UTF-16 units: one emoji is two units but one character.
    expect(closeReasonOk('💊')).toBe(false);
    expect(closeReasonOk('💊💊')).toBe(true);
    // A rare character outside the BMP (𠮷) counts once too.
    expect(closeReasonOk('𠮷')).toBe(false);
  });

  it('colours each reason and status, an unknown one neutrally', () => {
    expect(BACK_ORDER_REASONS.map(reasonColor)).toEqual(['red', 'orange', 'purple', 'gold', 'volcano']);
    expect(new Set(BACK_ORDER_REASONS.map(reasonColor)).size).toBe(BACK_ORDER_REASONS.length);
    expect(reasonColor('lost_in_transit')).toBe('default');
    expect(ALLOCATION_STATUSES.map(statusColor)).toEqual(['blue', 'cyan', 'green', 'default']);
    expect(statusColor('weird')).toBe('default');
  });

  it('reads the filters of the address, ignoring what the server does not know', () => {
    expect(reasonParam('held')).toBe('held');
    expect(reasonParam('short_dated')).toBe('short_dated');
    expect(reasonParam('nonsense')).toBeUndefined();
    expect(reasonParam(null)).toBeUndefined();
    expect(statusParam('picked')).toBe('picked');
    expect(statusParam('')).toBeUndefined();
    expect(statusParam(undefined)).toBeUndefined();
  });

  it('marks a back order waiting more than 7 days', () => {
    expect(ageWarn(0)).toBe(false);
    expect(ageWarn(7)).toBe(false);
    expect(ageWarn(8)).toBe(true);
  });

  it('takes the allocation setting in the server’s bounds', () => {
    expect(MIN_ALLOCATE_DAYS).toEqual({ min: 0, max: 1825 });
  });

  it('labels every reason and status in both languages', () => {
    for (const r of BACK_ORDER_REASONS) {
      expect(zhCN.distribution.backOrders.reason[r]).toBeTruthy();
      expect(en.distribution.backOrders.reason[r]).toBeTruthy();
    }
    for (const s of ALLOCATION_STATUSES) {
      expect(zhCN.distribution.backOrders.status[s]).toBeTruthy();
      expect(en.distribution.backOrders.status[s]).toBeTruthy();
    }
    expect(zhCN.distribution.backOrders.reason.not_enough).toBe('库存不足（已按加急和下单先后分配给其他订单）');
    expect(zhCN.distribution.backOrders.status.dispatched).toBe('已发出');
  });
});

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

const backOrder = (line: number, name: string, over: Partial<BackOrder> = {}): BackOrder => ({
  order_line_id: line,
  order_id: 5,
  institution_id: 21,
  institution_name: '东村卫生室',
  urgent: false,
  entry_id: line + 1000,
  product: product(name),
  ordered: 10,
  allocated: 4,
  quantity: 6,
  reason: 'not_enough',
  since: '2026-11-20',
  age_days: 3,
  ...over,
});

const BACK_ORDERS: BackOrder[] = [
  backOrder(11, '二甲双胍片', { urgent: true, age_days: 12, reason: 'held' }),
  backOrder(12, '阿莫西林胶囊', { allocated: 0, quantity: 10, reason: 'no_stock' }),
];

const ALLOCATIONS: Allocation[] = [
  {
    id: 31,
    order_id: 5,
    order_line_id: 11,
    institution_id: 21,
    institution_name: '东村卫生室',
    urgent: true,
    entry_id: 1011,
    product: product('二甲双胍片'),
    lot_id: 71,
    lot_no: 'L240501',
    expiry: '2028-04-30',
    quantity: 4,
    status: 'allocated',
    note: null,
    created_at: '2026-12-01T02:00:00Z',
  },
];

const PHARMACIST = ['read_formulary', 'read_stock', 'read_procurement', 'place_orders', 'read_allocations'];
const CLERK = ['read_purchase_orders', 'read_distribution', 'receive_goods', 'hold_lots', 'read_allocations', 'allocate_stock', 'close_back_orders'];

function renderPage(actions: string[], path = '/distribution/back-orders') {
  const client = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  client.setQueryData(ME_KEY, { id: 1, username: 'u', display_name: 'U', roles: [], actions, today: '2026-12-05' });
  client.setQueryData(DISTRIBUTION_SETTINGS_KEY, { min_shelf_days: 180, confirm_within_days: 3, min_allocate_days: 90, version: 2 });
  render(
    <QueryClientProvider client={client}>
      <App>
        <MemoryRouter initialEntries={[path]}>
          <Routes>
            <Route path="/distribution/back-orders" element={<BackOrders />} />
          </Routes>
        </MemoryRouter>
      </App>
    </QueryClientProvider>,
  );
}

/** The server of these tests: lists, a run, and ending a back order. */
function serve(opts: { closeStatus?: number } = {}) {
  net.answer = (method, url) => {
    if (method === 'GET' && url === '/api/v1/back-orders') return [200, { items: BACK_ORDERS, next_cursor: null }];
    if (method === 'GET' && url === '/api/v1/allocations') return [200, { items: ALLOCATIONS, next_cursor: null }];
    if (method === 'POST' && url === '/api/v1/allocations/run') {
      return [200, { lines_allocated: 3, packs_allocated: 17, allocations_cancelled: 0, back_orders: 2, packs_short: 16 }];
    }
    if (method === 'POST' && /^\/api\/v1\/back-orders\/\d+\/close$/.test(url)) return [opts.closeStatus ?? 204, {}];
    return [500, {}];
  };
}

const gets = (url: string) => net.calls.filter((c) => c.method === 'GET' && c.url === url).length;

describe('the allocation and back orders page', () => {
  beforeAll(async () => {
    await i18n.changeLanguage('zh-CN');
  });
  beforeEach(() => {
    net.calls.length = 0;
    serve();
  });

  it('shows a member’s pharmacist the back orders, the long wait marked, with neither allocation nor ending', async () => {
    renderPage(PHARMACIST);
    const rows = await screen.findAllByTestId('bo-row');
    expect(rows.map((r) => r.getAttribute('data-line'))).toEqual(['11', '12']);
    expect(within(rows[0]).getByTestId('urgent')).toHaveTextContent('紧急');
    expect(within(rows[1]).queryByTestId('urgent')).toBeNull();
    expect(within(rows[0]).getByTestId('bo-reason')).toHaveTextContent('库存批号被质量冻结');
    expect(within(rows[1]).getByTestId('bo-reason')).toHaveTextContent('中心库房无库存');
    expect(within(rows[1]).getByTestId('bo-short')).toHaveTextContent('10盒');
    expect(within(rows[0]).getByTestId('bo-age')).toHaveAttribute('data-warn', 'true');
    expect(within(rows[1]).getByTestId('bo-age')).toHaveAttribute('data-warn', 'false');
    expect(screen.queryByTestId('bo-close')).toBeNull();
    expect(screen.queryByTestId('allocate-now')).toBeNull();
    // No read_distribution: the settings are not asked for.
    expect(screen.queryByTestId('dist-settings')).toBeNull();
    expect(gets('/api/v1/allocations')).toBe(0);
  });

  it('refuses a one-character reason to end a back order, then ends it with a real one', async () => {
    const user = userEvent.setup();
    renderPage([...PHARMACIST, 'close_back_orders']);
    const rows = await screen.findAllByTestId('bo-row');
    await user.click(within(rows[0]).getByTestId('bo-close'));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByTestId('close-subject')).toHaveAttribute('data-line', '11');

    await user.type(within(dialog).getByTestId('close-reason'), ' 停 ');
    await user.click(screen.getByTestId('close-confirm'));
    expect(await within(dialog).findByText('请写明结束原因（至少 2 个字）')).toBeInTheDocument();
    expect(net.calls.filter((c) => c.method === 'POST')).toEqual([]);

    const before = gets('/api/v1/back-orders');
    await user.clear(within(dialog).getByTestId('close-reason'));
    await user.type(within(dialog).getByTestId('close-reason'), ' 停产，改订替代品种 ');
    await user.click(screen.getByTestId('close-confirm'));
    await waitFor(() => expect(net.calls.filter((c) => c.method === 'POST')).toHaveLength(1));
    const post = net.calls.find((c) => c.method === 'POST')!;
    expect(post.url).toBe('/api/v1/back-orders/11/close');
    expect(post.body).toEqual({ reason: '停产，改订替代品种' });
    // The list is read again.
    await waitFor(() => expect(gets('/api/v1/back-orders')).toBeGreaterThan(before));
  });

  it('shows the server’s refusal in the dialog', async () => {
    const user = userEvent.setup();
    serve({ closeStatus: 404 });
    renderPage([...PHARMACIST, 'close_back_orders']);
    const rows = await screen.findAllByTestId('bo-row');
    await user.click(within(rows[1]).getByTestId('bo-close'));
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByTestId('close-reason'), '停产');
    await user.click(screen.getByTestId('close-confirm'));
    await waitFor(() => expect(net.calls.filter((c) => c.method === 'POST')).toHaveLength(1));
    expect(await within(dialog).findByRole('alert')).toBeInTheDocument();
  });

  it('allocates now for the warehouse, says what it did and reads both lists again', async () => {
    const user = userEvent.setup();
    renderPage(CLERK);
    await screen.findAllByTestId('bo-row');
    expect(screen.getAllByTestId('bo-close')).toHaveLength(2);
    // The allocation setting in the title.
    expect(await screen.findByTestId('dist-settings-min-allocate-tag')).toHaveAttribute('data-value', '90');
    expect(screen.queryByTestId('dist-settings-min-shelf-tag')).toBeNull();

    const before = gets('/api/v1/back-orders');
    await user.click(screen.getByTestId('allocate-now'));
    await waitFor(() => expect(net.calls.some((c) => c.method === 'POST' && c.url === '/api/v1/allocations/run')).toBe(true));
    const result = await screen.findByTestId('allocation-result-text');
    expect(result).toHaveTextContent('3 条请领明细分配了 17 个包装');
    expect(result).toHaveTextContent('仍缺货 2 条（16 个包装）');
    await waitFor(() => expect(gets('/api/v1/back-orders')).toBeGreaterThan(before));

    // The allocations, with their status.
    await user.click(screen.getByTestId('tab-allocations'));
    const rows = await screen.findAllByTestId('alloc-row');
    expect(rows).toHaveLength(1);
    expect(within(rows[0]).getByTestId('alloc-lot')).toHaveTextContent('L240501');
    expect(within(rows[0]).getByTestId('alloc-quantity')).toHaveTextContent('4盒');
    expect(within(rows[0]).getByTestId('alloc-status')).toHaveTextContent('已分配');
  });

  it('opens at the allocations with the filter of the address', async () => {
    renderPage(PHARMACIST, '/distribution/back-orders?tab=allocations&status=allocated');
    await screen.findAllByTestId('alloc-row');
    const call = net.calls.find((c) => c.url === '/api/v1/allocations')!;
    expect(new URLSearchParams(call.search).get('status')).toBe('allocated');
    expect(gets('/api/v1/back-orders')).toBe(0);
  });

  it('asks the server for the reason filtered by', async () => {
    renderPage(PHARMACIST, '/distribution/back-orders?reason=held');
    await screen.findAllByTestId('bo-row');
    const call = net.calls.find((c) => c.url === '/api/v1/back-orders')!;
    expect(new URLSearchParams(call.search).get('reason')).toBe('held');
  });
});

describe('the distribution settings', () => {
  beforeAll(async () => {
    await i18n.changeLanguage('zh-CN');
  });

  it('sends the shelf life at allocation with the others', async () => {
    const user = userEvent.setup();
    net.calls.length = 0;
    net.answer = (method, url) =>
      method === 'PUT' && url === '/api/v1/distribution/settings'
        ? [200, { min_shelf_days: 180, confirm_within_days: 3, min_allocate_days: 120, version: 3 }]
        : [500, {}];
    const client = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
    client.setQueryData(ME_KEY, { id: 1, username: 'u', display_name: 'U', roles: [], actions: ['read_distribution', 'set_distribution_settings'], today: '2026-12-05' });
    client.setQueryData(DISTRIBUTION_SETTINGS_KEY, { min_shelf_days: 180, confirm_within_days: 3, min_allocate_days: 90, version: 2 });
    render(
      <QueryClientProvider client={client}>
        <App>
          <DistributionSettingsTags />
        </App>
      </QueryClientProvider>,
    );
    expect(screen.getByTestId('dist-settings-min-allocate-tag')).toHaveTextContent('分配最短剩余效期 90 天');
    await user.click(screen.getByTestId('dist-settings-edit'));
    const input = await screen.findByTestId('dist-settings-min-allocate');
    expect(input).toHaveValue('90');
    await user.clear(input);
    await user.type(input, '2000');
    await user.click(screen.getByTestId('dist-settings-save'));
    expect(await screen.findByText('请输入 0 到 1825 之间的整数')).toBeInTheDocument();
    expect(net.calls.filter((c) => c.method === 'PUT')).toEqual([]);

    await user.clear(input);
    await user.type(input, '120');
    await user.click(screen.getByTestId('dist-settings-save'));
    await waitFor(() => expect(net.calls.filter((c) => c.method === 'PUT')).toHaveLength(1));
    expect(net.calls.find((c) => c.method === 'PUT')!.body).toEqual({
      min_shelf_days: 180,
      confirm_within_days: 3,
      min_allocate_days: 120,
      version: 2,
    });
    await waitFor(() => expect(screen.getByTestId('dist-settings-min-allocate-tag')).toHaveAttribute('data-value', '120'));
  });
});
