import { Button, Result, Skeleton, Space, Typography } from 'antd';
import { ArrowLeftOutlined, PrinterOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { getStocktake } from '../../api/stocktake';
import { ApiError } from '../../api/problem';
import { useMe } from '../../auth';
import ErrorAlert from '../../components/ErrorAlert';
import { formatDate, formatDateTime, formatPack } from '../../lib/format';

/** A4 portrait, the table's rows unbroken, the signature block kept together. */
const PRINT_CSS = `
@page { size: A4 portrait; margin: 12mm 10mm; }
.stocktake-print { max-width: 210mm; background: #fff; padding: 12px 16px; }
.stocktake-print h3 { text-align: center; margin: 0 0 8px !important; letter-spacing: 4px; }
.stocktake-print .print-meta { display: flex; flex-wrap: wrap; gap: 4px 24px; margin-bottom: 8px; font-size: 13px; }
.stocktake-print .print-table td.blank { min-width: 22mm; }
.stocktake-print .print-table td { height: 9mm; vertical-align: middle; }
.stocktake-print .signatures { display: flex; justify-content: space-between; gap: 24px; margin-top: 18mm; break-inside: avoid; font-size: 14px; }
.stocktake-print .signatures span { flex: 1; white-space: nowrap; }
.stocktake-print .signatures i { display: inline-block; width: 38mm; border-bottom: 1px solid #000; }
@media print {
  .stocktake-print { max-width: none; padding: 0; }
}
`;

/** The count sheet on paper: every lot with its book, an empty column for the count and one for the cause. */
export default function StocktakePrint() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const id = Number(useParams().id);
  const query = useQuery({ queryKey: ['stocktake', id], queryFn: () => getStocktake(id), enabled: id > 0 });
  const st = query.data;

  if (!(id > 0) || (query.error instanceof ApiError && query.error.status === 404)) {
    return <Result status="404" title={t('stock.stocktake.notFound')} />;
  }

  return (
    <div className="stocktake-print">
      <style>{PRINT_CSS}</style>
      <Space className="no-print" style={{ marginBottom: 12 }}>
        <Button icon={<ArrowLeftOutlined />} onClick={() => void navigate(`/stock/stocktakes/${id}`)}>
          {t('common.back')}
        </Button>
        <Button type="primary" icon={<PrinterOutlined />} disabled={!st} onClick={() => window.print()} data-testid="print-now">
          {t('common.print')}
        </Button>
        <Typography.Text type="secondary">{t('stock.stocktake.print.hint')}</Typography.Text>
      </Space>
      <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />
      {!st ? (
        query.isPending ? <Skeleton active /> : null
      ) : (
        <>
          <Typography.Title level={3} data-testid="print-title">
            {t('stock.stocktake.print.title')}
          </Typography.Title>
          <div className="print-meta" data-testid="print-heading">
            <span>
              {t('stock.stocktake.institution')}
              {t('common.colon')}
              <strong>{st.institution_name}</strong>
            </span>
            <span>
              {t('stock.stocktake.print.number')}
              {t('common.colon')}
              {t('stock.stocktake.print.numberValue', { id: st.id })}
            </span>
            <span>
              {t('stock.stocktake.print.startedAt')}
              {t('common.colon')}
              {formatDateTime(st.started_at)}
            </span>
            <span>
              {t('stock.stocktake.print.lines')}
              {t('common.colon')}
              {st.lines}
            </span>
            {st.note ? (
              <span>
                {t('stock.stocktake.note')}
                {t('common.colon')}
                {st.note}
              </span>
            ) : null}
            {me.consortium ? <span className="muted">{me.consortium.name}</span> : null}
          </div>
          <table className="print-table" data-testid="print-table">
            <thead>
              <tr>
                <th style={{ width: '6%' }}>{t('stock.stocktake.print.lineNo')}</th>
                <th>{t('stock.stocktake.product')}</th>
                <th style={{ width: '13%' }}>{t('stock.stocktake.lot')}</th>
                <th style={{ width: '11%' }}>{t('stock.stocktake.expiry')}</th>
                <th style={{ width: '12%' }}>{t('stock.stocktake.print.book')}</th>
                <th style={{ width: '13%' }}>{t('stock.stocktake.print.counted')}</th>
                <th style={{ width: '11%' }}>{t('stock.stocktake.reasonTitle')}</th>
              </tr>
            </thead>
            <tbody>
              {st.items.map((l, i) => (
                <tr key={l.id} data-testid="print-row">
                  <td className="num">{i + 1}</td>
                  <td>
                    {l.product.name_zh} {l.product.strength} {l.product.dosage_form}
                    <div className="muted">
                      {formatPack(l.product)} · {l.product.manufacturer}
                    </div>
                  </td>
                  <td>{l.lot_no}</td>
                  <td className="num">{formatDate(l.expiry)}</td>
                  <td className="num">{l.book_packs}</td>
                  <td className="blank" />
                  <td className="blank" />
                </tr>
              ))}
            </tbody>
          </table>
          <div className="signatures" data-testid="print-signatures">
            <span>
              {t('stock.stocktake.print.counter')}
              {t('common.colon')}
              <i />
            </span>
            <span>
              {t('stock.stocktake.print.reviewer')}
              {t('common.colon')}
              <i />
            </span>
            <span>
              {t('common.date')}
              {t('common.colon')}
              <i />
            </span>
          </div>
        </>
      )}
    </div>
  );
}
