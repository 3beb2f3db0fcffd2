import { Button, Dropdown, Space } from 'antd';
import { DownloadOutlined, PlusOutlined, PrinterOutlined } from '@ant-design/icons';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../auth';
import { exportUrl, type ExportFormat } from '../../api/formulary';
import { can } from '../../lib/can';
import PageTitle from '../../components/PageTitle';
import EntryBrowser, { useEntryFilters } from './EntryBrowser';

export function ExportMenu({ asOf }: { asOf?: string }) {
  const { t } = useTranslation();
  const item = (format: ExportFormat, label: string) => ({
    key: format,
    label: (
      <a href={exportUrl(format, asOf)} download data-testid={`export-${format}`}>
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
  return (
    <>
      <PageTitle
        title={t('formulary.title')}
        sub={me.consortium?.name}
        extra={
          <Space>
            <Button icon={<PrinterOutlined />} onClick={() => window.print()}>
              {t('common.print')}
            </Button>
            <ExportMenu asOf={query.as_of} />
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
      <EntryBrowser />
    </>
  );
}
