import { useState } from 'react';
import { Alert, App, Button, Card, Empty, Modal, Skeleton, Space, Statistic, Table, Tag, Tooltip, Typography } from 'antd';
import type { TableProps } from 'antd';
import { ArrowLeftOutlined, MailOutlined, MergeCellsOutlined, ReloadOutlined, WarningFilled } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import {
  PREVIEW_KEY,
  PURCHASE_ORDERS_KEY,
  generatePurchaseOrders,
  hasWork,
  landingPath,
  previewCounts,
  previewPurchaseOrders,
  type AggregationOrder,
  type PurchaseLine,
  type SupplierPurchase,
  type UncoveredProduct,
} from '../../api/purchaseOrders';
import { ORDERS_KEY } from '../../api/orders';
import { ApiError } from '../../api/problem';
import { formatDate, formatMoney, formatPack } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import ProductCell from '../../components/stock/ProductCell';

const k = (key: string) => `procurement.purchaseOrders.${key}`;

/** The approved orders the aggregation takes. */
function OrdersTaken({ orders }: { orders: AggregationOrder[] }) {
  const { t } = useTranslation();
  const columns: TableProps<AggregationOrder>['columns'] = [
    {
      title: t(k('aggregate.col.order')),
      dataIndex: 'id',
      width: 110,
      render: (id: number) => (
        <Link to={`/procurement/orders/${id}`} data-testid="agg-order-link">
          {t(k('sources.orderNo'), { id })}
        </Link>
      ),
    },
    {
      title: t(k('aggregate.col.institution')),
      dataIndex: 'institution_name',
      render: (n: string) => <span data-testid="agg-order-institution">{n}</span>,
    },
    {
      title: t(k('aggregate.col.cycle')),
      key: 'cycle',
      width: 200,
      render: (_: unknown, o) =>
        o.urgent ? (
          <Tag color="red">{t(k('aggregate.urgent'))}</Tag>
        ) : (
          <span data-testid="agg-order-cycle">{o.cycle_name ?? '—'}</span>
        ),
    },
    {
      title: t(k('aggregate.col.lines')),
      dataIndex: 'line_count',
      width: 100,
      align: 'right',
      render: (n: number) => <span className="num">{n}</span>,
    },
  ];
  return (
    <Card
      size="small"
      title={
        <Space>
          {t(k('aggregate.orders'))}
          <Tag>{t(k('aggregate.ordersCount'), { count: orders.length })}</Tag>
        </Space>
      }
      style={{ marginBottom: 12 }}
    >
      <Table<AggregationOrder>
        size="small"
        rowKey="id"
        columns={columns}
        dataSource={orders}
        pagination={orders.length > 20 ? { pageSize: 20, size: 'small' } : false}
        data-testid="agg-orders"
        onRow={(o) => ({ 'data-testid': 'agg-order', 'data-id': o.id }) as React.HTMLAttributes<HTMLElement>}
      />
    </Card>
  );
}

/** Products no valid contract covers: shown, counted, never skipped without a word. */
function Uncovered({ items }: { items: UncoveredProduct[] }) {
  const { t } = useTranslation();
  const columns: TableProps<UncoveredProduct>['columns'] = [
    {
      title: t(k('aggregate.uncoveredCol.product')),
      key: 'product',
      render: (_: unknown, u) => (
        <Space align="start">
          <ProductCell product={u.product} />
          {u.carried ? (
            <Tooltip title={t(k('aggregate.carriedHint'))}>
              <Tag color="orange" data-testid="uncovered-carried">
                {t(k('aggregate.carried'))}
              </Tag>
            </Tooltip>
          ) : null}
        </Space>
      ),
    },
    {
      title: t(k('aggregate.uncoveredCol.quantity')),
      dataIndex: 'quantity',
      width: 110,
      align: 'right',
      render: (n: number, u) => (
        <span data-testid="uncovered-quantity" data-value={n}>
          <span className="num">{n}</span>
          {u.product.pack_unit}
        </span>
      ),
    },
    {
      title: t(k('aggregate.uncoveredCol.institutions')),
      dataIndex: 'institutions',
      render: (names: string[]) => <span data-testid="uncovered-institutions">{names.join('、')}</span>,
    },
    {
      title: t(k('aggregate.uncoveredCol.action')),
      key: 'action',
      width: 100,
      render: (_: unknown, u) => (
        <Link to={`/procurement/contracts?entry_id=${u.entry_id}&state=all`} data-testid="uncovered-contracts">
          {t(k('aggregate.findContract'))}
        </Link>
      ),
    },
  ];
  return (
    <Alert
      type="warning"
      showIcon
      icon={<WarningFilled />}
      style={{ marginBottom: 12 }}
      data-testid="agg-uncovered"
      data-count={items.length}
      title={<strong>{t(k('aggregate.uncoveredTitle'), { count: items.length })}</strong>}
      description={
        <>
          <div style={{ marginBottom: 8 }}>{t(k('aggregate.uncoveredHint'))}</div>
          <Table<UncoveredProduct>
            size="small"
            rowKey="entry_id"
            columns={columns}
            dataSource={items}
            pagination={false}
            onRow={(u) =>
              ({ 'data-testid': 'uncovered-row', 'data-entry': u.entry_id, 'data-carried': u.carried ? 'true' : 'false' }) as React.HTMLAttributes<HTMLElement>
            }
          />
        </>
      }
    />
  );
}

