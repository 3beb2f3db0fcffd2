import { useRef, useState } from 'react';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Progress,
  Result,
  Row,
  Space,
  Statistic,
  Steps,
  Table,
  Tooltip,
  Typography,
  Upload,
} from 'antd';
import { ArrowLeftOutlined, FileExcelOutlined, InboxOutlined } from '@ant-design/icons';
import { Link, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import {
  CONTRACTS_KEY,
  CONTRACT_TEMPLATE_URL,
  uploadContracts,
  type ContractImportReport,
  type ContractKind,
  type ContractUpload,
  type ImportedContract,
  type ImportProblem,
} from '../../api/contracts';
import { ApiError } from '../../api/problem';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import { formatDate } from '../../lib/format';
import { ContractKindTag } from './Contracts';

const k = (key: string) => `procurement.contracts.import.${key}`;

/** Problems as the user fixes them in Excel: row, column (its header), what is wrong. */
function ProblemTable({ problems }: { problems: ImportProblem[] }) {
  const { t } = useTranslation();
  return (
    <Table<ImportProblem & { n: number }>
      size="small"
      rowKey="n"
      dataSource={problems.map((p, n) => ({ ...p, n }))}
      pagination={problems.length > 50 ? { pageSize: 50, showSizeChanger: false } : false}
      data-testid="import-problems"
      onRow={(p) => ({ 'data-testid': 'import-problem', 'data-row': p.row }) as React.HTMLAttributes<HTMLElement>}
      columns={[
        { title: t(k('col.row')), dataIndex: 'row', width: 80, render: (r: number) => <span className="num">{r}</span> },
        { title: t(k('col.column')), dataIndex: 'column', width: 220, render: (c: string) => c || '—' },
        { title: t(k('col.message')), dataIndex: 'message' },
      ]}
    />
  );
}

function ContractTable({ contracts }: { contracts: ImportedContract[] }) {
  const { t } = useTranslation();
  return (
    <Table<ImportedContract>
      size="small"
      rowKey="contract_no"
      dataSource={contracts}
      pagination={contracts.length > 50 ? { pageSize: 50, showSizeChanger: false } : false}
      data-testid="import-contracts"
      onRow={(c) => ({ 'data-testid': 'import-contract', 'data-contract-no': c.contract_no }) as React.HTMLAttributes<HTMLElement>}
      columns={[
        { title: t(k('col.contractNo')), dataIndex: 'contract_no', width: 190 },
        { title: t(k('col.supplier')), dataIndex: 'supplier_name', ellipsis: true },
        { title: t(k('col.kind')), dataIndex: 'kind', width: 110, render: (kd: ContractKind) => <ContractKindTag kind={kd} /> },
        {
          title: t(k('col.period')),
          key: 'period',
          width: 220,
          render: (_: unknown, c) => (
            <span className="num">
              {t('procurement.contracts.periodText', { from: formatDate(c.valid_from), to: formatDate(c.valid_to) })}
            </span>
          ),
        },
        { title: t(k('col.lines')), dataIndex: 'lines', width: 90, align: 'right', render: (n: number) => <span className="num">{n}</span> },
        {
          title: t(k('col.vbpLines')),
          dataIndex: 'vbp_lines',
          width: 100,
          align: 'right',
          render: (n: number) => <span className="num">{n || '—'}</span>,
        },
      ]}
    />
  );
}

const linesOf = (r: ContractImportReport) => r.contracts.reduce((s, c) => s + c.lines, 0);

function ReportView({ report, fileName }: { report: ContractImportReport; fileName?: string }) {
  const { t } = useTranslation();
  const problems = report.problems.length;
  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }} data-testid="import-report">
      {fileName ? <Typography.Text type="secondary">{fileName}</Typography.Text> : null}
      <Row gutter={12}>
        <Col xs={12} md={4}>
          <Card size="small">
            <Statistic title={t(k('rowsTotal'))} value={report.rows_total} data-testid="import-rows" />
          </Card>
        </Col>
        <Col xs={12} md={4}>
          <Card size="small">
            <Statistic title={t(k('contracts'))} value={report.contracts.length} data-testid="import-count-contracts" />
          </Card>
        </Col>
        <Col xs={12} md={4}>
          <Card size="small">
            <Statistic title={t(k('lines'))} value={linesOf(report)} />
          </Card>
        </Col>
        <Col xs={12} md={4}>
          <Card size="small">
            <Statistic
              title={t(k('problems'))}
              value={problems}
              styles={{ content: { color: problems ? '#c0392b' : '#3b8c5a' } }}
              data-testid="import-count-problems"
            />
          </Card>
        </Col>
      </Row>
      {problems ? (
        <Card size="small" title={t(k('problemsTitle'), { count: problems })}>
          <Alert type="error" showIcon title={t(k('problemsHint'))} style={{ marginBottom: 8 }} />
          <ProblemTable problems={report.problems} />
        </Card>
      ) : report.contracts.length ? (
        <Alert type="success" showIcon title={t(k('noProblems'))} data-testid="import-ok" />
      ) : (
        <Alert type="info" showIcon title={t(k('nothing'))} />
      )}
      {report.contracts.length ? (
        <Card size="small" title={t(k('contractsTitle'), { count: report.contracts.length })}>
          <ContractTable contracts={report.contracts} />
        </Card>
      ) : null}
    </Space>
  );
}

