import { useState } from 'react';
import { Alert, App, Button, Card, Form, Input, Modal, Segmented, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import {
  ORDER_STATUSES,
  ORDER_STATUS_COLOR,
  ORDERS_KEY,
  createOrder,
  listOrders,
  orderKey,
  type Order,
  type OrderFilters,
  type OrderStatus,
} from '../../api/orders';
import { listMembers } from '../../api/contracts';
import { getOpenCycle } from '../../api/cycles';
import { ApiError } from '../../api/problem';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { formatDateTime, formatMoney } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';

const k = (key: string) => `procurement.orders.${key}`;

export function OrderStatusTag({ status }: { status: OrderStatus }) {
  const { t } = useTranslation();
  return (
    <Tag color={ORDER_STATUS_COLOR[status]} data-testid="order-status" data-status={status}>
      {t(k(`status.${status}`))}
    </Tag>
  );
}

/** The cycle an order belongs to, or 紧急 with its reason. */
export function CycleCell({ order }: { order: Pick<Order, 'urgent' | 'urgent_reason' | 'cycle_name'> }) {
  const { t } = useTranslation();
  if (order.urgent) {
    return (
      <span data-testid="order-urgent">
        <Tag color="red">{t(k('urgent'))}</Tag>
        {order.urgent_reason ? <span className="muted" title={order.urgent_reason}>{order.urgent_reason}</span> : null}
      </span>
    );
  }
  return <span data-testid="order-cycle">{order.cycle_name ?? '—'}</span>;
}

interface NewValues {
  institution_id?: number;
  urgent: boolean;
  urgent_reason?: string;
  note?: string;
}

function NewOrderModal({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { message } = App.useApp();
  const [form] = Form.useForm<NewValues>();
  const [needUrgent, setNeedUrgent] = useState(false);
  const cycle = useQuery({ queryKey: ['cycle-open'], queryFn: ({ signal }) => getOpenCycle(signal), enabled: open, staleTime: 30_000 });
  const members = useQuery({ queryKey: ['stock-institutions'], queryFn: listMembers, enabled: open, staleTime: 5 * 60_000 });
  const mine = (members.data ?? []).filter((i) => i.may_record);
  const noCycle = needUrgent || (cycle.isSuccess && cycle.data == null);
  const urgent = Form.useWatch('urgent', form) ?? false;

  const create = useMutation({
    mutationFn: (v: NewValues) =>
      createOrder({
        institution_id: v.institution_id ?? me.institution?.id ?? 0,
        urgent: v.urgent,
        urgent_reason: v.urgent ? v.urgent_reason?.trim() || null : null,
        note: v.note?.trim() || null,
      }),
    onSuccess: (o) => {
      queryClient.setQueryData(orderKey(o.id), o);
      void queryClient.invalidateQueries({ queryKey: [ORDERS_KEY] });
      onClose();
      void navigate(`/procurement/orders/${o.id}`);
    },
    onError: (e) => {
      // No cycle open (O1): offer the urgent order.
      if (e instanceof ApiError && e.rule === 'O1') {
        setNeedUrgent(true);
        form.setFieldValue('urgent', true);
      } else if (!(e instanceof ApiError)) void message.error(String(e));
    },
  });

  return (
    <Modal
      open={open}
      title={t(k('create.title'))}
      onCancel={onClose}
      okText={t(k('create.ok'))}
      okButtonProps={{ loading: create.isPending, 'data-testid': 'order-create-ok' } as never}
      onOk={() => void form.validateFields().then((v) => create.mutate(v))}
      destroyOnHidden
      afterClose={() => {
        form.resetFields();
        create.reset();
        setNeedUrgent(false);
      }}
    >
      <ErrorAlert error={create.error} style={{ marginBottom: 12 }} />
      <Form<NewValues>
        form={form}
        layout="vertical"
        initialValues={{ urgent: false, institution_id: me.institution?.id }}
        data-testid="order-create-form"
      >
        {mine.length > 1 || !me.institution ? (
          <Form.Item name="institution_id" label={t(k('create.institution'))} rules={[{ required: true }]}>
            <Select options={mine.map((i) => ({ value: i.id, label: i.name }))} loading={members.isPending} />
          </Form.Item>
        ) : (
          <Form.Item label={t(k('create.institution'))}>
            <strong>{me.institution?.name}</strong>
          </Form.Item>
        )}
        <Form.Item label={t(k('create.cycle'))}>
          {cycle.data && !needUrgent ? (
            <span data-testid="order-create-cycle">{cycle.data.name}</span>
          ) : noCycle ? (
            <Alert type="warning" showIcon title={t(k('create.noCycle'))} data-testid="order-no-cycle" />
          ) : (
            <span className="muted">…</span>
          )}
        </Form.Item>
        {noCycle ? (
          <>
            <Form.Item name="urgent" label={t(k('create.urgent'))} valuePropName="checked">
              <Switch data-testid="order-urgent-switch" />
            </Form.Item>
            {urgent ? (
              <Form.Item
                name="urgent_reason"
                label={t(k('create.urgentReason'))}
                rules={[{ required: true, whitespace: true, message: t(k('create.urgentReasonRequired')) }]}
              >
                <Input.TextArea rows={2} maxLength={500} placeholder={t(k('create.urgentReasonPlaceholder'))} data-testid="order-urgent-reason" />
              </Form.Item>
            ) : null}
          </>
        ) : null}
        <Form.Item name="note" label={t(k('create.note'))}>
          <Input maxLength={500} placeholder={t(k('create.notePlaceholder'))} data-testid="order-note" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

type StatusFilter = OrderStatus | 'all';

export default function Orders() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const mayOrder = can(me, 'place_orders');
  const [creating, setCreating] = useState(false);

  const statusParam = params.get('status');
  const status: StatusFilter = (ORDER_STATUSES as string[]).includes(statusParam ?? '') ? (statusParam as OrderStatus) : 'all';
  const institutionId = Number(params.get('institution_id')) || undefined;

  const setFilter = (key: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const members = useQuery({ queryKey: ['stock-institutions'], queryFn: listMembers, staleTime: 5 * 60_000 });
  const severalInstitutions = (members.data?.length ?? 0) > 1;

  const filters: OrderFilters = { status: status === 'all' ? undefined : status, institution_id: institutionId };
  const list = useInfiniteQuery({
    queryKey: [ORDERS_KEY, filters],
    queryFn: ({ pageParam, signal }) => listOrders({ ...filters, cursor: pageParam, limit: 50 }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = status !== 'all' || !!institutionId;
  const open = (o: Order) => void navigate(`/procurement/orders/${o.id}`);

  const columns: TableProps<Order>['columns'] = [
    {
      title: '#',
      dataIndex: 'id',
      width: 70,
      render: (id: number) => (
        <Link to={`/procurement/orders/${id}`} className="num">
          {id}
        </Link>
      ),
    },
    {
      title: t(k('col.institution')),
      dataIndex: 'institution_name',
      ellipsis: true,
      render: (n: string) => <span data-testid="order-institution">{n}</span>,
    },
    { title: t(k('col.cycle')), key: 'cycle', width: 240, ellipsis: true, render: (_: unknown, o) => <CycleCell order={o} /> },
    { title: t(k('col.status')), dataIndex: 'status', width: 100, render: (s: OrderStatus) => <OrderStatusTag status={s} /> },
    {
      title: t(k('col.lines')),
      dataIndex: 'line_count',
      width: 90,
      align: 'right',
      render: (n: number) => (
        <span className="num" data-testid="order-lines">
          {n}
        </span>
      ),
    },
    {
      title: t(k('col.total')),
      dataIndex: 'total',
      width: 140,
      align: 'right',
      render: (v: string) => (
        <span className="num" data-testid="order-row-total">
          {formatMoney(v)}
        </span>
      ),
    },
    {
      title: t(k('col.submittedAt')),
      key: 'submitted',
      width: 170,
      render: (_: unknown, o) =>
        o.submitted_at ? (
          <div>
            {formatDateTime(o.submitted_at)}
            <div className="muted">{o.submitted_by}</div>
          </div>
        ) : (
          <span className="muted">—</span>
        ),
    },
    {
      title: t(k('col.createdBy')),
      key: 'created',
      width: 170,
      responsive: ['xl'],
      render: (_: unknown, o) => (
        <div>
          {o.created_by ?? '—'}
          <div className="muted">{formatDateTime(o.created_at)}</div>
        </div>
      ),
    },
  ];

  return (
    <>
      <PageTitle
        title={t(k('title'))}
        sub={t(k('sub'))}
        extra={
          mayOrder ? (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="order-new">
              {t(k('newOrder'))}
            </Button>
          ) : null
        }
      />
      <Card size="small">
        <Space wrap size={[12, 8]} style={{ marginBottom: 12 }}>
          <Segmented<StatusFilter>
            value={status}
            onChange={(v) => setFilter('status', v === 'all' ? undefined : v)}
            data-testid="filter-status"
            options={[
              { value: 'all' as const, label: <span data-testid="filter-status-all">{t(k('filter.all'))}</span> },
              ...ORDER_STATUSES.map((s) => ({
                value: s,
                label: <span data-testid={`filter-status-${s}`}>{t(k(`status.${s}`))}</span>,
              })),
            ]}
          />
          {severalInstitutions ? (
            <Select
              allowClear
              showSearch={{ optionFilterProp: 'title' }}
              style={{ width: 280 }}
              placeholder={t(k('filter.allInstitutions'))}
              value={institutionId}
              onChange={(v?: number) => setFilter('institution_id', v ? String(v) : undefined)}
              data-testid="filter-institution"
              options={(members.data ?? []).map((i) => ({
                value: i.id,
                title: `${i.name} ${i.code}`,
                label: <span style={{ paddingInlineStart: i.level === 'village' ? 12 : 0 }}>{i.name}</span>,
              }))}
            />
          ) : null}
          {filtered ? (
            <Button type="link" onClick={() => setParams({}, { replace: true })} data-testid="filter-clear">
              {t(k('filter.clear'))}
            </Button>
          ) : null}
        </Space>
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
          data-testid="order-table"
          locale={{ emptyText: list.isPending ? ' ' : filtered ? t(k('emptyFiltered')) : t(k('empty')) }}
          onRow={(o) =>
            ({
              'data-testid': 'order-row',
              'data-id': o.id,
              'data-status': o.status,
              onClick: (e: React.MouseEvent) => {
                if (!(e.target as HTMLElement).closest('a')) open(o);
              },
              onKeyDown: (e: React.KeyboardEvent) => {
                if (e.key === 'Enter') open(o);
              },
              tabIndex: 0,
            }) as React.HTMLAttributes<HTMLElement>
          }
          footer={
            items.length
              ? () => (
                  <Space>
                    <Typography.Text type="secondary">
                      {t(k('shown'), { count: items.length })}
                      {list.hasNextPage ? '' : `${t('common.sep')}${t('common.noMore')}`}
                    </Typography.Text>
                    {list.hasNextPage ? (
                      <Button size="small" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
                        {t('common.loadMore')}
                      </Button>
                    ) : null}
                  </Space>
                )
              : undefined
          }
        />
      </Card>
      {mayOrder ? <NewOrderModal open={creating} onClose={() => setCreating(false)} /> : null}
    </>
  );
}
