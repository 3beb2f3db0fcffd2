import { Button, Dropdown, Space } from 'antd';
import { DownloadOutlined, PlusOutlined, PrinterOutlined } from '@ant-design/icons';
import { Link, useLocation } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../auth';
import { exportUrl, type EntryQuery, type ExportFormat } from '../../api/formulary';
import { can } from '../../lib/can';
import PageTitle from '../../components/PageTitle';
import EntryBrowser, { useEntryFilters } from './EntryBrowser';

/** Export what the list shows (its day and filters). */
export function ExportMenu({ query }: { query: EntryQuery }) {
  const { t } = useTranslation();
  const item = (format: ExportFormat, label: string) => ({
    key: format,
    label: (
      <a href={exportUrl(format, query)} download data-testid={`export-${format}`}>
        {label}
      </a>
    ),
  });
  return (
    <Dropdown
      menu={{
        items: [
          item('csv', t('formulary.exportCsv')),
          item('xlsx', t('formulary.exportXlsx')),
          item('fhir', t('formulary.exportFhir')),
        ],
      }}
    >
      <Button icon={<DownloadOutlined />} data-testid="export-menu">
        {t('formulary.export')}
      </Button>
    </Dropdown>
  );
}

export default function FormularyList() {
  const { t } = useTranslation();
  const me = useMe();
  const { query } = useEntryFilters();
  const location = useLocation();
  return (
    <>
      <PageTitle
        title={t('formulary.title')}
        sub={me.consortium?.name}
        extra={
          <Space>
            {/* The whole filtered list, not the rows loaded so far. */}
            <Link to={`/formulary/print${location.search}`}>
              <Button icon={<PrinterOutlined />} data-testid="print-list">
                {t('common.print')}
              </Button>
            </Link>
            <ExportMenu query={query} />
            {can(me, 'propose_formulary') ? (
              <Link to="/formulary/propose/add">
                <Button type="primary" icon={<PlusOutlined />} data-testid="propose-add">
                  {t('formulary.propose')}
                </Button>
              </Link>
            ) : null}
          </Space>
        }
      />
      <EntryBrowser selectable={can(me, 'propose_formulary')} />
    </>
  );
}
