import { useEffect, useState } from 'react';
import { Alert, App, Button, Card, Form, Input, Modal, Select, Space, Table, Tabs, Tag, Tooltip, Typography } from 'antd';
import type { TableProps } from 'antd';
import { StopOutlined, ThunderboltOutlined, WarningOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import {
  AGE_WARN_DAYS,
  ALLOCATIONS_KEY,
  ALLOCATION_STATUSES,
  BACK_ORDERS_KEY,
  BACK_ORDER_REASONS,
  ageWarn,
  closeBackOrder,
  closeReasonOk,
  listAllocations,
  listBackOrders,
  reasonColor,
  reasonParam,
  runAllocation,
  statusColor,
  statusParam,
  type Allocation,
  type AllocationRun,
  type AllocationStatus,
  type BackOrder,
  type BackOrderReason,
} from '../../api/backOrders';
import { productLabel } from '../../api/contracts';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { formatDate, formatDateTime } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import ProductCell from '../../components/stock/ProductCell';
import DistributionSettingsTags from './Settings';

const k = (key: string) => `distribution.backOrders.${key}`;

type Tab = 'back-orders' | 'allocations';

/** Packs with the product's pack unit (盒, 支): allocation and back orders count whole packs. */
const packs = (n: number, p: { pack_unit: string }) => `${n}${p.pack_unit}`;

/** The member ordering, with the urgent mark of an urgent order. */
function MemberCell({ name, urgent }: { name: string; urgent: boolean }) {
  const { t } = useTranslation();
  return (
    <span data-testid="member">
      {name}
      {urgent ? (
        <Tag color="red" style={{ marginInlineStart: 6 }} data-testid="urgent">
          {t(k('urgent'))}
        </Tag>
      ) : null}
    </span>
  );
}

/** 结束缺货: what is still short on an order line will not be supplied, saying why (D2). */
function CloseModal({ backOrder, onClose }: { backOrder: BackOrder | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ reason: string }>();
  const close = useMutation({
    mutationFn: (v: { line: number; reason: string }) => closeBackOrder(v.line, v.reason),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: [BACK_ORDERS_KEY] });
      if (backOrder) void message.success(t(k('closed'), { member: backOrder.institution_name, product: productLabel(backOrder.product) }));
      onClose();
    },
  });
  useEffect(() => {
    if (backOrder) close.reset();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [backOrder]);
  return (
    <Modal
      open={!!backOrder}
      title={t(k('closeTitle'))}
      onCancel={onClose}
      onOk={() =>
        void form.validateFields().then(
          (v) => backOrder && close.mutate({ line: backOrder.order_line_id, reason: v.reason.trim() }),
          () => undefined, // the form says what is missing
        )
      }
      okText={t(k('closeOk'))}
      okButtonProps={{ danger: true, loading: close.isPending, 'data-testid': 'close-confirm' } as never}
      cancelText={t('common.cancel')}
      destroyOnHidden
      afterClose={() => form.resetFields()}
    >
      {backOrder ? (
        <div style={{ marginBottom: 12 }} data-testid="close-subject" data-line={backOrder.order_line_id}>
          <ProductCell product={backOrder.product} />
          <div className="muted">
            {backOrder.institution_name} · {t(k('col.short'))}
            {t('common.colon')}
            {packs(backOrder.quantity, backOrder.product)} · {t(`${k('reason')}.${backOrder.reason}`)}
          </div>
          <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
            {t(k('closeIntro'), { quantity: packs(backOrder.quantity, backOrder.product) })}
          </Typography.Paragraph>
        </div>
      ) : null}
      <Form form={form} layout="vertical">
        <Form.Item
          name="reason"
          label={t(k('closeReason'))}
          rules={[{ validator: (_, v: string | undefined) => (closeReasonOk(v) ? Promise.resolve() : Promise.reject(new Error(t(k('closeRequired'))))) }]}
        >
          <Input.TextArea rows={3} maxLength={1000} showCount autoFocus placeholder={t(k('closePlaceholder'))} data-testid="close-reason" />
        </Form.Item>
      </Form>
      <ErrorAlert error={close.error} />
    </Modal>
  );
}

