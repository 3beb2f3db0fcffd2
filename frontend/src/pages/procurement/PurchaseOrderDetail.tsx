import { useState } from 'react';
import { Alert, App, Button, Card, Descriptions, Empty, Form, Input, Modal, Result, Skeleton, Space, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import {
  ArrowLeftOutlined,
  FileExcelOutlined,
  ImportOutlined,
  MinusSquareOutlined,
  PlusSquareOutlined,
  PrinterOutlined,
  StopOutlined,
} from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import {
  PURCHASE_ORDERS_KEY,
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
import {
  closePurchaseOrder,
  closeReasonOk,
  isReceivable,
  listReceipts,
  outstandingPacks,
  poReceiptsKey,
  type Receipt,
} from '../../api/receipts';
import { ApiError } from '../../api/problem';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { formatDate, formatDateTime, formatMoney, formatPack } from '../../lib/format';
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
      {po.close_reason ? (
        <Alert
          type="info"
          showIcon
          icon={<StopOutlined />}
          style={{ marginTop: 8 }}
          data-testid="po-closed"
          title={
            <span>
              {t(k('detail.closeReason'))}
              {t('common.colon')}
              <strong data-testid="po-close-reason-text">{po.close_reason}</strong>
            </span>
          }
          description={po.closed_at ? t(k('detail.closedAt'), { at: formatDateTime(po.closed_at) }) : undefined}
        />
      ) : null}
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
      width: 220,
      render: (_: unknown, l) => <ProductCell product={l.product} />,
    },
    { title: t(k('line.pack')), key: 'pack', width: 100, render: (_: unknown, l) => formatPack(l.product) },
    {
      title: t(k('line.contractNo')),
      dataIndex: 'contract_no',
      width: 130,
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
    ...(
      [
        ['received', 'po-line-received'],
        ['damaged', 'po-line-damaged'],
        ['closed', 'po-line-closed'],
        ['outstanding', 'po-line-outstanding'],
      ] as const
    ).map(([field, testId]) => ({
      title: t(k(`line.${field}`)),
      dataIndex: field,
      width: 80,
      align: 'right' as const,
      render: (n: number | undefined, l: PurchaseLine) => {
        const v = n ?? 0;
        const color = field === 'damaged' && v > 0 ? '#d46b08' : field === 'outstanding' && v > 0 ? '#1677ff' : undefined;
        return (
          <span data-testid={testId} data-value={v} className={v === 0 ? 'muted' : undefined} style={{ color, fontWeight: color ? 600 : undefined }}>
            <span className="num">{v}</span>
            {v === 0 ? null : l.product.pack_unit}
          </span>
        );
      },
    })),
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
        scroll={{ x: 1240 }}
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
            <Table.Summary.Cell index={1} colSpan={3}>
              <span className="muted">{t(k('line.count'), { count: po.lines.length })}</span>
            </Table.Summary.Cell>
            {(['received', 'damaged', 'closed', 'outstanding'] as const).map((f, i) => (
              <Table.Summary.Cell key={f} index={2 + i} align="right">
                <span className="num muted" data-testid={`po-total-${f}`}>
                  {po.lines.reduce((n, l) => n + (l[f] ?? 0), 0)}
                </span>
              </Table.Summary.Cell>
            ))}
            <Table.Summary.Cell index={6} />
            <Table.Summary.Cell index={7} align="right">
              <strong className="num" data-testid="po-lines-total">
                {formatMoney(po.total)}
              </strong>
            </Table.Summary.Cell>
            <Table.Summary.Cell index={8} />
          </Table.Summary.Row>
        )}
      />
    </Card>
  );
}

/** The receipts of the purchase order (收货记录), oldest first, each opening its receipt. */
function Receipts({ po }: { po: PurchaseOrder }) {
  const { t } = useTranslation();
  const q = useQuery({
    queryKey: poReceiptsKey(po.id),
    queryFn: ({ signal }) => listReceipts({ purchase_order_id: po.id, limit: 200 }, signal),
  });
  const items = [...(q.data?.items ?? [])].reverse();
  const columns: TableProps<Receipt>['columns'] = [
    {
      title: t(k('receipts.receiptNo')),
      dataIndex: 'receipt_no',
      width: 180,
      render: (no: string, r) => (
        <Link to={`/distribution/receipts/${r.id}`} className="num" data-testid="po-receipt-no">
          {no}
        </Link>
      ),
    },
    { title: t(k('receipts.receivedOn')), dataIndex: 'received_on', width: 120, render: (d: string) => formatDate(d) },
    {
      title: t(k('receipts.invoice')),
      dataIndex: 'invoice_no',
      render: (no: string | null | undefined) =>
        no ? (
          <span className="num" data-testid="po-receipt-invoice">
            {no}
          </span>
        ) : (
          <Tag color="orange" data-testid="po-receipt-invoice-pending">
            {t(k('receipts.invoicePending'))}
          </Tag>
        ),
    },
    {
      title: t(k('receipts.packs')),
      dataIndex: 'packs',
      width: 90,
      align: 'right',
      render: (n: number) => (
        <span className="num" data-testid="po-receipt-packs" data-value={n}>
          {n}
        </span>
      ),
    },
    {
      title: t(k('receipts.damaged')),
      dataIndex: 'damaged',
      width: 90,
      align: 'right',
      render: (n: number) => (
        <span className="num" data-testid="po-receipt-damaged" data-value={n} style={{ color: n > 0 ? '#d46b08' : undefined }}>
          {n}
        </span>
      ),
    },
    {
      title: t(k('receipts.by')),
      key: 'by',
      width: 190,
      render: (_: unknown, r) => (
        <span>
          {r.created_by ?? '—'}
          <span className="muted" style={{ marginInlineStart: 6 }}>
            {formatDateTime(r.created_at)}
          </span>
        </span>
      ),
    },
  ];
  return (
    <Card size="small" title={t(k('receipts.title'))} style={{ marginTop: 12 }} data-testid="po-receipts">
      <ErrorAlert error={q.error} onRetry={() => void q.refetch()} />
      <Table<Receipt>
        size="small"
        rowKey="id"
        columns={columns}
        dataSource={items}
        loading={q.isPending && !q.error}
        pagination={false}
        scroll={{ x: 760 }}
        locale={{ emptyText: q.isPending ? ' ' : t(k('receipts.empty')) }}
        onRow={(r) => ({ 'data-testid': 'po-receipt-row', 'data-id': r.id }) as React.HTMLAttributes<HTMLElement>}
      />
    </Card>
  );
}

