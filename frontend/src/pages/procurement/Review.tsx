/**
 * 请领审核 — the lead hospital's procurement officer reviews the members' submitted orders (O4):
 * by member (the queue, with batch approval and return answered per order) and by product (the
 * demand per product across the members). Adjusting quantities happens on the order itself.
 */
import { useMemo, useState } from 'react';
import { Alert, Button, Card, Form, Input, Modal, Segmented, Select, Space, Table, Tabs, Tag, Tooltip, Typography } from 'antd';
import type { TableProps } from 'antd';
import { CheckOutlined, CloseOutlined, RollbackOutlined, WarningFilled } from '@ant-design/icons';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import {
  ORDERS_KEY,
  demandKey,
  listOrders,
  orderKey,
  ordersByProduct,
  reasonOk,
  reviewOrders,
  type BatchReviewResult,
  type DemandLine,
  type DemandQuery,
  type Order,
  type OrderFilters,
  type ProductDemand,
  type ReviewAction,
} from '../../api/orders';
import { listMembers } from '../../api/contracts';
import { listCycles } from '../../api/cycles';
import { formatDateTime, formatMoney, formatPack } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import ProductCell from '../../components/stock/ProductCell';
import { CycleCell, OrderStatusTag } from './Orders';

const k = (key: string) => `procurement.review.${key}`;

/** Where an order opens from here: its page, whose back button returns to the queue. */
const ORDER_STATE = { from: 'review' } as const;

type Tab = 'member' | 'product';
type DemandStatus = 'submitted' | 'approved';

