import { useEffect, useState } from 'react';
import { Alert, Button, Card, Form, Input, Modal, Progress, Select, Space, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import {
  listStockInstitutions,
  listStocktakes,
  startStocktake,
  STOCKTAKE_STATUS,
  STOCKTAKE_STATUS_COLOR,
  type StockInstitution,
  type StocktakeStatus,
  type StocktakeSummary,
} from '../../api/stocktake';
import { ApiError } from '../../api/problem';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { formatDateTime } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';

export function StocktakeStatusTag({ status }: { status: StocktakeStatus }) {
  const { t } = useTranslation();
  return (
    <Tag color={STOCKTAKE_STATUS_COLOR[status]} data-testid="stocktake-status" data-status={status}>
      {t(`stock.stocktake.status.${status}`)}
    </Tag>
  );
}

/** Counted of lines as a bar, with the differences found so far. */
export function CountProgress({ s }: { s: Pick<StocktakeSummary, 'lines' | 'counted' | 'differences'> }) {
  const { t } = useTranslation();
  const pct = s.lines ? Math.floor((s.counted / s.lines) * 100) : 0;
  return (
    <div style={{ minWidth: 150 }}>
      <Progress
        percent={pct}
        size="small"
        status={s.lines > 0 && s.counted === s.lines ? 'success' : 'normal'}
        format={() => `${s.counted}/${s.lines}`}
      />
      {s.differences > 0 ? (
        <span className="muted" style={{ fontSize: 12 }}>
          {t('stock.stocktake.differencesCount', { count: s.differences })}
        </span>
      ) : null}
    </div>
  );
}

/** The unfinished stocktake of an institution (counting or submitted), if any. */
async function findUnfinished(institution_id: number): Promise<StocktakeSummary | undefined> {
  for (const status of ['counting', 'submitted'] as const) {
    const page = await listStocktakes({ institution_id, status, limit: 1 });
    if (page.items[0]) return page.items[0];
  }
  return undefined;
}

function StartModal({
  open,
  onClose,
  institutions,
}: {
  open: boolean;
  onClose: () => void;
  institutions: StockInstitution[];
}) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ institution_id?: number; note?: string }>();
  const [existing, setExisting] = useState<StocktakeSummary | null>(null);
  const recordable = institutions.filter((i) => i.may_record);
  const start = useMutation({
    mutationFn: (v: { institution_id: number; note?: string }) => startStocktake(v.institution_id, v.note?.trim()),
    onSuccess: (s) => {
      void queryClient.invalidateQueries({ queryKey: ['stocktakes'] });
      queryClient.setQueryData(['stocktake', s.id], s);
      onClose();
      void navigate(`/stock/stocktakes/${s.id}`);
    },
    onError: async (err, v) => {
      // One unfinished stocktake per institution: offer to open it.
      if (err instanceof ApiError && err.status === 409) setExisting((await findUnfinished(v.institution_id).catch(() => undefined)) ?? null);
    },
  });
  useEffect(() => {
    if (open) {
      form.resetFields();
      start.reset();
      setExisting(null);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open]);

  return (
    <Modal
      open={open}
      title={t('stock.stocktake.startTitle')}
      okText={t('stock.stocktake.startOk')}
      cancelText={t('common.cancel')}
      confirmLoading={start.isPending}
      onCancel={onClose}
      onOk={() => form.submit()}
      okButtonProps={{ disabled: recordable.length === 0, 'data-testid': 'start-confirm' } as never}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">{t('stock.stocktake.startHint')}</Typography.Paragraph>
      {recordable.length === 0 ? <Alert type="warning" showIcon title={t('stock.stocktake.noRecordable')} /> : null}
      {/* An unfinished stocktake in the way is offered to open instead of shown as an error. */}
      {existing ? null : <ErrorAlert error={start.error} />}
      {existing ? (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 12 }}
          title={t('stock.stocktake.unfinishedExists', { id: existing.id })}
          action={
            <Button size="small" type="primary" onClick={() => void navigate(`/stock/stocktakes/${existing.id}`)} data-testid="open-existing">
              {t('stock.stocktake.openIt')}
            </Button>
          }
        />
      ) : null}
      <Form
        form={form}
        layout="vertical"
        initialValues={{ institution_id: recordable.length === 1 ? recordable[0].id : undefined }}
        onValuesChange={(changed) => {
          if ('institution_id' in changed) setExisting(null);
        }}
        onFinish={(v) => v.institution_id && start.mutate({ institution_id: v.institution_id, note: v.note })}
      >
        <Form.Item
          name="institution_id"
          label={t('stock.stocktake.institution')}
          rules={[{ required: true, message: t('stock.stocktake.institutionRequired') }]}
          hidden={recordable.length === 1}
        >
          <Select
            showSearch={{ optionFilterProp: 'label' }}
            data-testid="start-institution"
            placeholder={t('stock.stocktake.pickInstitution')}
            options={recordable.map((i) => ({ value: i.id, label: `${i.name} · ${t(`enum.level.${i.level}`)}` }))}
          />
        </Form.Item>
        {recordable.length === 1 ? (
          <Form.Item label={t('stock.stocktake.institution')}>
            <Typography.Text strong>{recordable[0].name}</Typography.Text>
          </Form.Item>
        ) : null}
        <Form.Item name="note" label={t('stock.stocktake.note')}>
          <Input maxLength={500} placeholder={t('stock.stocktake.notePlaceholder')} data-testid="start-note" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export default function Stocktakes() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [starting, setStarting] = useState(false);
  const institutionId = Number(params.get('institution_id')) || undefined;
  const status = (STOCKTAKE_STATUS as string[]).includes(params.get('status') ?? '')
    ? (params.get('status') as StocktakeStatus)
    : undefined;

  const institutions = useQuery({ queryKey: ['stock-institutions'], queryFn: listStockInstitutions, staleTime: 5 * 60_000 });
  const insts = institutions.data ?? [];
  const list = useInfiniteQuery({
    queryKey: ['stocktakes', institutionId ?? null, status ?? null],
    queryFn: ({ pageParam }) => listStocktakes({ institution_id: institutionId, status, cursor: pageParam, limit: 50 }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];

  const setFilter = (key: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const mayStart = can(me, 'record_stock') && insts.some((i) => i.may_record);
  const open = (s: StocktakeSummary) => void navigate(`/stock/stocktakes/${s.id}`);

  const columns: TableProps<StocktakeSummary>['columns'] = [
    {
      title: t('stock.stocktake.number'),
      dataIndex: 'id',
      width: 80,
      render: (id: number) => <Link to={`/stock/stocktakes/${id}`}>#{id}</Link>,
    },
    ...(insts.length > 1
      ? [{ title: t('stock.stocktake.institution'), dataIndex: 'institution_name', width: 200, ellipsis: true }]
      : []),
    {
      title: t('common.status'),
      dataIndex: 'status',
      width: 90,
      render: (s: StocktakeStatus) => <StocktakeStatusTag status={s} />,
    },
    {
      title: t('stock.stocktake.progress'),
      key: 'progress',
      width: 190,
      render: (_: unknown, s) => <CountProgress s={s} />,
    },
    {
      title: t('stock.stocktake.started'),
      key: 'started',
      width: 160,
      render: (_: unknown, s) => (
        <div>
          {s.started_by ?? '—'}
          <div className="muted">{formatDateTime(s.started_at)}</div>
        </div>
      ),
    },
    {
      title: t('stock.stocktake.submitted'),
      key: 'submitted',
      width: 160,
      render: (_: unknown, s) =>
        s.submitted_at ? (
          <div>
            {s.submitted_by ?? '—'}
            <div className="muted">{formatDateTime(s.submitted_at)}</div>
          </div>
        ) : (
          <span className="muted">—</span>
        ),
    },
    {
      title: t('stock.stocktake.decided'),
      key: 'decided',
      width: 160,
      render: (_: unknown, s) =>
        s.decided_at ? (
          <div>
            {s.decided_by ?? '—'}
            <div className="muted">{formatDateTime(s.decided_at)}</div>
          </div>
        ) : (
          <span className="muted">—</span>
        ),
    },
    {
      title: t('stock.stocktake.note'),
      key: 'note',
      ellipsis: true,
      render: (_: unknown, s) => (
        <span title={[s.note, s.decision_note].filter(Boolean).join(' / ')}>
          {s.note || <span className="muted">—</span>}
          {s.decision_note ? <div className="muted">{s.decision_note}</div> : null}
        </span>
      ),
    },
  ];

  return (
    <>
      <PageTitle
        title={t('stock.stocktake.title')}
        sub={t('stock.stocktake.sub')}
        extra={
          mayStart ? (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setStarting(true)} data-testid="start-stocktake">
              {t('stock.stocktake.start')}
            </Button>
          ) : null
        }
      />
      <Card size="small">
        <Space wrap style={{ marginBottom: 12 }}>
          {insts.length > 1 ? (
            <Select
              allowClear
              showSearch={{ optionFilterProp: 'label' }}
              style={{ width: 260 }}
              placeholder={t('stock.stocktake.allInstitutions')}
              value={institutionId}
              onChange={(v?: number) => setFilter('institution_id', v ? String(v) : undefined)}
              options={insts.map((i) => ({ value: i.id, label: i.name }))}
              data-testid="filter-institution"
            />
          ) : null}
          <Select
            allowClear
            style={{ width: 160 }}
            placeholder={t('stock.stocktake.allStatuses')}
            value={status}
            onChange={(v?: StocktakeStatus) => setFilter('status', v)}
            options={STOCKTAKE_STATUS.map((s) => ({ value: s, label: t(`stock.stocktake.status.${s}`) }))}
            data-testid="filter-status"
          />
        </Space>
        <ErrorAlert error={list.error ?? institutions.error} onRetry={() => void list.refetch()} />
        <Table<StocktakeSummary>
          className="clickable-rows"
          size="small"
          rowKey="id"
          columns={columns}
          dataSource={items}
          loading={list.isPending}
          pagination={false}
          scroll={{ x: 1000 }}
          sticky={{ offsetHeader: 52 }}
          locale={{
            emptyText: status || institutionId ? t('stock.stocktake.emptyFiltered') : t('stock.stocktake.empty'),
          }}
          onRow={(s) =>
            ({
              'data-testid': `stocktake-row-${s.id}`,
              onClick: (e: React.MouseEvent) => {
                if (!(e.target as HTMLElement).closest('a')) open(s);
              },
              onKeyDown: (e: React.KeyboardEvent) => {
                if (e.key === 'Enter') open(s);
              },
              tabIndex: 0,
              style: { cursor: 'pointer' },
            }) as React.HTMLAttributes<HTMLElement>
          }
          footer={
            list.hasNextPage
              ? () => (
                  <Button size="small" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
                    {t('common.loadMore')}
                  </Button>
                )
              : undefined
          }
        />
      </Card>
      <StartModal open={starting} onClose={() => setStarting(false)} institutions={insts} />
    </>
  );
}
