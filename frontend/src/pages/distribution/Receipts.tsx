import { Button, Card, Segmented, Space, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import { useInfiniteQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { RECEIPTS_KEY, listReceipts, type Receipt, type ReceiptQuery } from '../../api/receipts';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { formatDate, formatDateTime } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import DistributionSettingsTags from './Settings';

const k = (key: string) => `distribution.receipts.${key}`;

type InvoiceFilter = 'all' | 'pending' | 'received';

/** The invoice filter as the API's `invoice_pending`. */
export const invoicePending = (f: InvoiceFilter): boolean | undefined => (f === 'all' ? undefined : f === 'pending');

/** 票未到: the goods came, the invoice is still to come. */
export function InvoiceCell({ invoiceNo }: { invoiceNo: string | null | undefined }) {
  const { t } = useTranslation();
  return invoiceNo ? (
    <span className="num" data-testid="receipt-invoice">
      {invoiceNo}
    </span>
  ) : (
    <Tag color="orange" data-testid="receipt-invoice-pending">
      {t(k('invoicePending'))}
    </Tag>
  );
}

/** 入库单: the receipts at the central warehouse, newest first. */
export default function Receipts() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const raw = params.get('invoice');
  const invoice: InvoiceFilter = raw === 'pending' || raw === 'received' ? raw : 'all';
  const mayReadPo = can(me, 'read_purchase_orders');

  const filters: Omit<ReceiptQuery, 'cursor' | 'limit'> = { invoice_pending: invoicePending(invoice) };
  const list = useInfiniteQuery({
    queryKey: [RECEIPTS_KEY, 'list', filters],
    queryFn: ({ pageParam, signal }) => listReceipts({ ...filters, cursor: pageParam, limit: 50 }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const open = (r: Receipt) => void navigate(`/distribution/receipts/${r.id}`);

  const columns: TableProps<Receipt>['columns'] = [
    {
      title: t(k('col.receiptNo')),
      dataIndex: 'receipt_no',
      width: 170,
      render: (no: string, r) => (
        <Link to={`/distribution/receipts/${r.id}`} className="num" data-testid="receipt-no">
          {no}
        </Link>
      ),
    },
    { title: t(k('col.receivedOn')), dataIndex: 'received_on', width: 110, render: (d: string) => formatDate(d) },
    {
      title: t(k('col.poNo')),
      dataIndex: 'po_no',
      width: 170,
      render: (no: string, r) =>
        mayReadPo ? (
          <Link to={`/procurement/purchase-orders/${r.purchase_order_id}`} className="num" data-testid="receipt-po">
            {no}
          </Link>
        ) : (
          <span className="num" data-testid="receipt-po">
            {no}
          </span>
        ),
    },
    { title: t(k('col.supplier')), dataIndex: 'supplier_name', ellipsis: true },
    {
      title: t(k('col.invoice')),
      dataIndex: 'invoice_no',
      width: 150,
      render: (no: string | null | undefined) => <InvoiceCell invoiceNo={no} />,
    },
    {
      title: t(k('col.packs')),
      dataIndex: 'packs',
      width: 90,
      align: 'right',
      render: (n: number) => (
        <span className="num" data-testid="receipt-packs" data-value={n}>
          {n}
        </span>
      ),
    },
    {
      title: t(k('col.damaged')),
      dataIndex: 'damaged',
      width: 80,
      align: 'right',
      render: (n: number) => (
        <span className="num" data-testid="receipt-damaged" data-value={n} style={{ color: n > 0 ? '#d46b08' : undefined }}>
          {n}
        </span>
      ),
    },
    {
      title: t(k('col.created')),
      key: 'created',
      width: 170,
      responsive: ['lg'],
      render: (_: unknown, r) => (
        <div>
          {formatDateTime(r.created_at)}
          <div className="muted">{r.created_by ?? '—'}</div>
        </div>
      ),
    },
  ];

  return (
    <>
      <PageTitle title={t(k('title'))} sub={t(k('sub'))} extra={<DistributionSettingsTags />} />
      <Card size="small">
        <Space wrap size={[12, 8]} style={{ marginBottom: 12 }}>
          <Segmented<InvoiceFilter>
            value={invoice}
            onChange={(v) => setParams(v === 'all' ? {} : { invoice: v }, { replace: true })}
            data-testid="filter-invoice"
            options={(['all', 'pending', 'received'] as const).map((f) => ({
              value: f,
              label: <span data-testid={`filter-invoice-${f}`}>{t(k(`filter.${f}`))}</span>,
            }))}
          />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t(k('hint'))}
          </Typography.Text>
        </Space>
        <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
        <Table<Receipt>
          className="clickable-rows"
          size="small"
          rowKey="id"
          columns={columns}
          dataSource={items}
          loading={list.isPending && !list.error}
          pagination={false}
          scroll={{ x: 960 }}
          sticky={{ offsetHeader: 52 }}
          data-testid="receipts-table"
          locale={{ emptyText: list.isPending ? ' ' : invoice !== 'all' ? t(k('emptyFiltered')) : t(k('empty')) }}
          onRow={(r) =>
            ({
              'data-testid': 'receipt-row',
              'data-id': r.id,
              'data-po': r.purchase_order_id,
              'data-invoice-pending': r.invoice_no ? 'false' : 'true',
              onClick: (e: React.MouseEvent) => {
                if (!(e.target as HTMLElement).closest('a')) open(r);
              },
              onKeyDown: (e: React.KeyboardEvent) => {
                if (e.key === 'Enter') open(r);
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
                      <Button size="small" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} data-testid="receipts-more">
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