/** The purchase order one supplier would get. */
function SupplierCard({ s }: { s: SupplierPurchase }) {
  const { t } = useTranslation();
  const columns: TableProps<PurchaseLine>['columns'] = [
    { title: t(k('line.no')), key: 'no', width: 56, render: (_: unknown, __, i) => <span className="num muted">{i + 1}</span> },
    { title: t(k('line.product')), key: 'product', render: (_: unknown, l) => <ProductCell product={l.product} /> },
    { title: t(k('line.pack')), key: 'pack', width: 120, render: (_: unknown, l) => formatPack(l.product) },
    {
      title: t(k('line.contractNo')),
      dataIndex: 'contract_no',
      width: 150,
      render: (no: string) => <span data-testid="agg-line-contract">{no}</span>,
    },
    {
      title: t(k('line.quantity')),
      dataIndex: 'quantity',
      width: 100,
      align: 'right',
      render: (n: number, l) => (
        <span data-testid="agg-line-quantity" data-value={n}>
          <span className="num">{n}</span>
          {l.product.pack_unit}
        </span>
      ),
    },
    {
      title: t(k('line.price')),
      dataIndex: 'price',
      width: 110,
      align: 'right',
      render: (v: string) => <span className="num">{formatMoney(v)}</span>,
    },
    {
      title: t(k('line.amount')),
      dataIndex: 'amount',
      width: 130,
      align: 'right',
      render: (v: string) => (
        <span className="num" data-testid="agg-line-amount" data-value={v}>
          {formatMoney(v)}
        </span>
      ),
    },
    {
      title: t(k('line.sources')),
      dataIndex: 'sources',
      width: 100,
      align: 'right',
      responsive: ['lg'],
      render: (n: number) => <span className="muted">{t(k('line.sourceCount'), { count: n })}</span>,
    },
  ];
  return (
    <Card
      size="small"
      style={{ marginBottom: 12 }}
      data-testid="agg-supplier"
      data-supplier={s.supplier_id}
      title={
        <Space wrap size={[12, 0]}>
          <Tag color="blue">{t(k('aggregate.preview'))}</Tag>
          <span data-testid="agg-supplier-name">{s.supplier_name}</span>
          <Typography.Text type="secondary" style={{ fontWeight: 400, fontSize: 13 }}>
            <MailOutlined /> {s.order_email}
          </Typography.Text>
        </Space>
      }
      extra={
        <Space size={16}>
          <span className="muted">{t(k('aggregate.lines'), { count: s.lines.length })}</span>
          <span>
            {t(k('aggregate.subtotal'))}
            {t('common.colon')}
            <strong className="num" data-testid="agg-supplier-total" data-value={s.total}>
              {formatMoney(s.total)}
            </strong>
          </span>
        </Space>
      }
    >
      <Table<PurchaseLine>
        size="small"
        rowKey="entry_id"
        columns={columns}
        dataSource={s.lines}
        pagination={false}
        scroll={{ x: 860 }}
        onRow={(l) => ({ 'data-testid': 'agg-line', 'data-entry': l.entry_id }) as React.HTMLAttributes<HTMLElement>}
      />
    </Card>
  );
}