/** What the receive page just received, said where it lands (from the navigation state). */
function ReceivedNotice({ po }: { po: PurchaseOrder }) {
  const { t } = useTranslation();
  const location = useLocation();
  const r = (location.state as { receipt?: Receipt } | null)?.receipt;
  if (!r || r.purchase_order_id !== po.id) return null;
  return (
    <Alert
      type="success"
      showIcon
      closable
      style={{ marginBottom: 12 }}
      data-testid="po-received"
      data-receipt-no={r.receipt_no}
      title={
        <span>
          {t(k('detail.received'), { packs: r.packs })}
          {r.damaged > 0 ? t(k('detail.receivedDamaged'), { damaged: r.damaged }) : null}
          {t('common.colon')}
          <Link to={`/distribution/receipts/${r.id}`} data-testid="po-received-no">
            {r.receipt_no}
          </Link>
        </span>
      }
      description={r.invoice_no ? undefined : t(k('detail.receivedInvoicePending'))}
    />
  );
}

/** 关闭剩余: what is still outstanding will not come; the purchase order is closed (D1). */
function CloseModal({ po, open, onClose }: { po: PurchaseOrder; open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ reason: string }>();
  const close = useMutation({
    mutationFn: (reason: string) => closePurchaseOrder(po.id, po.version, reason),
    onSuccess: (saved) => {
      queryClient.setQueryData(purchaseOrderKey(po.id), saved);
      void queryClient.invalidateQueries({ queryKey: [PURCHASE_ORDERS_KEY] });
      void message.success(t(k('close.done'), { no: saved.po_no }));
      onClose();
    },
    onError: (e) => {
      if (e instanceof ApiError && e.status === 409) {
        void queryClient.invalidateQueries({ queryKey: purchaseOrderKey(po.id) });
        void message.warning(t(k('close.stale')));
        onClose();
      }
    },
  });
  const open_ = po.lines.filter((l) => l.outstanding > 0);
  return (
    <Modal
      open={open}
      title={t(k('close.title'))}
      onCancel={onClose}
      onOk={() =>
        void form.validateFields().then(
          (v) => close.mutate(v.reason.trim()),
          () => undefined, // the form says what is missing
        )
      }
      okText={t(k('close.ok'))}
      okButtonProps={{ danger: true, loading: close.isPending, 'data-testid': 'po-close-confirm' } as never}
      cancelText={t('common.cancel')}
      destroyOnHidden
      afterClose={() => {
        form.resetFields();
        close.reset();
      }}
    >
      <p data-testid="po-close-body">{t(k('close.body'), { no: po.po_no, count: open_.length, packs: outstandingPacks(po) })}</p>
      <ul className="muted" style={{ paddingLeft: 18, marginTop: 0, maxHeight: 160, overflowY: 'auto' }}>
        {open_.map((l) => (
          <li key={l.id ?? l.entry_id}>
            {l.product.name_zh} {l.product.strength}
            {t('common.colon')}
            {l.outstanding}
            {l.product.pack_unit}
          </li>
        ))}
      </ul>
      <Form form={form} layout="vertical">
        <Form.Item
          name="reason"
          label={t(k('close.reason'))}
          rules={[{ validator: (_, v: string | undefined) => (closeReasonOk(v) ? Promise.resolve() : Promise.reject(new Error(t(k('close.required'))))) }]}
        >
          <Input.TextArea rows={3} maxLength={1000} showCount autoFocus placeholder={t(k('close.placeholder'))} data-testid="po-close-reason" />
        </Form.Item>
      </Form>
      <ErrorAlert error={close.error instanceof ApiError && close.error.status === 409 ? null : close.error} />
    </Modal>
  );
}

export default function PurchaseOrderDetail() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const me = useMe();
  const navigate = useNavigate();
  const id = Number(useParams().id);
  const [printing, setPrinting] = useState(false);
  const [closing, setClosing] = useState(false);
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

  const mayReceive = can(me, 'receive_goods') && isReceivable(po.status);
  const mayReadReceipts = can(me, 'read_distribution');

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
          <Space wrap>
            {mayReceive ? (
              <Link to={`/procurement/purchase-orders/${po.id}/receive`}>
                <Button type="primary" icon={<ImportOutlined />} data-testid="po-receive">
                  {t(k('detail.receive'))}
                </Button>
              </Link>
            ) : null}
            {mayReceive && outstandingPacks(po) > 0 ? (
              <Button danger icon={<StopOutlined />} onClick={() => setClosing(true)} data-testid="po-close">
                {t(k('detail.close'))}
              </Button>
            ) : null}
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
      <ReceivedNotice po={po} />
      <ErrorAlert error={printError} />
      <Header po={po} />
      <Lines po={po} />
      {mayReadReceipts ? <Receipts po={po} /> : null}
      {mayReceive ? <CloseModal po={po} open={closing} onClose={() => setClosing(false)} /> : null}
    </>
  );
}