/** "Load more" under a list read page by page. */
function MoreFooter({
  count,
  hasNext,
  loading,
  onMore,
  testId,
}: {
  count: number;
  hasNext: boolean;
  loading: boolean;
  onMore: () => void;
  testId: string;
}) {
  const { t } = useTranslation();
  return (
    <Space>
      <Typography.Text type="secondary">
        {t(k('shown'), { count })}
        {hasNext ? '' : `${t('common.sep')}${t('common.noMore')}`}
      </Typography.Text>
      {hasNext ? (
        <Button size="small" loading={loading} onClick={onMore} data-testid={testId}>
          {t('common.loadMore')}
        </Button>
      ) : null}
    </Space>
  );
}

/** 缺货: approved order lines not filled (yet), the longest-waiting marked; ended by those who may. */
function BackOrdersTab({ reason, setReason }: { reason: BackOrderReason | undefined; setReason: (r: BackOrderReason | undefined) => void }) {
  const { t } = useTranslation();
  const me = useMe();
  const mayClose = can(me, 'close_back_orders');
  const [closing, setClosing] = useState<BackOrder | null>(null);
  const query = { reason };
  const list = useInfiniteQuery({
    queryKey: [BACK_ORDERS_KEY, 'list', query],
    queryFn: ({ pageParam, signal }) => listBackOrders({ ...query, cursor: pageParam, limit: 50 }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];

  const columns: TableProps<BackOrder>['columns'] = [
    {
      title: t(k('col.member')),
      dataIndex: 'institution_name',
      width: 180,
      render: (name: string, b) => <MemberCell name={name} urgent={b.urgent} />,
    },
    { title: t(k('col.product')), key: 'product', render: (_: unknown, b) => <ProductCell product={b.product} /> },
    {
      title: t(k('col.ordered')),
      dataIndex: 'ordered',
      width: 90,
      align: 'right',
      render: (n: number, b) => (
        <span className="num" data-testid="bo-ordered" data-value={n}>
          {packs(n, b.product)}
        </span>
      ),
    },
    {
      title: t(k('col.allocated')),
      dataIndex: 'allocated',
      width: 90,
      align: 'right',
      render: (n: number, b) => (
        <span className="num" data-testid="bo-allocated" data-value={n}>
          {packs(n, b.product)}
        </span>
      ),
    },
    {
      title: t(k('col.short')),
      dataIndex: 'quantity',
      width: 90,
      align: 'right',
      render: (n: number, b) => (
        <span className="num" data-testid="bo-short" data-value={n} style={{ color: '#cf1322', fontWeight: 600 }}>
          {packs(n, b.product)}
        </span>
      ),
    },
    {
      title: t(k('col.reason')),
      dataIndex: 'reason',
      width: 220,
      render: (r: BackOrderReason) => (
        <Tag color={reasonColor(r)} data-testid="bo-reason" data-reason={r} style={{ whiteSpace: 'normal' }}>
          {t(`${k('reason')}.${r}`)}
        </Tag>
      ),
    },
    { title: t(k('col.since')), dataIndex: 'since', width: 110, render: (d: string) => formatDate(d) },
    {
      title: t(k('col.age')),
      dataIndex: 'age_days',
      width: 90,
      align: 'right',
      render: (n: number) =>
        ageWarn(n) ? (
          <Tooltip title={t(k('ageWarn'), { days: AGE_WARN_DAYS })}>
            <span className="num" data-testid="bo-age" data-value={n} data-warn="true" style={{ color: '#d46b08', fontWeight: 600 }}>
              <WarningOutlined style={{ marginInlineEnd: 4 }} />
              {t(k('ageDays'), { count: n })}
            </span>
          </Tooltip>
        ) : (
          <span className="num" data-testid="bo-age" data-value={n} data-warn="false">
            {t(k('ageDays'), { count: n })}
          </span>
        ),
    },
  ];
  if (mayClose) {
    columns.push({
      title: t('common.actions'),
      key: 'actions',
      width: 120,
      render: (_: unknown, b) => (
        <Button size="small" danger icon={<StopOutlined />} onClick={() => setClosing(b)} data-testid="bo-close">
          {t(k('close'))}
        </Button>
      ),
    });
  }

  return (
    <>
      <Space wrap size={[12, 8]} style={{ marginBottom: 12 }}>
        <Select<BackOrderReason>
          allowClear
          style={{ width: 320 }}
          value={reason}
          placeholder={t(k('filter.allReasons'))}
          onChange={(v) => setReason(v)}
          data-testid="filter-reason"
          options={BACK_ORDER_REASONS.map((r) => ({ value: r, label: t(`${k('reason')}.${r}`) }))}
        />
      </Space>
      <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
      <Table<BackOrder>
        size="small"
        rowKey="order_line_id"
        columns={columns}
        dataSource={items}
        loading={list.isPending && !list.error}
        pagination={false}
        scroll={{ x: 1150 }}
        sticky={{ offsetHeader: 52 }}
        data-testid="back-orders-table"
        locale={{ emptyText: list.isPending ? ' ' : reason ? t(k('emptyFiltered')) : t(k('emptyBackOrders')) }}
        onRow={(b) =>
          ({
            'data-testid': 'bo-row',
            'data-line': b.order_line_id,
            'data-order': b.order_id,
            'data-urgent': b.urgent ? 'true' : 'false',
          }) as React.HTMLAttributes<HTMLElement>
        }
        footer={
          items.length
            ? () => (
                <MoreFooter
                  count={items.length}
                  hasNext={list.hasNextPage}
                  loading={list.isFetchingNextPage}
                  onMore={() => void list.fetchNextPage()}
                  testId="back-orders-more"
                />
              )
            : undefined
        }
      />
      {mayClose ? <CloseModal backOrder={closing} onClose={() => setClosing(null)} /> : null}
    </>
  );
}

/** 已分配: packs of warehouse lots reserved for member order lines, newest first. */
function AllocationsTab({ status, setStatus }: { status: AllocationStatus | undefined; setStatus: (s: AllocationStatus | undefined) => void }) {
  const { t } = useTranslation();
  const query = { status };
  const list = useInfiniteQuery({
    queryKey: [ALLOCATIONS_KEY, 'list', query],
    queryFn: ({ pageParam, signal }) => listAllocations({ ...query, cursor: pageParam, limit: 50 }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];

  const columns: TableProps<Allocation>['columns'] = [
    {
      title: t(k('col.member')),
      dataIndex: 'institution_name',
      width: 180,
      render: (name: string, a) => <MemberCell name={name} urgent={a.urgent} />,
    },
    { title: t(k('col.product')), key: 'product', render: (_: unknown, a) => <ProductCell product={a.product} /> },
    {
      title: t(k('col.lot')),
      dataIndex: 'lot_no',
      width: 130,
      render: (lot: string) => (
        <span className="num" data-testid="alloc-lot">
          {lot}
        </span>
      ),
    },
    { title: t(k('col.expiry')), dataIndex: 'expiry', width: 110, render: (d: string) => formatDate(d) },
    {
      title: t(k('col.quantity')),
      dataIndex: 'quantity',
      width: 90,
      align: 'right',
      render: (n: number, a) => (
        <span className="num" data-testid="alloc-quantity" data-value={n}>
          {packs(n, a.product)}
        </span>
      ),
    },
    {
      title: t(k('col.status')),
      dataIndex: 'status',
      width: 160,
      render: (s: AllocationStatus, a) => (
        <div>
          <Tag color={statusColor(s)} data-testid="alloc-status" data-status={s}>
            {t(`${k('status')}.${s}`)}
          </Tag>
          {a.note ? <div className="muted">{a.note}</div> : null}
        </div>
      ),
    },
    { title: t(k('col.created')), dataIndex: 'created_at', width: 150, render: (d: string) => formatDateTime(d) },
  ];

  return (
    <>
      <Space wrap size={[12, 8]} style={{ marginBottom: 12 }}>
        <Select<AllocationStatus>
          allowClear
          style={{ width: 180 }}
          value={status}
          placeholder={t(k('filter.allStatuses'))}
          onChange={(v) => setStatus(v)}
          data-testid="filter-status"
          options={ALLOCATION_STATUSES.map((s) => ({ value: s, label: t(`${k('status')}.${s}`) }))}
        />
      </Space>
      <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
      <Table<Allocation>
        size="small"
        rowKey="id"
        columns={columns}
        dataSource={items}
        loading={list.isPending && !list.error}
        pagination={false}
        scroll={{ x: 1050 }}
        sticky={{ offsetHeader: 52 }}
        data-testid="allocations-table"
        locale={{ emptyText: list.isPending ? ' ' : status ? t(k('emptyFiltered')) : t(k('emptyAllocations')) }}
        onRow={(a) =>
          ({ 'data-testid': 'alloc-row', 'data-id': a.id, 'data-line': a.order_line_id, 'data-lot': a.lot_id }) as React.HTMLAttributes<HTMLElement>
        }
        footer={
          items.length
            ? () => (
                <MoreFooter
                  count={items.length}
                  hasNext={list.hasNextPage}
                  loading={list.isFetchingNextPage}
                  onMore={() => void list.fetchNextPage()}
                  testId="allocations-more"
                />
              )
            : undefined
        }
      />
    </>
  );
}

/** What the last run allocated and what is still short. */
function RunResult({ run, onClose }: { run: AllocationRun; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Alert
      type={run.back_orders > 0 ? 'warning' : 'success'}
      showIcon
      closable
      onClose={onClose}
      style={{ marginBottom: 12 }}
      data-testid="allocation-result"
      title={t(k('ranTitle'))}
      description={
        <>
          <div data-testid="allocation-result-text">
            {t(k('ran'), { packs: run.packs_allocated, lines: run.lines_allocated, backOrders: run.back_orders, short: run.packs_short })}
          </div>
          {run.allocations_cancelled > 0 ? <div>{t(k('ranCancelled'), { count: run.allocations_cancelled })}</div> : null}
        </>
      }
    />
  );
}

/**
 * 分配与缺货 (D2): the central warehouse's stock allocated to approved member orders
 * first-expiry-first-out, and what could not be filled — back orders, with the reason and how long
 * they have waited. The warehouse allocates now on demand; a back order is ended, saying why, by
 * those who may (a member's pharmacist: their own institution's).
 */
export default function BackOrders() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const me = useMe();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const tab: Tab = params.get('tab') === 'allocations' ? 'allocations' : 'back-orders';
  const reason = reasonParam(params.get('reason'));
  const status = statusParam(params.get('status'));
  const mayAllocate = can(me, 'allocate_stock');
  const [lastRun, setLastRun] = useState<AllocationRun | null>(null);

  const update = (next: { tab?: Tab; reason?: string; status?: string }) => {
    const p: Record<string, string> = {};
    if (next.tab && next.tab !== 'back-orders') p.tab = next.tab;
    if (next.reason) p.reason = next.reason;
    if (next.status) p.status = next.status;
    setParams(p, { replace: true });
  };

  const run = useMutation({
    mutationFn: runAllocation,
    onSuccess: (r) => {
      setLastRun(r);
      void queryClient.invalidateQueries({ queryKey: [BACK_ORDERS_KEY] });
      void queryClient.invalidateQueries({ queryKey: [ALLOCATIONS_KEY] });
      const text = t(k('ran'), { packs: r.packs_allocated, lines: r.lines_allocated, backOrders: r.back_orders, short: r.packs_short });
      if (r.back_orders > 0) void message.warning(text);
      else void message.success(text);
    },
  });

  return (
    <>
      <PageTitle
        title={t(k('title'))}
        sub={t(k('sub'))}
        extra={
          <Space wrap size={8}>
            {can(me, 'read_distribution') ? <DistributionSettingsTags show={['minAllocate']} /> : null}
            {mayAllocate ? (
              <Tooltip title={t(k('runHint'))}>
                <Button type="primary" icon={<ThunderboltOutlined />} loading={run.isPending} onClick={() => run.mutate()} data-testid="allocate-now">
                  {t(k('run'))}
                </Button>
              </Tooltip>
            ) : null}
          </Space>
        }
      />
      <ErrorAlert error={run.error} />
      {lastRun ? <RunResult run={lastRun} onClose={() => setLastRun(null)} /> : null}
      <Card size="small">
        <Tabs
          activeKey={tab}
          onChange={(key) => update({ tab: key as Tab })}
          items={[
            { key: 'back-orders', label: <span data-testid="tab-back-orders">{t(k('tab.backOrders'))}</span> },
            { key: 'allocations', label: <span data-testid="tab-allocations">{t(k('tab.allocations'))}</span> },
          ]}
        />
        {tab === 'back-orders' ? (
          <BackOrdersTab reason={reason} setReason={(r) => update({ tab, reason: r })} />
        ) : (
          <AllocationsTab status={status} setStatus={(s) => update({ tab, status: s })} />
        )}
      </Card>
    </>
  );
}
