import { useState } from 'react';
import { Button, Card, Descriptions, Popover, Result, Skeleton, Space, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import { ArrowLeftOutlined, LockOutlined, PrinterOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { getReceipt, receiptKey, type Receipt, type ReceiptLine } from '../../api/receipts';
import { ApiError } from '../../api/problem';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { formatDate, formatDateTime, formatPack } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import ProductCell from '../../components/stock/ProductCell';
import { InvoiceCell } from './Receipts';
import { HoldModal, type HoldPreset } from './LotHolds';

const k = (key: string) => `distribution.receipts.${key}`;

/** How many trace codes a line shows before "+N more" (the rest on hover; all of them on paper). */
const CODES_SHOWN = 3;

/** A4 portrait: the heading, the lines unbroken, the signatures kept together. */
const PRINT_CSS = `
@page { size: A4 portrait; margin: 12mm 10mm; }
.receipt-print h3 { text-align: center; margin: 0 0 8px !important; letter-spacing: 4px; }
.receipt-print .print-meta { display: flex; flex-wrap: wrap; gap: 4px 24px; margin-bottom: 8px; font-size: 13px; }
.receipt-print .codes { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 9pt; word-break: break-all; }
.receipt-print .signatures { display: flex; justify-content: space-between; gap: 24px; margin-top: 16mm; break-inside: avoid; font-size: 14px; }
.receipt-print .signatures span { flex: 1; white-space: nowrap; }
.receipt-print .signatures i { display: inline-block; width: 34mm; border-bottom: 1px solid #000; }
@media print {
  .receipt-screen { display: none !important; }
}
`;

function Codes({ codes }: { codes: string[] }) {
  const { t } = useTranslation();
  if (codes.length === 0) return <span className="muted">{t(k('line.noCodes'))}</span>;
  const mono = { fontFamily: 'ui-monospace, Menlo, Consolas, monospace', fontSize: 11 };
  return (
    <div data-testid="receipt-line-codes" data-count={codes.length}>
      {codes.slice(0, CODES_SHOWN).map((c) => (
        <Tag key={c} style={{ ...mono, marginBottom: 2 }} data-testid="receipt-line-code">
          {c}
        </Tag>
      ))}
      {codes.length > CODES_SHOWN ? (
        <Popover
          title={t(k('line.codeCount'), { count: codes.length })}
          content={
            <div style={{ maxHeight: 320, overflowY: 'auto', ...mono }}>
              {codes.map((c) => (
                <div key={c}>{c}</div>
              ))}
            </div>
          }
        >
          <a data-testid="receipt-line-codes-more">{t(k('line.moreCodes'), { count: codes.length })}</a>
        </Popover>
      ) : null}
    </div>
  );
}

/** The receipt on paper: 药品入库验收单, every code written out, the signatures. */
function PrintView({ r }: { r: Receipt }) {
  const { t } = useTranslation();
  return (
    <div className="print-only receipt-print" data-testid="receipt-print">
      <h3>{t(k('detail.printTitle'))}</h3>
      <div className="print-meta">
        <span>
          {t(k('detail.receiptNo'))}
          {t('common.colon')}
          <strong>{r.receipt_no}</strong>
        </span>
        <span>
          {t(k('detail.poNo'))}
          {t('common.colon')}
          {r.po_no}
        </span>
        <span>
          {t(k('detail.supplier'))}
          {t('common.colon')}
          {r.supplier_name}
        </span>
        <span>
          {t(k('detail.receivedOn'))}
          {t('common.colon')}
          {formatDate(r.received_on)}
        </span>
        <span>
          {t(k('detail.invoice'))}
          {t('common.colon')}
          {r.invoice_no ?? t(k('invoicePending'))}
        </span>
        {r.note ? (
          <span>
            {t(k('detail.note'))}
            {t('common.colon')}
            {r.note}
          </span>
        ) : null}
      </div>
      <table className="print-table">
        <thead>
          <tr>
            <th>{t(k('line.no'))}</th>
            <th>{t(k('line.product'))}</th>
            <th>{t(k('line.pack'))}</th>
            <th>{t(k('line.lot'))}</th>
            <th>{t(k('line.expiry'))}</th>
            <th>{t(k('line.quantity'))}</th>
            <th>{t(k('line.damaged'))}</th>
            <th>{t(k('line.codes'))}</th>
          </tr>
        </thead>
        <tbody>
          {r.lines.map((l, i) => (
            <tr key={l.id}>
              <td className="num">{i + 1}</td>
              <td>
                {l.product.name_zh} {l.product.strength}
                <div>{l.product.manufacturer}</div>
              </td>
              <td>{formatPack(l.product)}</td>
              <td>{l.lot_no}</td>
              <td>{formatDate(l.expiry)}</td>
              <td className="num">
                {l.quantity}
                {l.product.pack_unit}
              </td>
              <td className="num">
                {l.damaged > 0 ? `${l.damaged}${l.product.pack_unit}` : ''}
                {l.damage_note ? <div style={{ whiteSpace: 'normal' }}>{l.damage_note}</div> : null}
              </td>
              <td className="codes">{l.trace_codes.join(' ')}</td>
            </tr>
          ))}
          <tr>
            <td colSpan={5}>{t(k('detail.totals'))}</td>
            <td className="num">{r.packs}</td>
            <td className="num">{r.damaged || ''}</td>
            <td />
          </tr>
        </tbody>
      </table>
      <div className="signatures">
        <span>
          {t(k('detail.signSupplier'))}
          {t('common.colon')}
          <i />
        </span>
        <span>
          {t(k('detail.signReceiver'))}
          {t('common.colon')}
          <i />
        </span>
        <span>
          {t(k('detail.signKeeper'))}
          {t('common.colon')}
          <i />
        </span>
      </div>
    </div>
  );
}

/** 入库单: one receipt with its lines (lot, expiry, good, damaged, trace codes), printable. */
export default function ReceiptDetail() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const id = Number(useParams().id);
  const [holding, setHolding] = useState<HoldPreset | null>(null);
  const query = useQuery({ queryKey: receiptKey(id), queryFn: () => getReceipt(id), enabled: Number.isFinite(id) && id > 0 });
  const r = query.data;
  const mayHold = can(me, 'hold_lots');
  const back = (
    <Button type="text" icon={<ArrowLeftOutlined />} onClick={() => void navigate('/distribution/receipts')} aria-label={t(k('detail.back'))} />
  );

  if (query.error instanceof ApiError && (query.error.status === 404 || query.error.status === 403)) {
    return (
      <Result
        status="404"
        title={t(k('detail.notFound'))}
        extra={
          <Link to="/distribution/receipts">
            <Button>{t(k('detail.back'))}</Button>
          </Link>
        }
      />
    );
  }
  if (!r) {
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

  const columns: TableProps<ReceiptLine>['columns'] = [
    { title: t(k('line.no')), key: 'no', width: 56, render: (_: unknown, __, i) => <span className="num muted">{i + 1}</span> },
    { title: t(k('line.product')), key: 'product', render: (_: unknown, l) => <ProductCell product={l.product} /> },
    { title: t(k('line.pack')), key: 'pack', width: 110, render: (_: unknown, l) => formatPack(l.product) },
    {
      title: t(k('line.lot')),
      dataIndex: 'lot_no',
      width: 130,
      render: (lot: string) => (
        <span className="num" data-testid="receipt-line-lot">
          {lot}
        </span>
      ),
    },
    {
      title: t(k('line.expiry')),
      dataIndex: 'expiry',
      width: 110,
      render: (d: string) => <span data-testid="receipt-line-expiry">{formatDate(d)}</span>,
    },
    {
      title: t(k('line.quantity')),
      dataIndex: 'quantity',
      width: 90,
      align: 'right',
      render: (n: number, l) => (
        <span data-testid="receipt-line-quantity" data-value={n}>
          <span className="num">{n}</span>
          {l.product.pack_unit}
        </span>
      ),
    },
    {
      title: t(k('line.damaged')),
      dataIndex: 'damaged',
      width: 170,
      render: (n: number, l) =>
        n > 0 ? (
          <div data-testid="receipt-line-damaged" data-value={n}>
            <strong className="num" style={{ color: '#d46b08' }}>
              {n}
            </strong>
            {l.product.pack_unit}
            {l.damage_note ? <div className="muted">{l.damage_note}</div> : null}
          </div>
        ) : (
          <span className="muted" data-testid="receipt-line-damaged" data-value={0}>
            —
          </span>
        ),
    },
    { title: t(k('line.codes')), dataIndex: 'trace_codes', width: 260, render: (codes: string[]) => <Codes codes={codes} /> },
  ];
  if (mayHold) {
    columns.push({
      title: t('common.actions'),
      key: 'actions',
      width: 90,
      render: (_: unknown, l) => (
        <Button
          size="small"
          icon={<LockOutlined />}
          onClick={() => setHolding({ lotId: l.lot_id, lotNo: l.lot_no, expiry: l.expiry, product: l.product })}
          data-testid="receipt-line-hold"
        >
          {t(k('line.hold'))}
        </Button>
      ),
    });
  }

  return (
    <>
      <style>{PRINT_CSS}</style>
      <div className="receipt-screen">
        <PageTitle
          title={
            <Space>
              {back}
              <span data-testid="receipt-title">{t(k('detail.title'), { no: r.receipt_no })}</span>
            </Space>
          }
          sub={r.supplier_name}
          extra={
            <Button icon={<PrinterOutlined />} onClick={() => window.print()} data-testid="receipt-print-button">
              {t(k('detail.print'))}
            </Button>
          }
        />
        <Card size="small" style={{ marginBottom: 12 }}>
          <Descriptions size="small" column={{ xs: 1, md: 2, xl: 3 }} data-testid="receipt-header">
            <Descriptions.Item label={t(k('detail.receiptNo'))}>
              <strong className="num" data-testid="receipt-header-no">
                {r.receipt_no}
              </strong>
            </Descriptions.Item>
            <Descriptions.Item label={t(k('detail.poNo'))}>
              {can(me, 'read_purchase_orders') ? (
                <Link to={`/procurement/purchase-orders/${r.purchase_order_id}`} className="num" data-testid="receipt-header-po">
                  {r.po_no}
                </Link>
              ) : (
                <span className="num" data-testid="receipt-header-po">
                  {r.po_no}
                </span>
              )}
            </Descriptions.Item>
            <Descriptions.Item label={t(k('detail.supplier'))}>{r.supplier_name}</Descriptions.Item>
            <Descriptions.Item label={t(k('detail.receivedOn'))}>
              <span data-testid="receipt-header-day">{formatDate(r.received_on)}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t(k('detail.invoice'))}>
              <InvoiceCell invoiceNo={r.invoice_no} />
            </Descriptions.Item>
            <Descriptions.Item label={t(k('detail.packs'))}>
              <span data-testid="receipt-header-packs" data-value={r.packs}>
                <span className="num">{r.packs}</span>
                {r.damaged > 0 ? (
                  <Typography.Text type="warning" style={{ marginInlineStart: 8 }}>
                    {t(k('detail.damagedCount'), { count: r.damaged })}
                  </Typography.Text>
                ) : null}
              </span>
            </Descriptions.Item>
            <Descriptions.Item label={t(k('detail.createdBy'))}>
              {r.created_by ?? '—'} · {formatDateTime(r.created_at)}
            </Descriptions.Item>
            {r.note ? <Descriptions.Item label={t(k('detail.note'))}>{r.note}</Descriptions.Item> : null}
          </Descriptions>
        </Card>
        <Card size="small" styles={{ body: { padding: 12 } }}>
          <Table<ReceiptLine>
            size="small"
            rowKey="id"
            columns={columns}
            dataSource={r.lines}
            pagination={false}
            scroll={{ x: 1100 }}
            data-testid="receipt-lines"
            onRow={(l) => ({ 'data-testid': 'receipt-line', 'data-id': l.id, 'data-lot': l.lot_id, 'data-entry': l.entry_id }) as React.HTMLAttributes<HTMLElement>}
          />
        </Card>
      </div>
      <PrintView r={r} />
      {mayHold ? <HoldModal preset={holding} open={!!holding} onClose={() => setHolding(null)} /> : null}
    </>
  );
}
