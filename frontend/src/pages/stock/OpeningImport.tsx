import { useRef, useState } from 'react';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Form,
  Progress,
  Result,
  Row,
  Select,
  Skeleton,
  Space,
  Statistic,
  Steps,
  Table,
  Tag,
  Tooltip,
  Typography,
  Upload,
} from 'antd';
import { FileExcelOutlined, InboxOutlined } from '@ant-design/icons';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  listStockInstitutions,
  openingTemplateUrl,
  uploadOpening,
  type OpeningLine,
  type OpeningReport,
  type OpeningUpload,
  type StockInstitution,
} from '../../api/opening';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import ImportErrorTable from '../../components/ImportErrorTable';
import { formatDate } from '../../lib/format';

const P = 'stock.opening';

/** `独贵塔拉中心卫生院（DGTL）`. */
const institutionLabel = (i: Pick<StockInstitution, 'name' | 'code'>) => `${i.name}（${i.code}）`;

/** What the check found: counts, the warning about stock already recorded, problems, lines. */
function ReportView({
  report,
  institution,
  fileName,
}: {
  report: OpeningReport;
  institution?: StockInstitution;
  fileName?: string;
}) {
  const { t } = useTranslation();
  const problems = report.problems.length;
  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }}>
      {institution ? (
        <Typography.Text type="secondary">
          {t(`${P}.forInstitution`, { name: institutionLabel(institution) })}
          {fileName ? ` · ${fileName}` : ''}
        </Typography.Text>
      ) : null}
      <Row gutter={12} data-testid="opening-counts">
        <Col xs={8} md={4}>
          <Card size="small">
            <Statistic title={t(`${P}.rowsTotal`)} value={report.rows_total} />
          </Card>
        </Col>
        <Col xs={8} md={4}>
          <Card size="small">
            <Statistic
              title={t(`${P}.rowsOk`)}
              value={report.lines.length}
              styles={{ content: { color: '#3b8c5a' } }}
              data-testid="opening-count-ok"
            />
          </Card>
        </Col>
        <Col xs={8} md={4}>
          <Card size="small">
            <Statistic
              title={t(`${P}.rowsProblem`)}
              value={problems}
              styles={{ content: { color: problems ? '#c0392b' : undefined } }}
              data-testid="opening-count-problems"
            />
          </Card>
        </Col>
      </Row>
      {report.existing_movements > 0 ? (
        <Alert
          type="warning"
          showIcon
          data-testid="opening-existing"
          title={t(`${P}.existingTitle`, { count: report.existing_movements })}
          description={t(`${P}.existingHint`)}
        />
      ) : null}
      {problems ? (
        <Card size="small" title={t(`${P}.problemsTitle`, { count: problems })} data-testid="opening-problems">
          <Alert type="error" showIcon title={t(`${P}.problemsHint`)} style={{ marginBottom: 8 }} />
          <ImportErrorTable errors={report.problems} />
        </Card>
      ) : report.lines.length ? (
        <Alert type="success" showIcon title={t(`${P}.noProblems`)} data-testid="opening-no-problems" />
      ) : (
        <Alert type="info" showIcon title={t(`${P}.nothing`)} />
      )}
      {report.lines.length ? (
        <Card size="small" title={t(`${P}.linesTitle`, { count: report.lines.length })}>
          <OpeningLines lines={report.lines} />
        </Card>
      ) : null}
    </Space>
  );
}

function OpeningLines({ lines }: { lines: OpeningLine[] }) {
  const { t } = useTranslation();
  return (
    <Table<OpeningLine>
      size="small"
      rowKey="row"
      dataSource={lines}
      data-testid="opening-lines"
      pagination={lines.length > 50 ? { pageSize: 50, showSizeChanger: false } : false}
      scroll={lines.length > 12 ? { y: 460 } : undefined}
      onRow={() => ({ 'data-testid': 'opening-line' }) as React.HTMLAttributes<HTMLElement>}
      columns={[
        { title: t(`${P}.row`), dataIndex: 'row', width: 70, render: (r: number) => <span className="num">{r}</span> },
        {
          title: t(`${P}.product`),
          key: 'product',
          render: (_: unknown, l) => (
            <span>
              {l.name_zh} <span className="muted">{l.strength}</span>
            </span>
          ),
        },
        { title: t(`${P}.lot`), dataIndex: 'lot_no', width: 160 },
        {
          title: t(`${P}.expiryDate`),
          key: 'expiry',
          width: 190,
          render: (_: unknown, l) => (
            <Space size={4}>
              <span className="num">{formatDate(l.expiry)}</span>
              {l.expiry_state === 'near' ? (
                <Tag color="orange" data-testid="opening-line-near">
                  {t(`${P}.near`)}
                </Tag>
              ) : l.expiry_state === 'expired' ? (
                <Tag color="red">{t(`${P}.expired`)}</Tag>
              ) : null}
            </Space>
          ),
        },
        {
          title: t(`${P}.packs`),
          dataIndex: 'packs',
          width: 130,
          align: 'right',
          render: (p: string) => <span className="num">{p}</span>,
        },
      ]}
    />
  );
}

