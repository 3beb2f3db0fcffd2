import { useState } from 'react';
import { Alert, Button, Progress, Space, Typography } from 'antd';
import { ArrowLeftOutlined, PrinterOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { listAllEntries } from '../../api/formulary';
import { useMe } from '../../auth';
import ErrorAlert from '../../components/ErrorAlert';
import { consortiumToday, DATE_FORMAT, formatMoney, formatPack } from '../../lib/format';
import { useEntryFilters } from './EntryBrowser';

/**
 * The whole filtered list for paper: every row the list's filters select (not the 50 loaded
 * on screen), names never cut, one line per product, the filters and the day in the heading.
 */
export default function PrintList() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const { query, levelChoice } = useEntryFilters();
  const [progress, setProgress] = useState<[number, number]>([0, 0]);
  const all = useQuery({
    queryKey: ['formulary-print', query],
    queryFn: () => listAllEntries(query, (loaded, total) => setProgress([loaded, total])),
    staleTime: 0,
  });
  const day = query.as_of ?? consortiumToday().format(DATE_FORMAT);

  const filters = [
    query.q ? `${t('common.search')}${t('common.colon')}${query.q}` : null,
    levelChoice !== 'all' ? t('formulary.levelUsableAt', { level: t(`enum.levelShort.${levelChoice}`) }) : null,
    query.status ? t(`enum.entryStatus.${query.status}`) : null,
    query.essential !== undefined ? (query.essential ? t('formulary.essentialOnly') : t('formulary.nonEssential')) : null,
    query.special_class ? t(`enum.special.${query.special_class}`) : null,
    query.route ? t(`enum.route.${query.route}`) : null,
  ].filter(Boolean);

  return (
    <div className="print-list">
      <Space className="no-print" style={{ marginBottom: 12 }}>
        <Button icon={<ArrowLeftOutlined />} onClick={() => navigate(-1)}>
          {t('common.back')}
        </Button>
        <Button
          type="primary"
          icon={<PrinterOutlined />}
          disabled={!all.data}
          onClick={() => window.print()}
          data-testid="print-now"
        >
          {t('common.print')}
        </Button>
      </Space>
      <ErrorAlert error={all.error} onRetry={() => void all.refetch()} />
      {all.isPending ? (
        <div className="no-print" style={{ maxWidth: 420 }}>
          <Typography.Text>{t('print.loading', { loaded: progress[0], total: progress[1] || '…' })}</Typography.Text>
          <Progress percent={progress[1] ? Math.round((progress[0] / progress[1]) * 100) : 0} />
        </div>
      ) : null}
      {all.data ? (
        <>
          <Typography.Title level={4} style={{ marginBottom: 4 }}>
            {me.consortium?.name} · {t('formulary.title')}
          </Typography.Title>
          <Typography.Paragraph type="secondary" data-testid="print-heading">
            {t('print.heading', { day, count: all.data.length })}
            {filters.length ? ` · ${filters.join('，')}` : ''}
          </Typography.Paragraph>
          {all.data.length === 0 ? <Alert type="info" title={t('formulary.empty')} /> : null}
          <table className="print-table" data-testid="print-table">
            <thead>
              <tr>
                <th>#</th>
                <th>{t('field.generic_name_zh')}</th>
                <th>{t('field.strength')}</th>
                <th>{t('field.dosage_form')}</th>
                <th>{t('field.pack')}</th>
                <th>{t('field.manufacturer')}</th>
                <th>{t('field.approval_number')}</th>
                <th>{t('field.price')}</th>
                <th>{t('field.level_scope')}</th>
                <th>{t('field.status')}</th>
              </tr>
            </thead>
            <tbody>
              {all.data.map((e, i) => (
                <tr key={e.id} data-testid="print-row">
                  <td>{i + 1}</td>
                  <td>{e.generic_name_zh}</td>
                  <td>{e.strength}</td>
                  <td>{e.dosage_form}</td>
                  <td>{formatPack(e)}</td>
                  <td>{e.manufacturer}</td>
                  <td>{e.approval_number}</td>
                  <td className="num">{formatMoney(e.unit_price)}</td>
                  <td>{t(`enum.levelShort.${e.level_scope}`)}</td>
                  <td>{t(`enum.entryStatus.${e.status}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </div>
  );
}
