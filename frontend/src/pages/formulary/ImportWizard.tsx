import { useRef, useState } from 'react';
import {
  Alert,
  App,
  Button,
  Card,
  Checkbox,
  Col,
  DatePicker,
  Form,
  Input,
  Progress,
  Result,
  Row,
  Select,
  Space,
  Statistic,
  Steps,
  Table,
  Tag,
  Typography,
  Upload,
} from 'antd';
import { DownloadOutlined, FileExcelOutlined, InboxOutlined } from '@ant-design/icons';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import type { Dayjs } from 'dayjs';
import { templateUrl } from '../../api/formulary';
import { downloadRejected, planColumns, uploadImport, type UploadHandle } from '../../api/upload';
import { ApiError, describeError } from '../../api/problem';
import type { ColumnPlan, FieldChange, ImportProgress, ImportReport } from '../../api/types';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import ImportErrorTable from '../../components/ImportErrorTable';
import { InlineChanges } from '../../components/FieldChanges';
import { DATE_FORMAT, consortiumToday, formatProduct } from '../../lib/format';

interface ApplyValues {
  reason: string;
  justification?: string;
}

export function ImportReportView({ report }: { report: ImportReport }) {
  const { t } = useTranslation();
  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }}>
      <Typography.Text type="secondary" data-testid="import-compared-at">
        {t('import.comparedAt', { date: report.effective_date })}
      </Typography.Text>
      <Row gutter={12} data-testid="import-counts">
        {(
          [
            ['rowsTotal', report.rows_total, undefined],
            ['rowsValid', report.rows_valid, '#3b8c5a'],
            ['rowsNew', report.added.length, '#1f6f8b'],
            ['rowsChanged', report.changed.length, '#d48806'],
            ['rowsUnchanged', report.unchanged, undefined],
            ['rowsOverride', report.overrides.length, report.overrides.length ? '#c0392b' : undefined],
          ] as const
        ).map(([key, value, color]) => (
          <Col key={key} xs={12} md={3}>
            <Card size="small">
              <Statistic title={t(`import.${key}`)} value={value} styles={{ content: { color } }} />
            </Card>
          </Col>
        ))}
        <Col xs={12} md={3}>
          <Card size="small">
            <Statistic
              title={t('import.rowsError')}
              value={report.errors.length}
              styles={{ content: { color: report.errors.length ? '#c0392b' : undefined } }}
            />
          </Card>
        </Col>
      </Row>
      {report.errors.length ? (
        <Card size="small" title={t('import.errorsTitle', { count: report.errors.length })}>
          <Alert type="error" showIcon title={t('import.errorsHint')} style={{ marginBottom: 8 }} />
          <ImportErrorTable errors={report.errors} />
        </Card>
      ) : (
        <Alert type="success" showIcon title={t('import.noErrors')} />
      )}
      {report.added.length ? (
        <Card size="small" title={`${t('import.newRows')}（${report.added.length}）`}>
          <Table
            size="small"
            rowKey="row"
            dataSource={report.added}
            pagination={report.added.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
            columns={[
              { title: t('import.row'), dataIndex: 'row', width: 80 },
              {
                title: t('entry.product'),
                key: 'product',
                render: (_: unknown, r: ImportReport['added'][number]) => formatProduct(r.product),
              },
            ]}
          />
        </Card>
      ) : null}
      {report.changed.length ? (
        <Card size="small" title={`${t('import.changedRows')}（${report.changed.length}）`}>
          <Table
            size="small"
            rowKey="row"
            dataSource={report.changed}
            pagination={report.changed.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
            columns={[
              { title: t('import.row'), dataIndex: 'row', width: 80 },
              {
                title: t('entry.product'),
                key: 'product',
                width: 320,
                render: (_: unknown, r: ImportReport['changed'][number]) => (
                  <Link to={`/formulary/${r.entry_id}`}>{formatProduct(r.product)}</Link>
                ),
              },
              {
                title: t('entry.changes'),
                dataIndex: 'changes',
                render: (c: FieldChange[]) => <InlineChanges changes={c} />,
              },
            ]}
          />
        </Card>
      ) : null}
      {report.overrides.length ? (
        <Card
          size="small"
          title={t('import.overrideRows', { count: report.overrides.length })}
          data-testid="import-overrides"
        >
          <Alert type="error" showIcon title={t('import.overrideHint')} style={{ marginBottom: 8 }} />
          <Table
            size="small"
            rowKey="row"
            dataSource={report.overrides}
            pagination={report.overrides.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
            columns={[
              { title: t('import.row'), dataIndex: 'row', width: 80 },
              {
                title: t('entry.product'),
                key: 'product',
                width: 280,
                render: (_: unknown, r: ImportReport['overrides'][number]) => (
                  <Link to={`/formulary/${r.entry_id}`}>{formatProduct(r.product)}</Link>
                ),
              },
              {
                title: t('import.fileChanges'),
                dataIndex: 'changes',
                render: (c: FieldChange[]) => <InlineChanges changes={c} />,
              },
              {
                title: t('import.scheduled'),
                key: 'scheduled',
                render: (_: unknown, r: ImportReport['overrides'][number]) => (
                  <Space orientation="vertical" size={2}>
                    {r.scheduled.map((s) => (
                      <span key={`${s.proposal_id}-${s.effective_from}`}>
                        {t('import.scheduledItem', { date: s.effective_from, id: s.proposal_id })}
                        {t('common.colon')}
                        <InlineChanges changes={s.changes} />
                      </span>
                    ))}
                  </Space>
                ),
              },
            ]}
          />
        </Card>
      ) : null}
    </Space>
  );
}

/** The mapping a plan stands for: every header → its field ('' when none). */
function mappingOf(plan: ColumnPlan): Record<string, string> {
  return Object.fromEntries(plan.headers.map((h) => [h.header, h.field ?? '']));
}

/** The file's columns, each with the field it will be read as; required fields must be taken. */
function ColumnMapping({
  plan,
  mapping,
  onChange,
  onConfirm,
}: {
  plan: ColumnPlan;
  mapping: Record<string, string>;
  onChange: (m: Record<string, string>) => void;
  onConfirm: () => void;
}) {
  const { t } = useTranslation();
  const chosen = Object.values(mapping).filter(Boolean);
  const missing = plan.fields.filter((f) => f.required && !chosen.includes(f.key));
  const twice = chosen.filter((k, i) => chosen.indexOf(k) !== i);
  const label = (key: string) => plan.fields.find((f) => f.key === key)?.label ?? key;
  return (
    <Card size="small" title={t('import.mapTitle')} data-testid="column-mapping">
      <Alert type="info" showIcon title={t('import.mapHint')} style={{ marginBottom: 8 }} />
      <Table
        size="small"
        rowKey="index"
        pagination={false}
        dataSource={plan.headers}
        columns={[
          { title: t('import.fileHeader'), dataIndex: 'header', width: 180 },
          {
            title: t('import.samples'),
            dataIndex: 'samples',
            render: (s: string[]) => <span className="muted">{s.join(' · ')}</span>,
          },
          {
            title: t('import.asField'),
            key: 'field',
            width: 260,
            render: (_: unknown, h: ColumnPlan['headers'][number]) => (
              <Space size={4}>
                <Select
                  style={{ width: 180 }}
                  value={mapping[h.header] ?? ''}
                  onChange={(v: string) => onChange({ ...mapping, [h.header]: v })}
                  data-testid={`map-${h.index}`}
                  showSearch={{ optionFilterProp: 'label' }}
                  options={[
                    { value: '', label: t('import.notImported') },
                    ...plan.fields.map((f) => ({ value: f.key, label: `${f.label}${f.required ? ' *' : ''}` })),
                  ]}
                />
                {h.how === 'suggested' && mapping[h.header] === h.field ? <Tag color="gold">{t('import.howSuggested')}</Tag> : null}
                {h.how === 'remembered' && mapping[h.header] === h.field ? <Tag color="blue">{t('import.howRemembered')}</Tag> : null}
              </Space>
            ),
          },
        ]}
      />
      {missing.length ? (
        <Alert type="error" showIcon style={{ marginTop: 8 }} data-testid="mapping-missing" title={t('import.mapMissing', { fields: missing.map((f) => f.label).join('、') })} />
      ) : null}
      {twice.length ? (
        <Alert type="error" showIcon style={{ marginTop: 8 }} title={t('import.mapTwice', { fields: [...new Set(twice)].map(label).join('、') })} />
      ) : null}
      <Button type="primary" style={{ marginTop: 8 }} disabled={missing.length > 0 || twice.length > 0} onClick={onConfirm} data-testid="mapping-confirm">
        {t('import.mapConfirm')}
      </Button>
    </Card>
  );
}

/** How far the server's check of the uploaded file has got (asked while it runs). */
function ServerCheck({ at }: { at: ImportProgress }) {
  const { t } = useTranslation();
  const total = at.rows_total;
  const text =
    at.stage === 'reading'
      ? t('import.serverReading')
      : at.stage === 'comparing'
        ? t('import.serverComparing', { total })
        : at.stage === 'checking'
          ? t('import.serverChecking', { done: at.rows_done, total })
          : t('import.serverDone', { total });
  const percent = total > 0 ? Math.floor((at.rows_done / total) * 100) : 0;
  return (
    <div data-testid="server-check">
      <Typography.Text>{text}</Typography.Text>
      <Progress percent={percent} status={at.stage === 'done' ? 'success' : 'active'} />
    </div>
  );
}

export default function ImportWizard() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [step, setStep] = useState(0);
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [checking, setChecking] = useState<ImportProgress | null>(null);
  // The server checks a file only once it has all of it: the upload is done, whatever the
  // browser reported of it (it reports nothing through some proxies).
  const serverChecking = (p: ImportProgress) => {
    setProgress(100);
    setChecking(p);
  };
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [applying, setApplying] = useState(false);
  const [applied, setApplied] = useState<ImportReport | null>(null);
  const handle = useRef<UploadHandle | null>(null);
  const [form] = Form.useForm<ApplyValues>();
  // The day the import takes effect, chosen before the check: the file is compared with the
  // formulary as it will stand on that day.
  const [effective, setEffective] = useState<Dayjs>(() => consortiumToday());
  // Apply the valid rows and leave the others out (they can be downloaded, fixed, imported).
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [rejectedError, setRejectedError] = useState<unknown>(null);
  // The file's columns and the field each is read as (confirmed by the user when suggested).
  const [plan, setPlan] = useState<ColumnPlan | null>(null);
  const [mapping, setMapping] = useState<Record<string, string> | undefined>(undefined);

  /** A file chosen: its columns first; suggested ones (a list written by others) are shown
   * for the user to confirm before the check. */
  const choose = async (f: File) => {
    setFile(f);
    setError(null);
    setReport(null);
    setPlan(null);
    try {
      const p = await planColumns(f);
      const chosen = mappingOf(p);
      if (p.missing.length > 0 || p.headers.some((h) => h.how === 'suggested')) {
        setPlan(p);
        setMapping(chosen);
        return;
      }
      setMapping(chosen);
      await dryRun(f, chosen);
    } catch (err) {
      setError(err);
    }
  };

  const dryRun = async (f: File, columns: Record<string, string> | undefined = mapping) => {
    setFile(f);
    setError(null);
    setReport(null);
    setProgress(0);
    handle.current = uploadImport(
      f,
      { dryRun: true, effective_date: effective.format(DATE_FORMAT), mapping: columns },
      setProgress,
      serverChecking,
    );
    try {
      const r = await handle.current.promise;
      setReport(r);
      setStep(2);
    } catch (err) {
      if (err instanceof ApiError && err.report) {
        setReport(err.report);
        setStep(2);
      } else {
        setError(err);
      }
    } finally {
      setProgress(null);
      setChecking(null);
      handle.current = null;
    }
  };

  const apply = async (v: ApplyValues) => {
    if (!file) return;
    setApplying(true);
    setError(null);
    setProgress(0);
    handle.current = uploadImport(
      file,
      {
        dryRun: false,
        reason: v.reason.trim(),
        effective_date: effective.format(DATE_FORMAT),
        justification: v.justification?.trim() || undefined,
        skip_invalid: skipInvalid,
        mapping,
      },
      setProgress,
      serverChecking,
    );
    try {
      const r = await handle.current.promise;
      setApplied(r);
      void queryClient.invalidateQueries({ queryKey: ['proposals'] });
      void message.success(t('import.applied', { id: r.proposal_id ?? '' }));
    } catch (err) {
      if (err instanceof ApiError && err.report) {
        setReport(err.report);
        setStep(2);
      }
      setError(err);
      void message.error(describeError(err));
    } finally {
      setApplying(false);
      setProgress(null);
      setChecking(null);
      handle.current = null;
    }
  };

  const reset = () => {
    handle.current?.abort();
    setFile(null);
    setReport(null);
    setApplied(null);
    setError(null);
    setProgress(null);
    form.resetFields();
    setSkipInvalid(false);
    setPlan(null);
    setMapping(undefined);
    setStep(1);
  };

  const problems = report ? new Set([...report.errors.map((e) => e.row), ...report.overrides.map((o) => o.row)]).size : 0;
  const canApply = !!report && (problems === 0 || skipInvalid) && report.added.length + report.changed.length > 0;

  return (
    <>
      <PageTitle title={t('import.title')} />
      <Card size="small">
        <Steps
          current={step}
          style={{ marginBottom: 20 }}
          items={[
            { title: t('import.stepTemplate') },
            { title: t('import.stepUpload') },
            { title: t('import.stepCheck') },
            { title: t('import.stepApply') },
          ]}
        />

        {step === 0 ? (
          <Space orientation="vertical" size={16} style={{ width: '100%' }}>
            <Alert type="info" showIcon title={t('import.templateHint')} />
            <Space wrap>
              <a href={templateUrl('csv')} download data-testid="template-csv">
                <Button icon={<DownloadOutlined />}>{t('import.downloadCsv')}</Button>
              </a>
              <a href={templateUrl('xlsx')} download data-testid="template-xlsx">
                <Button icon={<FileExcelOutlined />}>{t('import.downloadXlsx')}</Button>
              </a>
            </Space>
            <Button type="primary" onClick={() => setStep(1)} data-testid="import-next">
              {t('import.next')}
            </Button>
          </Space>
        ) : null}

        {step === 1 ? (
          <Space orientation="vertical" size={16} style={{ width: '100%' }}>
            <Form layout="vertical" style={{ maxWidth: 640 }}>
              <Form.Item label={t('proposal.effectiveDate')} extra={t('import.effectiveHint')} required>
                <DatePicker
                  format={DATE_FORMAT}
                  allowClear={false}
                  value={effective}
                  onChange={(d) => d && setEffective(d)}
                  data-testid="import-effective-date"
                />
              </Form.Item>
            </Form>
            <Upload.Dragger
              accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
              multiple={false}
              showUploadList={false}
              disabled={progress !== null}
              beforeUpload={(f) => {
                void choose(f as File);
                return false;
              }}
              data-testid="import-upload"
            >
              <p className="ant-upload-drag-icon">
                <InboxOutlined />
              </p>
              <p className="ant-upload-text">{t('import.dropHint')}</p>
              <p className="ant-upload-hint">{t('import.dropSub')}</p>
            </Upload.Dragger>
            {progress !== null ? (
              <div>
                <Typography.Text>
                  {file?.name} · {t('import.uploading')}
                </Typography.Text>
                <Progress percent={progress} status="active" data-testid="upload-progress" />
                {checking ? <ServerCheck at={checking} /> : null}
              </div>
            ) : null}
            <ErrorAlert error={error} />
            {plan && file ? (
              <ColumnMapping
                plan={plan}
                mapping={mapping ?? {}}
                onChange={setMapping}
                onConfirm={() => void dryRun(file, mapping)}
              />
            ) : null}
            <Button onClick={() => setStep(0)}>{t('import.prev')}</Button>
          </Space>
        ) : null}

        {step === 2 && report ? (
          <Space orientation="vertical" size={16} style={{ width: '100%' }}>
            <Typography.Text type="secondary">{file?.name}</Typography.Text>
            <ImportReportView report={report} />
            {report.errors.length === 0 &&
            report.overrides.length === 0 &&
            report.added.length + report.changed.length === 0 ? (
              <Alert type="info" showIcon title={t('import.nothingToApply')} />
            ) : null}
            {problems > 0 && file ? (
              <Space orientation="vertical" size={8}>
                <Button
                  icon={<FileExcelOutlined />}
                  onClick={() => {
                    setRejectedError(null);
                    downloadRejected(file, effective.format(DATE_FORMAT), mapping).catch(setRejectedError);
                  }}
                  data-testid="import-download-rejected"
                >
                  {t('import.downloadRejected', { count: problems })}
                </Button>
                <ErrorAlert error={rejectedError} />
                {report.added.length + report.changed.length > 0 ? (
                  <Checkbox checked={skipInvalid} onChange={(e) => setSkipInvalid(e.target.checked)} data-testid="import-skip-invalid">
                    {t('import.skipInvalid', { count: problems, valid: report.added.length + report.changed.length })}
                  </Checkbox>
                ) : null}
              </Space>
            ) : null}
            <Space>
              <Button onClick={reset} data-testid="import-again">
                {t('import.checkAgain')}
              </Button>
              <Button type="primary" disabled={!canApply} onClick={() => setStep(3)} data-testid="import-to-apply">
                {t('import.next')}
              </Button>
            </Space>
          </Space>
        ) : null}

        {step === 3 && report ? (
          applied ? (
            <Result
              status="success"
              title={t('import.applied', { id: applied.proposal_id ?? '' })}
              extra={[
                <Link key="inbox" to={`/formulary/proposals?status=pending&highlight=${applied.proposal_id ?? ''}`}>
                  <Button type="primary" data-testid="import-go-inbox">
                    {t('import.goInbox')}
                  </Button>
                </Link>,
                <Button key="again" onClick={reset}>
                  {t('import.again')}
                </Button>,
              ]}
            />
          ) : (
            <Form<ApplyValues>
              form={form}
              layout="vertical"
              style={{ maxWidth: 640 }}
              onFinish={(v) => void apply(v)}
            >
              <Alert
                type="info"
                showIcon
                style={{ marginBottom: 16 }}
                title={`${file?.name ?? ''}${t('common.colon')}${t('import.rowsNew')} ${report.added.length}${t('common.sep')}${t('import.rowsChanged')} ${report.changed.length}`}
                description={`${t('proposal.effectiveDate')}${t('common.colon')}${effective.format(DATE_FORMAT)}${
                  skipInvalid && problems ? `${t('common.sep')}${t('import.skipping', { count: problems })}` : ''
                }`}
              />
              <Form.Item
                name="reason"
                label={t('proposal.reason')}
                rules={[{ required: true, whitespace: true, min: 2, message: t('proposal.reasonRequired') }]}
              >
                <Input.TextArea rows={2} maxLength={1000} data-testid="import-reason" />
              </Form.Item>
              <Form.Item name="justification" label={t('proposal.justification')}>
                <Input.TextArea rows={3} maxLength={2000} placeholder={t('proposal.justificationPlaceholder')} />
              </Form.Item>
              {progress !== null ? <Progress percent={progress} status="active" /> : null}
              {checking ? <ServerCheck at={checking} /> : null}
              <ErrorAlert error={error} />
              <Space>
                <Button onClick={() => setStep(2)}>{t('import.prev')}</Button>
                <Button type="primary" htmlType="submit" loading={applying} data-testid="import-apply">
                  {t('import.apply')}
                </Button>
              </Space>
            </Form>
          )
        ) : null}
      </Card>
    </>
  );
}