export default function Aggregate() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const preview = useQuery({
    queryKey: PREVIEW_KEY,
    queryFn: ({ signal }) => previewPurchaseOrders(signal),
    staleTime: 0,
    refetchOnWindowFocus: false,
  });
  const p = preview.data;

  const generate = useMutation({
    mutationFn: (orderIds: number[]) => generatePurchaseOrders(orderIds),
    onSuccess: (result) => {
      setConfirming(false);
      void queryClient.invalidateQueries({ queryKey: [PURCHASE_ORDERS_KEY] });
      void queryClient.invalidateQueries({ queryKey: [ORDERS_KEY] });
      void queryClient.invalidateQueries({ queryKey: ['order'] });
      queryClient.removeQueries({ queryKey: PREVIEW_KEY });
      void message.success(t(k('aggregate.done'), { count: result.purchase_orders.length }));
      void navigate(landingPath(result), { state: { generated: result } });
    },
    onError: (e) => {
      setConfirming(false);
      // Someone aggregated or returned an order meanwhile: the preview is shown anew.
      if (e instanceof ApiError && e.status === 409) void preview.refetch();
    },
  });

  const back = (
    <Button
      type="text"
      icon={<ArrowLeftOutlined />}
      onClick={() => void navigate('/procurement/purchase-orders')}
      aria-label={t(k('aggregate.back'))}
    />
  );
  const title = (
    <Space>
      {back}
      <span data-testid="agg-title">{t(k('aggregate.title'))}</span>
    </Space>
  );

  if (!p) {
    return (
      <>
        <PageTitle title={title} />
        <ErrorAlert error={preview.error} onRetry={() => void preview.refetch()} />
        {preview.error ? null : (
          <Card>
            <Skeleton active />
          </Card>
        )}
      </>
    );
  }

  const counts = previewCounts(p);
  const work = hasWork(p);
  const stale = generate.error instanceof ApiError && generate.error.status === 409;

  return (
    <>
      <PageTitle
        title={title}
        sub={t(k('aggregate.sub'), { date: formatDate(p.priced_on) })}
        extra={
          <Space>
            <Button icon={<ReloadOutlined />} loading={preview.isFetching} onClick={() => void preview.refetch()} data-testid="agg-refresh">
              {t('common.reload')}
            </Button>
            {work ? (
              <Button
                type="primary"
                icon={<MergeCellsOutlined />}
                onClick={() => {
                  generate.reset();
                  setConfirming(true);
                }}
                disabled={preview.isFetching}
                data-testid="agg-generate"
              >
                {t(k('aggregate.generate'))}
              </Button>
            ) : null}
          </Space>
        }
      />
      {stale ? (
        <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={t(k('aggregate.stale'))} data-testid="agg-stale" />
      ) : (
        <ErrorAlert error={generate.error} />
      )}
      {work ? null : (
        <Card style={{ marginBottom: 12 }} data-testid="agg-empty">
          <Empty description={<span>{t(k('aggregate.empty'))}</span>}>
            <Typography.Paragraph type="secondary">{t(k('aggregate.emptyHint'))}</Typography.Paragraph>
            <Link to="/procurement/review">
              <Button type="primary" data-testid="agg-to-review">
                {t(k('aggregate.toReview'))}
              </Button>
            </Link>
          </Empty>
        </Card>
      )}
      {p.uncovered.length > 0 ? <Uncovered items={p.uncovered} /> : null}
      {work ? (
        <>
          <Card size="small" style={{ marginBottom: 12 }} data-testid="agg-summary">
            <Space size={48} wrap>
              <Statistic title={t(k('aggregate.summary.orders'))} value={p.orders.length} />
              <Statistic title={t(k('aggregate.summary.pos'))} value={counts.suppliers} valueRender={() => <span data-testid="agg-po-count">{counts.suppliers}</span>} />
              <Statistic title={t(k('aggregate.summary.lines'))} value={counts.lines} />
              <Statistic
                title={t(k('aggregate.summary.uncovered'))}
                value={counts.uncovered}
                styles={{ content: counts.uncovered ? { color: '#d48806' } : undefined }}
              />
              <Statistic
                title={t(k('aggregate.summary.total'))}
                value={p.total}
                valueRender={() => (
                  <strong className="num" data-testid="agg-total" data-value={p.total}>
                    {formatMoney(p.total)}
                  </strong>
                )}
              />
            </Space>
          </Card>
          {p.orders.length > 0 ? <OrdersTaken orders={p.orders} /> : null}
          <Typography.Title level={5} style={{ margin: '16px 0 8px' }}>
            {t(k('aggregate.suppliers'))}
          </Typography.Title>
          {p.suppliers.length === 0 ? (
            <Card size="small" style={{ marginBottom: 12 }}>
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t(k('aggregate.noSupplier'))} />
            </Card>
          ) : (
            p.suppliers.map((s) => <SupplierCard key={s.supplier_id} s={s} />)
          )}
        </>
      ) : null}
      <Modal
        open={confirming}
        title={t(k('aggregate.confirmTitle'))}
        onCancel={() => setConfirming(false)}
        onOk={() => generate.mutate(p.orders.map((o) => o.id))}
        okText={t(k('aggregate.confirmOk'))}
        okButtonProps={{ loading: generate.isPending, 'data-testid': 'agg-confirm' } as never}
        cancelText={t('common.cancel')}
        destroyOnHidden
      >
        <p data-testid="agg-confirm-body">
          {t(k('aggregate.confirmBody'), {
            orders: p.orders.length,
            suppliers: counts.suppliers,
            count: counts.suppliers,
            total: formatMoney(p.total),
          })}
        </p>
        {counts.uncovered > 0 ? (
          <Typography.Paragraph type="warning">
            <WarningFilled /> {t(k('aggregate.confirmUncovered'), { count: counts.uncovered })}
          </Typography.Paragraph>
        ) : null}
        <Typography.Paragraph type="secondary">{t(k('aggregate.confirmMail'))}</Typography.Paragraph>
      </Modal>
    </>
  );
}