export default function OpeningImport() {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const institutions = useQuery({ queryKey: ['stock-institutions'], queryFn: listStockInstitutions, staleTime: 5 * 60_000 });
  const recordable = (institutions.data ?? []).filter((i) => i.may_record);
  const [chosen, setChosen] = useState<number | undefined>(() => Number(params.get('institution_id')) || undefined);
  const institution =
    recordable.find((i) => i.id === chosen) ?? (recordable.length === 1 ? recordable[0] : undefined);

  const [step, setStep] = useState(0);
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [report, setReport] = useState<OpeningReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [applying, setApplying] = useState(false);
  const [applied, setApplied] = useState<OpeningReport | null>(null);
  const handle = useRef<OpeningUpload | null>(null);

  const check = async (f: File) => {
    if (!institution) return;
    setFile(f);
    setError(null);
    setReport(null);
    setProgress(0);
    handle.current = uploadOpening(f, institution.id, true, setProgress);
    try {
      setReport(await handle.current.promise);
      setStep(2);
    } catch (err) {
      setError(err);
    } finally {
      setProgress(null);
      handle.current = null;
    }
  };

  const doApply = async () => {
    if (!institution || !file) return;
    setApplying(true);
    setError(null);
    handle.current = uploadOpening(file, institution.id, false);
    try {
      const r = await handle.current.promise;
      setApplied(r);
      setStep(3);
      void queryClient.invalidateQueries({ queryKey: ['stock'] });
      void message.success(t(`${P}.applied`));
    } catch (err) {
      setError(err);
    } finally {
      setApplying(false);
      handle.current = null;
    }
  };

  const apply = () => {
    if (!report || !institution) return;
    if (report.existing_movements > 0) {
      modal.confirm({
        title: t(`${P}.confirmTitle`),
        content: t(`${P}.confirmExisting`, { name: institution.name, count: report.existing_movements }),
        okText: t(`${P}.confirmOk`),
        cancelText: t('common.cancel'),
        okButtonProps: { danger: true, 'data-testid': 'opening-confirm-ok' },
        onOk: () => doApply(),
      });
      return;
    }
    void doApply();
  };

  const reupload = () => {
    handle.current?.abort();
    setFile(null);
    setReport(null);
    setError(null);
    setProgress(null);
    setStep(1);
  };

  const restart = () => {
    reupload();
    setApplied(null);
    setStep(0);
  };

  const problems = report?.problems.length ?? 0;
  const canApply = !!report && problems === 0 && report.lines.length > 0;

  return (
    <>
      <PageTitle title={t(`${P}.title`)} sub={t(`${P}.sub`)} />
      <Card size="small">
        <Steps
          current={step}
          style={{ marginBottom: 20 }}
          items={[
            { title: t(`${P}.stepInstitution`) },
            { title: t(`${P}.stepUpload`) },
            { title: t(`${P}.stepCheck`) },
            { title: t(`${P}.stepDone`) },
          ]}
        />

        {step === 0 ? (
          institutions.isPending ? (
            <Skeleton active />
          ) : institutions.error ? (
            <ErrorAlert error={institutions.error} onRetry={() => void institutions.refetch()} />
          ) : recordable.length === 0 ? (
            <Alert type="info" showIcon title={t(`${P}.noInstitution`)} />
          ) : (
            <Space orientation="vertical" size={16} style={{ width: '100%', maxWidth: 820 }}>
              <Form layout="vertical">
                <Form.Item label={t(`${P}.institution`)} required style={{ marginBottom: 0 }}>
                  {recordable.length > 1 ? (
                    <Select
                      style={{ width: 420, maxWidth: '100%' }}
                      placeholder={t(`${P}.institutionPlaceholder`)}
                      value={institution?.id}
                      onChange={(v: number) => setChosen(v)}
                      showSearch={{ optionFilterProp: 'label' }}
                      data-testid="opening-institution"
                      options={recordable.map((i) => ({
                        value: i.id,
                        label: `${institutionLabel(i)} · ${t(`enum.level.${i.level}`)}`,
                      }))}
                    />
                  ) : (
                    <Typography.Text strong data-testid="opening-institution-name">
                      {institution ? `${institutionLabel(institution)} · ${t(`enum.level.${institution.level}`)}` : ''}
                    </Typography.Text>
                  )}
                </Form.Item>
              </Form>
              <Card size="small" type="inner" title={t(`${P}.templateTitle`)}>
                <Space orientation="vertical" size={10} style={{ width: '100%' }}>
                  <Typography.Paragraph style={{ margin: 0 }}>{t(`${P}.templateHint`)}</Typography.Paragraph>
                  <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
                    {t(`${P}.templateRules`)}
                  </Typography.Paragraph>
                  {institution ? (
                    <a href={openingTemplateUrl(institution.id)} download data-testid="opening-template">
                      <Button icon={<FileExcelOutlined />}>{t(`${P}.downloadTemplate`)}</Button>
                    </a>
                  ) : (
                    <Tooltip title={t(`${P}.institutionRequired`)}>
                      <Button icon={<FileExcelOutlined />} disabled>
                        {t(`${P}.downloadTemplate`)}
                      </Button>
                    </Tooltip>
                  )}
                </Space>
              </Card>
              <Button type="primary" disabled={!institution} onClick={() => setStep(1)} data-testid="opening-next">
                {t(`${P}.next`)}
              </Button>
            </Space>
          )
        ) : null}

        {step === 1 ? (
          <Space orientation="vertical" size={16} style={{ width: '100%' }}>
            {institution ? (
              <Typography.Text strong>{t(`${P}.forInstitution`, { name: institutionLabel(institution) })}</Typography.Text>
            ) : null}
            <Upload.Dragger
              accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
              multiple={false}
              showUploadList={false}
              disabled={progress !== null || !institution}
              beforeUpload={(f) => {
                void check(f as File);
                return false;
              }}
              data-testid="opening-upload"
            >
              <p className="ant-upload-drag-icon">
                <InboxOutlined />
              </p>
              <p className="ant-upload-text">{t(`${P}.dropHint`)}</p>
              <p className="ant-upload-hint">{t(`${P}.dropSub`)}</p>
            </Upload.Dragger>
            {progress !== null ? (
              <div>
                <Typography.Text>
                  {file?.name} · {t(`${P}.uploading`)}
                </Typography.Text>
                <Progress percent={progress} status="active" data-testid="opening-progress" />
              </div>
            ) : null}
            <ErrorAlert error={error} />
            <Button onClick={() => setStep(0)}>{t(`${P}.prev`)}</Button>
          </Space>
        ) : null}

        {step === 2 && report ? (
          <Space orientation="vertical" size={16} style={{ width: '100%' }} data-testid="opening-report">
            <ReportView report={report} institution={institution} fileName={file?.name} />
            <ErrorAlert error={error} />
            <Space>
              <Button onClick={reupload} data-testid="opening-reupload">
                {t(`${P}.reupload`)}
              </Button>
              <Tooltip title={problems ? t(`${P}.applyBlocked`) : undefined}>
                <Button type="primary" disabled={!canApply} loading={applying} onClick={apply} data-testid="opening-apply">
                  {t(`${P}.apply`)}
                </Button>
              </Tooltip>
            </Space>
          </Space>
        ) : null}

        {step === 3 && applied ? (
          <Result
            status="success"
            data-testid="opening-done"
            title={t(`${P}.applied`)}
            subTitle={t(`${P}.appliedSub`, {
              name: institution?.name ?? '',
              count: applied.lines.length,
              rows: applied.rows_total,
            })}
            extra={[
              <Link key="stock" to={`/stock?institution_id=${applied.institution_id}`} data-testid="opening-view-stock">
                <Button type="primary">{t(`${P}.viewStock`)}</Button>
              </Link>,
              <Button key="again" onClick={restart} data-testid="opening-again">
                {t(`${P}.again`)}
              </Button>,
            ]}
          />
        ) : null}
      </Card>
    </>
  );
}