/** The URL's filters: the tab, the cycle (both tabs), the institution and the demand's status. */
function useFilters() {
  const [params, setParams] = useSearchParams();
  const set = (key: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  return {
    tab: (params.get('tab') === 'product' ? 'product' : 'member') as Tab,
    cycleId: Number(params.get('cycle_id')) || undefined,
    institutionId: Number(params.get('institution_id')) || undefined,
    status: (params.get('status') === 'approved' ? 'approved' : 'submitted') as DemandStatus,
    set,
    clear: (keep: string[]) => {
      const next = new URLSearchParams();
      for (const key of keep) {
        const v = params.get(key);
        if (v) next.set(key, v);
      }
      setParams(next, { replace: true });
    },
  };
}

function CycleSelect({ value, onChange }: { value: number | undefined; onChange: (v: number | undefined) => void }) {
  const { t } = useTranslation();
  const cycles = useQuery({ queryKey: ['cycles', 'options'], queryFn: ({ signal }) => listCycles({ limit: 60 }, signal), staleTime: 60_000 });
  return (
    <Select
      allowClear
      style={{ width: 200 }}
      placeholder={t(k('filter.allCycles'))}
      value={value}
      onChange={(v?: number) => onChange(v)}
      loading={cycles.isPending}
      data-testid="review-filter-cycle"
      options={(cycles.data?.items ?? []).map((c) => ({
        value: c.id,
        label: (
          <span>
            {c.name}
            {c.status === 'open' ? (
              <Tag color="processing" style={{ marginInlineStart: 6 }}>
                {t(`procurement.cycles.status.open`)}
              </Tag>
            ) : null}
          </span>
        ),
      }))}
    />
  );
}

/** What a batch did to each order: done (its status now) or refused (the rule and why). */
function BatchResult({
  action,
  result,
  waiting,
  onClose,
}: {
  action: ReviewAction;
  result: BatchReviewResult;
  /** Ids still in the queue (a refused order reviewed by someone else meanwhile is not). */
  waiting: Set<number>;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Alert
      type={result.refused === 0 ? 'success' : result.done === 0 ? 'error' : 'warning'}
      showIcon
      closable={{ onClose, 'aria-label': t(k('result.close')) }}
      style={{ marginBottom: 12 }}
      data-testid="batch-result"
      data-done={result.done}
      data-refused={result.refused}
      title={t(k(`result.${action}`), { done: result.done, refused: result.refused })}
      description={
        <div>
          <ul style={{ margin: '4px 0 0', paddingInlineStart: 18 }}>
            {result.items.map((i) => (
              <li key={i.id} data-testid="batch-outcome" data-id={i.id} data-ok={i.ok ? 'true' : 'false'} style={{ marginBottom: 2 }}>
                <Space wrap size={[8, 2]}>
                  <Link to={`/procurement/orders/${i.id}`} state={ORDER_STATE} className="num">
                    {t(k('result.order'), { id: i.id })}
                  </Link>
                  {i.institution_name ? <span>{i.institution_name}</span> : null}
                  {i.ok ? (
                    <>
                      <Tag color="green" icon={<CheckOutlined />}>
                        {t(k('result.ok'))}
                      </Tag>
                      {i.status ? <OrderStatusTag status={i.status} /> : null}
                    </>
                  ) : (
                    <>
                      <Tag color="red" icon={<CloseOutlined />}>
                        {t(k('result.refused'))}
                      </Tag>
                      <Typography.Text type="danger" data-testid="batch-outcome-problem">
                        {i.problem?.rule ? `${i.problem.rule}: ` : ''}
                        {i.problem?.detail ?? i.problem?.title ?? ''}
                      </Typography.Text>
                    </>
                  )}
                </Space>
              </li>
            ))}
          </ul>
          {result.items.some((i) => !i.ok && waiting.has(i.id)) ? <div className="muted">{t(k('result.refusedHint'))}</div> : null}
        </div>
      }
    />
  );
}

/** The orders a batch is about, as the confirmation lists them. */
function ChosenList({ orders }: { orders: Order[] }) {
  return (
    <ul style={{ maxHeight: 220, overflow: 'auto', margin: '0 0 12px', paddingInlineStart: 18 }} data-testid="batch-chosen">
      {orders.map((o) => (
        <li key={o.id}>
          <span className="num muted">#{o.id}</span> {o.institution_name}
          <span className="muted" style={{ marginInlineStart: 8 }}>
            {o.line_count} · <span className="num">{formatMoney(o.total)}</span>
          </span>
        </li>
      ))}
    </ul>
  );
}

function ByMember() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const f = useFilters();
  const [selected, setSelected] = useState<number[]>([]);
  const [outcome, setOutcome] = useState<{ action: ReviewAction; result: BatchReviewResult } | null>(null);
  const [asking, setAsking] = useState<ReviewAction | null>(null);
  const [returnForm] = Form.useForm<{ reason: string }>();

  const members = useQuery({ queryKey: ['stock-institutions'], queryFn: listMembers, staleTime: 5 * 60_000 });
  const filters: OrderFilters = { status: 'submitted', cycle_id: f.cycleId, institution_id: f.institutionId };
  const list = useInfiniteQuery({
    queryKey: [ORDERS_KEY, filters],
    queryFn: ({ pageParam, signal }) => listOrders({ ...filters, cursor: pageParam, limit: 100 }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  // Orders no longer waiting (reviewed meanwhile) drop out of the selection.
  const chosen = items.filter((o) => selected.includes(o.id));
  const chosenIds = chosen.map((o) => o.id);
  const filtered = !!f.cycleId || !!f.institutionId;

  const batch = useMutation({
    mutationFn: ({ action, reason }: { action: ReviewAction; reason?: string }) =>
      reviewOrders({ action, orders: chosen.map((o) => ({ id: o.id, version: o.version })), reason: reason ?? null }),
    onSuccess: (result, { action }) => {
      setOutcome({ action, result });
      setAsking(null);
      // The refused stay selected, to be looked at and tried again.
      setSelected(result.items.filter((i) => !i.ok).map((i) => i.id));
      for (const i of result.items) void queryClient.invalidateQueries({ queryKey: orderKey(i.id) });
      void queryClient.invalidateQueries({ queryKey: [ORDERS_KEY] });
    },
  });

  const ask = (action: ReviewAction) => {
    batch.reset();
    setAsking(action);
  };
  const open = (o: Order) => void navigate(`/procurement/orders/${o.id}`, { state: ORDER_STATE });
  const toggle = (id: number) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));

  const columns: TableProps<Order>['columns'] = [
    {
      title: '#',
      dataIndex: 'id',
      width: 70,
      render: (id: number) => (
        <Link to={`/procurement/orders/${id}`} state={ORDER_STATE} className="num" data-testid="review-order-link">
          {id}
        </Link>
      ),
    },
    {
      title: t(k('col.institution')),
      dataIndex: 'institution_name',
      ellipsis: true,
      render: (n: string) => <span data-testid="review-institution">{n}</span>,
    },
    { title: t(k('col.cycle')), key: 'cycle', width: 220, ellipsis: true, render: (_: unknown, o) => <CycleCell order={o} /> },
    {
      title: t(k('col.lines')),
      dataIndex: 'line_count',
      width: 80,
      align: 'right',
      render: (n: number) => (
        <span className="num" data-testid="review-lines">
          {n}
        </span>
      ),
    },
    {
      title: t(k('col.total')),
      key: 'total',
      width: 150,
      align: 'right',
      render: (_: unknown, o) => (
        <div>
          <span className="num" data-testid="review-total">
            {formatMoney(o.total)}
          </span>
          {o.unpriced > 0 ? (
            <div className="muted" style={{ color: '#d48806' }}>
              <WarningFilled /> {t(k('unpriced'), { count: o.unpriced })}
            </div>
          ) : null}
        </div>
      ),
    },
    {
      title: t(k('col.submittedAt')),
      key: 'submitted',
      width: 160,
      render: (_: unknown, o) =>
        o.submitted_at ? (
          <div>
            <span className="num">{formatDateTime(o.submitted_at)}</span>
            <div className="muted">{o.submitted_by}</div>
          </div>
        ) : (
          <span className="muted">—</span>
        ),
    },
    {
      title: t(k('col.note')),
      dataIndex: 'note',
      width: 200,
      ellipsis: true,
      responsive: ['xl'],
      render: (n: string | null | undefined) => (n ? <span title={n}>{n}</span> : <span className="muted">—</span>),
    },
  ];

  return (
    <>
      {outcome ? (
        <BatchResult
          action={outcome.action}
          result={outcome.result}
          waiting={new Set(items.map((o) => o.id))}
          onClose={() => setOutcome(null)}
        />
      ) : null}
      <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap', alignItems: 'center', marginBottom: 12 }}>
        <CycleSelect value={f.cycleId} onChange={(v) => f.set('cycle_id', v ? String(v) : undefined)} />
        {(members.data?.length ?? 0) > 1 ? (
          <Select
            allowClear
            showSearch={{ optionFilterProp: 'title' }}
            style={{ width: 260 }}
            placeholder={t(k('filter.allInstitutions'))}
            value={f.institutionId}
            onChange={(v?: number) => f.set('institution_id', v ? String(v) : undefined)}
            data-testid="review-filter-institution"
            options={(members.data ?? []).map((i) => ({
              value: i.id,
              title: `${i.name} ${i.code}`,
              label: <span style={{ paddingInlineStart: i.level === 'village' ? 12 : 0 }}>{i.name}</span>,
            }))}
          />
        ) : null}
        {filtered ? (
          <Button type="link" onClick={() => f.clear(['tab'])} data-testid="review-filter-clear">
            {t(k('filter.clear'))}
          </Button>
        ) : null}
        <span style={{ flex: 1 }} />
        <Typography.Text type={chosen.length ? undefined : 'secondary'} data-testid="review-selected" data-count={chosen.length}>
          {t(k('selected'), { count: chosen.length })}
        </Typography.Text>
        <Button danger icon={<RollbackOutlined />} disabled={chosen.length === 0} onClick={() => ask('return')} data-testid="batch-return">
          {t(k('return'))}
        </Button>
        <Button type="primary" icon={<CheckOutlined />} disabled={chosen.length === 0} onClick={() => ask('approve')} data-testid="batch-approve">
          {t(k('approve'))}
        </Button>
      </div>
      <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
      <Table<Order>
        className="clickable-rows"
        size="small"
        rowKey="id"
        columns={columns}
        dataSource={items}
        loading={list.isPending && !list.error}
        pagination={false}
        scroll={{ x: 900 }}
        sticky={{ offsetHeader: 52 }}
        data-testid="review-table"
        rowSelection={{
          selectedRowKeys: chosenIds,
          onChange: (keys) => setSelected(keys.map(Number)),
          columnWidth: 40,
          getCheckboxProps: (o) => ({ 'aria-label': `#${o.id} ${o.institution_name}` }) as never,
        }}
        locale={{ emptyText: list.isPending ? ' ' : filtered ? t(k('emptyFiltered')) : t(k('empty')) }}
        onRow={(o) =>
          ({
            'data-testid': 'review-row',
            'data-id': o.id,
            'data-institution': o.institution_name,
            'data-selected': chosenIds.includes(o.id) ? 'true' : 'false',
            onClick: (e: React.MouseEvent) => {
              if (!(e.target as HTMLElement).closest('a, .ant-table-selection-column')) open(o);
            },
            onKeyDown: (e: React.KeyboardEvent) => {
              if ((e.target as HTMLElement).tagName === 'INPUT') return;
              if (e.key === 'Enter') open(o);
              else if (e.key === ' ') {
                e.preventDefault();
                toggle(o.id);
              } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
                e.preventDefault();
                const row = (e.currentTarget as HTMLElement)[e.key === 'ArrowDown' ? 'nextElementSibling' : 'previousElementSibling'];
                (row as HTMLElement | null)?.focus();
              }
            },
            tabIndex: 0,
          }) as React.HTMLAttributes<HTMLElement>
        }
        footer={() => (
          <Space wrap>
            <Typography.Text type="secondary">
              {t(k('shown'), { count: items.length })}
              {list.hasNextPage ? '' : `${t('common.sep')}${t('common.noMore')}`}
            </Typography.Text>
            {list.hasNextPage ? (
              <Button size="small" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
                {t('common.loadMore')}
              </Button>
            ) : null}
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t(k('selectHint'))}
            </Typography.Text>
          </Space>
        )}
      />
      <Modal
        open={asking === 'approve'}
        title={t(k('approveTitle'), { count: chosen.length })}
        onCancel={() => setAsking(null)}
        onOk={() => batch.mutate({ action: 'approve' })}
        okText={t(k('approveOk'))}
        okButtonProps={{ loading: batch.isPending, autoFocus: true, 'data-testid': 'batch-approve-confirm' } as never}
        cancelText={t('common.cancel')}
      >
        <p>{t(k('approveBody'))}</p>
        <ChosenList orders={chosen} />
        <ErrorAlert error={batch.error} />
      </Modal>
      <Modal
        open={asking === 'return'}
        title={t(k('returnTitle'), { count: chosen.length })}
        onCancel={() => setAsking(null)}
        onOk={() => void returnForm.validateFields().then((v) => batch.mutate({ action: 'return', reason: v.reason.trim() }))}
        okText={t(k('returnOk'))}
        okButtonProps={{ danger: true, loading: batch.isPending, 'data-testid': 'batch-return-confirm' } as never}
        cancelText={t('common.cancel')}
        destroyOnHidden
        afterClose={() => returnForm.resetFields()}
      >
        <ChosenList orders={chosen} />
        <ErrorAlert error={batch.error} />
        <Form form={returnForm} layout="vertical">
          <Form.Item
            name="reason"
            label={t(k('returnReason'))}
            rules={[{ validator: (_, v: string | undefined) => (reasonOk(v) ? Promise.resolve() : Promise.reject(new Error(t(k('returnRequired'))))) }]}
          >
            <Input.TextArea rows={3} maxLength={500} showCount autoFocus placeholder={t(k('returnPlaceholder'))} data-testid="batch-return-reason" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

/** The members' lines of one product: who ordered how many, each order one click away. */
function MemberLines({ demand }: { demand: ProductDemand }) {
  const { t } = useTranslation();
  const unit = demand.product.pack_unit;
  const columns: TableProps<DemandLine>['columns'] = [
    {
      title: t(k('product.institution')),
      dataIndex: 'institution_name',
      render: (n: string) => <span data-testid="demand-line-institution">{n}</span>,
    },
    {
      title: t(k('product.order')),
      dataIndex: 'order_id',
      width: 110,
      render: (id: number) => (
        <Link to={`/procurement/orders/${id}`} state={ORDER_STATE} className="num" data-testid="demand-line-order">
          #{id}
        </Link>
      ),
    },
    {
      title: t(k('product.memberQuantity')),
      dataIndex: 'quantity',
      width: 120,
      align: 'right',
      render: (q: number) => (
        <span data-testid="demand-line-quantity" data-value={q}>
          <span className="num">{q}</span>
          {unit}
        </span>
      ),
    },
    {
      title: t(k('product.share')),
      key: 'share',
      width: 160,
      render: (_: unknown, l) => {
        const pct = demand.quantity > 0 ? Math.round((l.quantity / demand.quantity) * 100) : 0;
        return (
          <div style={{ display: 'flex', alignItems: 'center', gap: 6 }}>
            <div style={{ flex: 1, height: 6, background: '#f0f0f0', borderRadius: 3 }}>
              <div style={{ width: `${pct}%`, height: 6, background: '#1677ff', borderRadius: 3 }} />
            </div>
            <span className="num muted" style={{ width: 36, textAlign: 'end' }}>
              {pct}%
            </span>
          </div>
        );
      },
    },
  ];
  return (
    <Table<DemandLine>
      size="small"
      rowKey="line_id"
      columns={columns}
      dataSource={demand.lines}
      pagination={false}
      style={{ maxWidth: 720 }}
      data-testid="demand-lines"
      onRow={() => ({ 'data-testid': 'demand-line' }) as React.HTMLAttributes<HTMLElement>}
    />
  );
}

function ByProduct() {
  const { t } = useTranslation();
  const f = useFilters();
  const [search, setSearch] = useState('');
  const [expanded, setExpanded] = useState<number[]>([]);
  const query: DemandQuery = { status: f.status, cycle_id: f.cycleId };
  const demand = useQuery({ queryKey: demandKey(query), queryFn: ({ signal }) => ordersByProduct(query, signal) });
  const needle = search.trim().toLowerCase();
  const items = useMemo(() => {
    const all = demand.data?.items ?? [];
    if (!needle) return all;
    return all.filter((d) =>
      [d.product.name_zh, d.product.name_en, d.product.strength, d.product.manufacturer, d.contract_no, d.supplier_name]
        .filter(Boolean)
        .some((s) => s!.toLowerCase().includes(needle)),
    );
  }, [demand.data, needle]);
  const toggle = (id: number) => setExpanded((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));

  const columns: TableProps<ProductDemand>['columns'] = [
    {
      title: t(k('product.product')),
      key: 'product',
      render: (_: unknown, d) => <ProductCell product={d.product} />,
    },
    { title: t(k('product.pack')), key: 'pack', width: 120, render: (_: unknown, d) => formatPack(d.product) },
    {
      title: f.status === 'approved' ? t(k('product.approvedQuantity')) : t(k('product.quantity')),
      dataIndex: 'quantity',
      width: 120,
      align: 'right',
      sorter: (a, b) => a.quantity - b.quantity,
      render: (q: number, d) => (
        <span data-testid="demand-quantity" data-value={q}>
          <strong className="num">{q}</strong>
          {d.product.pack_unit}
        </span>
      ),
    },
    {
      title: t(k('product.members')),
      dataIndex: 'orders',
      width: 100,
      align: 'right',
      sorter: (a, b) => a.orders - b.orders,
      render: (n: number) => (
        <span className="num" data-testid="demand-members">
          {n}
        </span>
      ),
    },
    {
      title: t(k('product.price')),
      dataIndex: 'price',
      width: 110,
      align: 'right',
      render: (p: string | null | undefined) =>
        p != null ? (
          <span className="num">{formatMoney(p)}</span>
        ) : (
          <Tag color="orange" data-testid="demand-unpriced">
            {t(k('product.noContract'))}
          </Tag>
        ),
    },
    {
      title: t(k('product.contract')),
      key: 'contract',
      width: 230,
      ellipsis: true,
      responsive: ['lg'],
      render: (_: unknown, d) =>
        d.contract_no ? (
          <div>
            <span className="num">{d.contract_no}</span>
            <div className="muted" title={d.supplier_name ?? undefined}>
              {d.supplier_name}
            </div>
          </div>
        ) : (
          <span className="muted">—</span>
        ),
    },
    {
      title: t(k('product.amount')),
      dataIndex: 'amount',
      width: 130,
      align: 'right',
      render: (a: string | null | undefined) => (a != null ? <span className="num">{formatMoney(a)}</span> : <span className="muted">—</span>),
    },
  ];

  return (
    <>
      <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap', alignItems: 'center', marginBottom: 12 }}>
        <Segmented<DemandStatus>
          value={f.status}
          onChange={(v) => f.set('status', v === 'submitted' ? undefined : v)}
          data-testid="demand-status"
          options={[
            { value: 'submitted', label: <span data-testid="demand-status-submitted">{t(k('filter.submitted'))}</span> },
            { value: 'approved', label: <span data-testid="demand-status-approved">{t(k('filter.approved'))}</span> },
          ]}
        />
        <CycleSelect value={f.cycleId} onChange={(v) => f.set('cycle_id', v ? String(v) : undefined)} />
        <Input.Search
          allowClear
          style={{ width: 260 }}
          placeholder={t(k('filter.search'))}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          data-testid="demand-search"
        />
        <span style={{ flex: 1 }} />
        {demand.data ? (
          <Tooltip title={t(k('product.totalHint'))}>
            <Typography.Text data-testid="demand-summary" data-total={demand.data.total} data-orders={demand.data.orders}>
              {t(k('product.summary'), {
                products: demand.data.items.length,
                orders: demand.data.orders,
                total: formatMoney(demand.data.total),
              })}
            </Typography.Text>
          </Tooltip>
        ) : null}
      </div>
      <ErrorAlert error={demand.error} onRetry={() => void demand.refetch()} />
      <Table<ProductDemand>
        className="clickable-rows"
        size="small"
        rowKey="entry_id"
        columns={columns}
        dataSource={items}
        loading={demand.isPending && !demand.error}
        pagination={false}
        scroll={{ x: 900 }}
        sticky={{ offsetHeader: 52 }}
        data-testid="demand-table"
        expandable={{
          expandedRowKeys: expanded,
          onExpand: (_, d) => toggle(d.entry_id),
          expandRowByClick: false,
          expandedRowRender: (d) => <MemberLines demand={d} />,
        }}
        locale={{ emptyText: demand.isPending ? ' ' : needle ? t(k('product.emptyFiltered')) : t(k('product.empty')) }}
        onRow={(d) =>
          ({
            'data-testid': 'demand-row',
            'data-entry': d.entry_id,
            'data-expanded': expanded.includes(d.entry_id) ? 'true' : 'false',
            tabIndex: 0,
            onClick: (e: React.MouseEvent) => {
              if (!(e.target as HTMLElement).closest('a, button, .ant-table-row-expand-icon-cell')) toggle(d.entry_id);
            },
            onKeyDown: (e: React.KeyboardEvent) => {
              if (e.target !== e.currentTarget) return;
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                toggle(d.entry_id);
              } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
                e.preventDefault();
                let row = e.currentTarget as Element | null;
                // Skip an expanded row's member lines.
                do {
                  row = e.key === 'ArrowDown' ? row!.nextElementSibling : row!.previousElementSibling;
                } while (row && !row.matches('[data-testid="demand-row"]'));
                (row as HTMLElement | null)?.focus();
              }
            },
          }) as React.HTMLAttributes<HTMLElement>
        }
        footer={() => (
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t(k('product.expandHint'))}
          </Typography.Text>
        )}
      />
    </>
  );
}

export default function Review() {
  const { t } = useTranslation();
  const f = useFilters();
  return (
    <>
      <PageTitle title={t(k('title'))} sub={t(k('sub'))} />
      <Card size="small">
        <Tabs
          activeKey={f.tab}
          onChange={(key) => f.set('tab', key === 'product' ? 'product' : undefined)}
          destroyOnHidden
          items={[
            { key: 'member', label: <span data-testid="review-tab-member">{t(k('tab.member'))}</span>, children: <ByMember /> },
            { key: 'product', label: <span data-testid="review-tab-product">{t(k('tab.product'))}</span>, children: <ByProduct /> },
          ]}
        />
      </Card>
    </>
  );
}
