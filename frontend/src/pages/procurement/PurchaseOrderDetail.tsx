import { useState } from 'react';
import { Alert, App, Button, Card, Descriptions, Empty, Result, Skeleton, Space, Table, Typography } from 'antd';
import type { TableProps } from 'antd';
import { ArrowLeftOutlined, FileExcelOutlined, MinusSquareOutlined, PlusSquareOutlined, PrinterOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import {
  getPurchaseOrder,
  openPdf,
  purchaseLineSources,
  purchaseOrderKey,
  rmbUpper,
  sourcesKey,
  xlsxUrl,
  type PurchaseLine,
  type PurchaseOrder,
  type PurchaseSource,
} from '../../api/purchaseOrders';
import { ApiError } from '../../api/problem';
import { formatDateTime, formatMoney, formatPack } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import ProductCell from '../../components/stock/ProductCell';
import { GeneratedNotice, NOTICE_POLL_MS, NoticeTag, PoStatusTag } from './PurchaseOrders';

const k = (key: string) => `procurement.purchaseOrders.${key}`;

/** The member order lines one purchase order line sums, loaded when the line is expanded. */
function Sources({ poId, line }: { poId: number; line: PurchaseLine }) {
  const { t } = useTranslation();
  const lineId = line.id ?? 0;
  const q = useQuery({
    queryKey: sourcesKey(poId, lineId),
    queryFn: ({ signal }) => purchaseLineSources(poId, lineId, signal),
    enabled: lineId > 0,
    staleTime: 5 * 60_000,
  });
  const columns: TableProps<PurchaseSource>['columns'] = [
    {
      title: t(k('sources.member')),
      dataIndex: 'institution_name',
      render: (n: string) => <span data-testid="source-member">{n}</span>,
    },
    {
      title: t(k('sources.order')),
      dataIndex: 'order_id',
      width: 160,
      render: (id: number) => (
        <Link to={`/procurement/orders/${id}`} data-testid="source-order" data-id={id}>
          {t(k('sources.orderNo'), { id })}
        </Link>
      ),
    },
    {
      title: t(k('sources.quantity')),
      dataIndex: 'quantity',
      width: 120,
      align: 'right',
      render: (n: number) => (
        <span className="num" data-testid="source-quantity" data-value={n}>
          {n}
          {line.product.pack_unit}
        </span>
      ),
    },
  ];
  return (
    <div style={{ padding: '4px 0 4px 32px', maxWidth: 720 }} data-testid="po-line-sources" data-line={lineId}>
      <ErrorAlert error={q.error} onRetry={() => void q.refetch()} />
      <Table<PurchaseSource>
        size="small"
        rowKey="line_id"
        columns={columns}
        dataSource={q.data ?? []}
        loading={q.isPending && !q.error}
        pagination={false}
        locale={{ emptyText: q.isPending ? ' ' : t(k('sources.empty')) }}
        onRow={() => ({ 'data-testid': 'source-row' }) as React.HTMLAttributes<HTMLElement>}
      />
    </div>
  );
}

function Header({ po }: { po: PurchaseOrder }) {
  const { t } = useTranslation();
  return (
    <Card size="small" style={{ marginBottom: 12 }}>
      <Descriptions size="small" column={{ xs: 1, md: 2, xl: 3 }} data-testid="po-header">
        <Descriptions.Item label={t(k('detail.poNo'))}>
          <strong className="num" data-testid="po-header-no">
            {po.po_no}
          </strong>
        </Descriptions.Item>
        <Descriptions.Item label={t(k('detail.supplier'))}>
          <span data-testid="po-header-supplier">{po.supplier_name}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t(k('detail.status'))}>
          <PoStatusTag status={po.status} />
        </Descriptions.Item>
        <Descriptions.Item label={t(k('detail.total'))}>
          <span>
            <strong className="num" style={{ fontSize: 16 }} data-testid="po-header-total" data-value={po.total}>
              {formatMoney(po.total)}
            </strong>
            <span className="muted" style={{ marginInlineStart: 8 }} data-testid="po-header-upper">
              {t(k('detail.totalUpper'))}
              {t('common.colon')}
              {rmbUpper(po.total)}
            </span>
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t(k('detail.lines'))}>
          <span className="num">{po.line_count}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t(k('detail.createdBy'))}>
          {po.created_by ?? '—'} · {formatDateTime(po.created_at)}
        </Descriptions.Item>
        <Descriptions.Item label={t(k('detail.email'))}>
          <span data-testid="po-header-email">{po.notice?.recipient ?? '—'}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t(k('notice.title'))}>
          <Space size={6}>
            <NoticeTag notice={po.notice} />
            {po.notice?.status === 'sent' ? <span className="muted">{formatDateTime(po.notice.sent_at)}</span> : null}
            {po.notice && po.notice.attempts > 1 ? (
              <span className="muted">
                {t(k('notice.attempts'))}
                {t('common.colon')}
                {po.notice.attempts}
              </span>
            ) : null}
          </Space>
        </Descriptions.Item>
        <Descriptions.Item label={t(k('detail.aggregation'))}>
          <Link to={`/procurement/purchase-orders?aggregation_id=${po.aggregation_id}`} data-testid="po-header-aggregation">
            {t(k('aggregationTag'), { id: po.aggregation_id })}
          </Link>
        </Descriptions.Item>
      </Descriptions>
      {po.notice?.status === 'failed' ? (
        <Alert
          type="error"
          showIcon
          style={{ marginTop: 8 }}
          data-testid="po-notice-failed"
          title={t(k('notice.failedHint'), { recipient: po.notice.recipient, count: po.notice.attempts })}
          description={po.notice.last_error ? `${t(k('notice.lastError'))}${t('common.colon')}${po.notice.last_error}` : undefined}
        />
      ) : null}
    </Card>
  );
}

