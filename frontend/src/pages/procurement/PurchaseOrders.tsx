import { Alert, Button, Card, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { TableProps } from 'antd';
import { CloseOutlined, MergeCellsOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import {
  NOTICE_COLOR,
  PO_STATUS_COLOR,
  PURCHASE_ORDERS_KEY,
  listPurchaseOrders,
  type AggregationResult,
  type NoticeState,
  type PurchaseOrder,
  type PurchaseOrderFilters,
  type PurchaseOrderStatus,
} from '../../api/purchaseOrders';
import { listSuppliers } from '../../api/contracts';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { formatDateTime, formatMoney } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';

const k = (key: string) => `procurement.purchaseOrders.${key}`;

/** While a notice waits for the outbox (it polls every few seconds), look again this often. */
export const NOTICE_POLL_MS = 4_000;

export function PoStatusTag({ status }: { status: PurchaseOrderStatus }) {
  const { t } = useTranslation();
  return (
    <Tag color={PO_STATUS_COLOR[status]} data-testid="po-status" data-status={status}>
      {t(k(`status.${status}`))}
    </Tag>
  );
}

/** The e-mail to the supplier: 待发送 / 已发送 / 发送失败, the details (and the last error) on hover. */
export function NoticeTag({ notice }: { notice: NoticeState | null | undefined }) {
  const { t } = useTranslation();
  if (!notice) {
    return (
      <span className="muted" data-testid="po-notice" data-status="none">
        {t(k('notice.none'))}
      </span>
    );
  }
  const hint =
    notice.status === 'sent'
      ? t(k('notice.sentHint'), { recipient: notice.recipient, at: formatDateTime(notice.sent_at) })
      : notice.status === 'failed'
        ? t(k('notice.failedHint'), { recipient: notice.recipient, count: notice.attempts })
        : t(k('notice.pendingHint'), { recipient: notice.recipient });
  return (
    <Tooltip
      title={
        <div>
          <div>{hint}</div>
          {notice.last_error ? (
            <div style={{ marginTop: 4 }} data-testid="po-notice-error">
              {t(k('notice.lastError'))}
              {t('common.colon')}
              {notice.last_error}
            </div>
          ) : null}
        </div>
      }
    >
      <Tag color={NOTICE_COLOR[notice.status]} data-testid="po-notice" data-status={notice.status} style={{ cursor: 'help' }}>
        {t(k(`notice.${notice.status}`))}
      </Tag>
    </Tooltip>
  );
}

/** What an aggregation just made, as the page it landed on says it (from the navigation state). */
export function GeneratedNotice({ aggregationId }: { aggregationId: number | undefined }) {
  const { t } = useTranslation();
  const location = useLocation();
  const result = (location.state as { generated?: AggregationResult } | null)?.generated;
  if (!result || result.aggregation_id !== aggregationId) return null;
  const made = result.purchase_orders.length;
  return (
    <Alert
      type={made > 0 ? 'success' : 'warning'}
      showIcon
      style={{ marginBottom: 12 }}
      data-testid="po-generated"
      data-count={made}
      title={made > 0 ? t(k('generated.title'), { count: made, orders: result.orders }) : t(k('generated.none'))}
      description={
        result.uncovered.length > 0 ? (
          <div data-testid="po-generated-uncovered" data-count={result.uncovered.length}>
            {t(k('generated.uncovered'), { count: result.uncovered.length })}
            {result.uncovered.map((u) => `${u.product.name_zh} ${u.product.strength}（${u.quantity}${u.product.pack_unit}）`).join('、')}
          </div>
        ) : undefined
      }
    />
  );
}

export default function PurchaseOrders() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const location = useLocation();
  const [params, setParams] = useSearchParams();
  const mayManage = can(me, 'manage_procurement');
  const mayReadSuppliers = can(me, 'read_procurement');

  const supplierId = Number(params.get('supplier_id')) || undefined;
  const aggregationId = Number(params.get('aggregation_id')) || undefined;

  const setFilter = (key: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    // The navigation state (what was just generated) stays: it is shown while its aggregation is.
    void navigate({ search: next.toString() }, { replace: true, state: location.state as unknown });
  };

  const suppliers = useQuery({
    queryKey: ['suppliers', 'all'],
    queryFn: () => listSuppliers(),
    staleTime: 5 * 60_000,
    enabled: mayReadSuppliers,
  });

  const filters: PurchaseOrderFilters = { supplier_id: supplierId, aggregation_id: aggregationId };
  const list = useInfiniteQuery({
    queryKey: [PURCHASE_ORDERS_KEY, filters],
    queryFn: ({ pageParam, signal }) => listPurchaseOrders({ ...filters, cursor: pageParam, limit: 50 }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    // The e-mails of new purchase orders go out within seconds: follow them.
    refetchInterval: (q) =>
      q.state.data?.pages.some((p) => p.items.some((o) => o.notice?.status === 'pending')) ? NOTICE_POLL_MS : false,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = !!(supplierId || aggregationId);
  const open = (o: PurchaseOrder) => void navigate(`/procurement/purchase-orders/${o.id}`);

  const columns: TableProps<PurchaseOrder>['columns'] = [
    {
      title: t(k('col.poNo')),
      dataIndex: 'po_no',
      width: 170,
      render: (no: string, o) => (
        <Link to={`/procurement/purchase-orders/${o.id}`} className="num" data-testid="po-no">
          {no}
        </Link>
      ),
    },
    {
      title: t(k('col.supplier')),
      dataIndex: 'supplier_name',
      ellipsis: true,
      render: (n: string, o) => (
        <span data-testid="po-supplier">
          {n}
          {o.status !== 'issued' ? (
            <span style={{ marginInlineStart: 6 }}>
              <PoStatusTag status={o.status} />
            </span>
          ) : null}
        </span>
      ),
    },
    {
      title: t(k('col.lines')),
      dataIndex: 'line_count',
      width: 90,
      align: 'right',
      render: (n: number) => (
        <span className="num" data-testid="po-lines">
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
        <span className="num" data-testid="po-total" data-value={v}>
          {formatMoney(v)}
        </span>
      ),
    },
    {
      title: t(k('col.notice')),
      key: 'notice',
      width: 110,
      render: (_: unknown, o) => <NoticeTag notice={o.notice} />,
    },
    {
      title: t(k('col.aggregation')),
      dataIndex: 'aggregation_id',
      width: 120,
      responsive: ['lg'],
      render: (a: number) => (
        <a
          onClick={(e) => {
            e.stopPropagation();
            setFilter('aggregation_id', String(a));
          }}
          data-testid="po-aggregation"
        >
          {t(k('aggregationTag'), { id: a })}
        </a>
      ),
    },
    {
      title: t(k('col.created')),
      key: 'created',
      width: 170,
      render: (_: unknown, o) => (
        <div>
          {formatDateTime(o.created_at)}
          <div className="muted">{o.created_by ?? '—'}</div>
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
          mayManage ? (
            <Link to="/procurement/purchase-orders/new">
              <Button type="primary" icon={<MergeCellsOutlined />} data-testid="po-aggregate">
                {t(k('newAggregation'))}
              </Button>
            </Link>
          ) : null
        }
      />
      <GeneratedNotice aggregationId={aggregationId} />
      <Card size="small">
        <Space wrap size={[12, 8]} style={{ marginBottom: 12 }}>
          {mayReadSuppliers ? (
            <Select
              allowClear
              showSearch={{ optionFilterProp: 'title' }}
              style={{ width: 280 }}
              placeholder={t(k('filter.allSuppliers'))}
              value={supplierId}
              loading={suppliers.isPending}
              onChange={(v?: number) => setFilter('supplier_id', v ? String(v) : undefined)}
              data-testid="filter-supplier"
              options={(suppliers.data ?? []).map((s) => ({ value: s.id, title: `${s.name} ${s.uscc}`, label: s.name }))}
            />
          ) : null}
          {aggregationId ? (
            <Tag
              color="blue"
              closable
              closeIcon={<CloseOutlined data-testid="filter-aggregation-clear" />}
              onClose={(e) => {
                e.preventDefault();
                setFilter('aggregation_id', undefined);
              }}
              data-testid="filter-aggregation"
              data-id={aggregationId}
              style={{ paddingBlock: 4 }}
            >
              {t(k('filter.aggregation'), { id: aggregationId })}
            </Tag>
          ) : null}
          {filtered ? (
            <Button type="link" onClick={() => setParams({}, { replace: true })} data-testid="filter-clear">
              {t(k('filter.clear'))}
            </Button>
          ) : null}
        </Space>
        <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
        <Table<PurchaseOrder>
          className="clickable-rows"
          size="small"
          rowKey="id"
          columns={columns}
          dataSource={items}
          loading={list.isPending && !list.error}
          pagination={false}
          scroll={{ x: 900 }}
          sticky={{ offsetHeader: 52 }}
          data-testid="po-table"
          locale={{ emptyText: list.isPending ? ' ' : filtered ? t(k('emptyFiltered')) : t(k('empty')) }}
          onRow={(o) =>
            ({
              'data-testid': 'po-row',
              'data-id': o.id,
              'data-aggregation': o.aggregation_id,
              'data-supplier': o.supplier_id,
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
    </>
  );
}