export default function ContractImport() {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [report, setReport] = useState<ContractImportReport | null>(null);
  const [applied, setApplied] = useState<ContractImportReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [applying, setApplying] = useState(false);
  const handle = useRef<ContractUpload | null>(null);

  const step = applied ? 2 : report ? 1 : 0;

  const check = async (f: File | null = file) => {
    if (!f) return;
    setError(null);
    setReport(null);
    setProgress(0);
    handle.current = uploadContracts(f, true, setProgress);
    try {
      setReport(await handle.current.promise);
    } catch (err) {
      setError(err);
    } finally {
      setProgress(null);
      handle.current = null;
    }
  };

  const doApply = async () => {
    if (!file || !report) return;
    setApplying(true);
    setError(null);
    handle.current = uploadContracts(file, false);
    try {
      const r = await handle.current.promise;
      setApplied({ ...r, contracts: r.contracts.length ? r.contracts : report.contracts });
      void queryClient.invalidateQueries({ queryKey: [CONTRACTS_KEY] });
      void queryClient.invalidateQueries({ queryKey: ['suppliers'] });
      void message.success(t(k('applied'), { count: r.contracts.length || report.contracts.length }));
    } catch (err) {
      // Refused (the file has problems after all, or the data changed since the check): show
      // the problems as they are now.
      if (err instanceof ApiError && err.status === 422) {
        void message.warning(t(k('refused')));
        await check(file);
      }
      setError(err);
    } finally {
      setApplying(false);
      handle.current = null;
    }
  };

  const apply = () => {
    if (!report) return;
    modal.confirm({
      title: t(k('applyConfirm'), { count: report.contracts.length, lines: linesOf(report) }),
      okText: t(k('apply'), { count: report.contracts.length }),
      cancelText: t('common.cancel'),
      okButtonProps: { 'data-testid': 'import-apply-confirm' } as never,
      onOk: () => doApply(),
    });
  };

  const reset = () => {
    handle.current?.abort();
    setFile(null);
    setReport(null);
    setApplied(null);
    setError(null);
    setProgress(null);
  };

  const problems = report?.problems.length ?? 0;
  const canApply = !!report && problems === 0 && report.contracts.length > 0;

  return (
    <>
      <PageTitle
        title={
          <Space>
            <Button
              type="text"
              icon={<ArrowLeftOutlined />}
              onClick={() => void navigate('/procurement/contracts')}
              aria-label={t(k('back'))}
            />
            {t(k('title'))}
          </Space>
        }
        sub={t(k('sub'))}
      />
      <Card size="small">
        <Steps
          current={step}
          style={{ marginBottom: 20 }}
          items={[{ title: t(k('stepUpload')) }, { title: t(k('stepCheck')) }, { title: t(k('stepDone')) }]}
        />

        {step === 0 ? (
          <Space orientation="vertical" size={16} style={{ width: '100%', maxWidth: 860 }}>
            <Card size="small" type="inner" title={t(k('templateTitle'))}>
              <Space orientation="vertical" size={10} style={{ width: '100%' }}>
                <Typography.Paragraph style={{ margin: 0 }}>{t(k('templateHint'))}</Typography.Paragraph>
                <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
                  {t(k('templateRules'))}
                </Typography.Paragraph>
                <a href={CONTRACT_TEMPLATE_URL} download data-testid="import-template">
                  <Button icon={<FileExcelOutlined />}>{t(k('downloadTemplate'))}</Button>
                </a>
              </Space>
            </Card>
            <div data-testid="import-file">
              <Upload.Dragger
                accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                multiple={false}
                showUploadList={false}
                disabled={progress !== null}
                beforeUpload={(f) => {
                  setFile(f as File);
                  setError(null);
                  return false;
                }}
              >
                <p className="ant-upload-drag-icon">
                  <InboxOutlined />
                </p>
                <p className="ant-upload-text">{t(k('dropHint'))}</p>
                <p className="ant-upload-hint">{t(k('dropSub'))}</p>
              </Upload.Dragger>
            </div>
            {file ? (
              <Typography.Text strong data-testid="import-file-name">
                {t(k('chosen'), { name: file.name })}
              </Typography.Text>
            ) : null}
            {progress !== null ? (
              <div>
                <Typography.Text>{t(k('checking'))}</Typography.Text>
                <Progress percent={progress} status="active" />
              </div>
            ) : null}
            <ErrorAlert error={error} />
            <Button
              type="primary"
              disabled={!file}
              loading={progress !== null}
              onClick={() => void check()}
              data-testid="import-dry-run"
            >
              {t(k('dryRun'))}
            </Button>
          </Space>
        ) : null}

        {step === 1 && report ? (
          <Space orientation="vertical" size={16} style={{ width: '100%' }}>
            <ReportView report={report} fileName={file?.name} />
            <ErrorAlert error={error} />
            <Space>
              <Button onClick={reset} data-testid="import-reupload">
                {t(k('reupload'))}
              </Button>
              <Tooltip title={problems ? t(k('applyBlocked')) : undefined}>
                <Button type="primary" disabled={!canApply} loading={applying} onClick={apply} data-testid="import-apply">
                  {t(k('apply'), { count: report.contracts.length })}
                </Button>
              </Tooltip>
            </Space>
          </Space>
        ) : null}

        {step === 2 && applied ? (
          <Result
            status="success"
            data-testid="import-done"
            title={t(k('applied'), { count: applied.contracts.length })}
            subTitle={t(k('appliedSub'), { rows: applied.rows_total, lines: linesOf(applied) })}
            extra={[
              <Link key="list" to="/procurement/contracts?state=all" data-testid="import-to-list">
                <Button type="primary">{t(k('toList'))}</Button>
              </Link>,
              <Button key="again" onClick={reset} data-testid="import-again">
                {t(k('again'))}
              </Button>,
            ]}
          >
            <ContractTable contracts={applied.contracts} />
          </Result>
        ) : null}
      </Card>
    </>
  );
}