function Lines({ po }: { po: PurchaseOrder }) {
  const { t } = useTranslation();
  const columns: TableProps<PurchaseLine>['columns'] = [
    {
      title: t(k('line.no')),
      key: 'no',
      width: 56,
      render: (_: unknown, __, i) => <span className="num muted">{i + 1}</span>,
    },
    {
      title: t(k('line.product')),
      key: 'product',
      render: (_: unknown, l) => <ProductCell product={l.product} />,
    },
    { title: t(k('line.pack')), key: 'pack', width: 120, render: (_: unknown, l) => formatPack(l.product) },
    {
      title: t(k('line.contractNo')),
      dataIndex: 'contract_no',
      width: 150,
      render: (no: string, l) => (
        <Link to={`/procurement/contracts/${l.contract_id}`} data-testid="po-line-contract">
          {no}
        </Link>
      ),
    },
    {
      title: t(k('line.quantity')),
      dataIndex: 'quantity',
      width: 100,
      align: 'right',
      render: (n: number, l) => (
        <span data-testid="po-line-quantity" data-value={n}>
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
        <span className="num" data-testid="po-line-amount" data-value={v}>
          {formatMoney(v)}
        </span>
      ),
    },
    {
      title: t(k('line.sources')),
      dataIndex: 'sources',
      width: 110,
      align: 'right',
      render: (n: number) => <span className="muted">{t(k('line.sourceCount'), { count: n })}</span>,
    },
  ];
  return (
    <Card size="small" styles={{ body: { padding: 12 } }}>
      <Typography.Text type="secondary" style={{ display: 'block', marginBottom: 8, fontSize: 12 }}>
        {t(k('detail.expandHint'))}
      </Typography.Text>
      <Table<PurchaseLine>
        size="small"
        rowKey={(l) => l.id ?? l.entry_id}
        columns={columns}
        dataSource={po.lines}
        pagination={false}
        scroll={{ x: 900 }}
        data-testid="po-lines-table"
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} /> }}
        expandable={{
          expandedRowRender: (l) => <Sources poId={po.id} line={l} />,
          rowExpandable: (l) => l.id != null,
          expandIcon: ({ expanded, onExpand, record, expandable }) =>
            expandable ? (
              <Button
                size="small"
                type="text"
                icon={expanded ? <MinusSquareOutlined /> : <PlusSquareOutlined />}
                aria-label={t(k('line.sources'))}
                aria-expanded={expanded}
                onClick={(e) => onExpand(record, e)}
                data-testid="po-line-expand"
              />
            ) : null,
        }}
        onRow={(l) => ({ 'data-testid': 'po-line', 'data-entry': l.entry_id, 'data-id': l.id }) as React.HTMLAttributes<HTMLElement>}
        summary={() => (
          <Table.Summary.Row>
            <Table.Summary.Cell index={0} colSpan={3} />
            <Table.Summary.Cell index={1} colSpan={4}>
              <span className="muted">{t(k('line.count'), { count: po.lines.length })}</span>
            </Table.Summary.Cell>
            <Table.Summary.Cell index={2} align="right">
              <strong className="num" data-testid="po-lines-total">
                {formatMoney(po.total)}
              </strong>
            </Table.Summary.Cell>
            <Table.Summary.Cell index={3} />
          </Table.Summary.Row>
        )}
      />
    </Card>
  );
}

export default function PurchaseOrderDetail() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const id = Number(useParams().id);
  const [printing, setPrinting] = useState(false);
  const [printError, setPrintError] = useState<unknown>(null);
  const query = useQuery({
    queryKey: purchaseOrderKey(id),
    queryFn: () => getPurchaseOrder(id),
    enabled: Number.isFinite(id) && id > 0,
    // The e-mail goes out within seconds of the purchase order: follow it.
    refetchInterval: (q) => (q.state.data?.notice?.status === 'pending' ? NOTICE_POLL_MS : false),
  });
  const po = query.data;

  const back = (
    <Button
      type="text"
      icon={<ArrowLeftOutlined />}
      onClick={() => void navigate('/procurement/purchase-orders')}
      aria-label={t(k('detail.back'))}
    />
  );

  if (query.error instanceof ApiError && (query.error.status === 404 || query.error.status === 403)) {
    return (
      <Result
        status="404"
        title={t(k('detail.notFound'))}
        extra={
          <Link to="/procurement/purchase-orders">
            <Button>{t(k('detail.back'))}</Button>
          </Link>
        }
      />
    );
  }
  if (!po) {
    return (
      <>
        <PageTitle title={<Space>{back}</Space>} />
        <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />
        {query.error ? null : (
          <Card>
            <Skeleton active />
          </Card>
        )}
      </>
    );
  }

  const print = () => {
    setPrinting(true);
    setPrintError(null);
    openPdf(po.id, t(k('detail.printing')), `采购订单-${po.po_no}.pdf`)
      .catch((e: unknown) => {
        setPrintError(e);
        if (!(e instanceof ApiError)) void message.error(String(e));
      })
      .finally(() => setPrinting(false));
  };

  return (
    <>
      <PageTitle
        title={
          <Space>
            {back}
            <span data-testid="po-title">{t(k('detail.title'), { no: po.po_no })}</span>
          </Space>
        }
        sub={po.supplier_name}
        extra={
          <Space>
            <Button icon={<PrinterOutlined />} loading={printing} onClick={print} data-testid="po-print">
              {t(k('detail.print'))}
            </Button>
            <Button icon={<FileExcelOutlined />} href={xlsxUrl(po.id)} download data-testid="po-export-xlsx">
              {t(k('detail.exportXlsx'))}
            </Button>
          </Space>
        }
      />
      <GeneratedNotice aggregationId={po.aggregation_id} />
      <ErrorAlert error={printError} />
      <Header po={po} />
      <Lines po={po} />
    </>
  );
}
