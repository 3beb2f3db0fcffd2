import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, App, Button, Card, DatePicker, Empty, Form, Input, Modal, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { TableProps } from 'antd';
import { CalendarOutlined, PlusOutlined, StopOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import dayjs, { type Dayjs } from 'dayjs';
import {
  closeCycle,
  CYCLE_STATUS_COLOR,
  getOpenCycle,
  listCycles,
  openCycle,
  type Cycle,
  type CycleStatus,
} from '../../api/cycles';
import { ApiError } from '../../api/problem';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { consortiumToday, DATE_FORMAT, formatDate, formatDateTime } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';

const PAGE = 50;
const HEADER_OFFSET = 52;
const k = (key: string) => `procurement.cycles.${key}`;

/** Days from the first to the last, both counted. */
const dayCount = (c: Pick<Cycle, 'starts_on' | 'ends_on'>) => dayjs(c.ends_on).diff(dayjs(c.starts_on), 'day') + 1;

const monthName = (t: TFunction, d: Dayjs) => t(k('form.monthName'), { year: d.year(), month: d.month() + 1 });

/**
 * The month a new cycle is for: next month, or the month after the latest cycle's end when a
 * cycle already reached further (its first and last day, and its name "2027年1月").
 */
export function nextCycleMonth(latestEnd: string | undefined, today: Dayjs): Dayjs {
  const next = today.startOf('month').add(1, 'month');
  if (!latestEnd) return next;
  const after = dayjs(latestEnd).startOf('month').add(1, 'month');
  return after.isAfter(next) ? after : next;
}

export function CycleStatusTag({ status }: { status: CycleStatus }) {
  const { t } = useTranslation();
  return (
    <Tag color={CYCLE_STATUS_COLOR[status]} data-testid="cycle-status" data-status={status} style={{ marginInlineEnd: 0 }}>
      {t(k(`status.${status}`))}
    </Tag>
  );
}

function Days({ c }: { c: Pick<Cycle, 'starts_on' | 'ends_on'> }) {
  return (
    <span className="num" style={{ whiteSpace: 'nowrap' }}>
      {formatDate(c.starts_on)} ~ {formatDate(c.ends_on)}
    </span>
  );
}

function Who({ by, at }: { by?: string | null; at?: string | null }) {
  if (!at) return <span className="muted">—</span>;
  return (
    <div>
      {by ?? '—'}
      <div className="muted num">{formatDateTime(at)}</div>
    </div>
  );
}

interface OpenValues {
  name: string;
  days: [Dayjs, Dayjs];
}

/** What the form opens with: the month a new cycle is most likely for. */
function prefill(t: TFunction, latestEnd: string | undefined): OpenValues {
  const month = nextCycleMonth(latestEnd, consortiumToday());
  return { name: monthName(t, month), days: [month, month.endOf('month').startOf('day')] };
}

/** The "open a new cycle" dialog, open while `initial` is set. */
function OpenModal({ initial, onClose }: { initial: OpenValues | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<OpenValues>();
  /** The name as filled in from the days: replaced when the days change, unless the user typed one. */
  const autoName = useRef('');

  const submit = useMutation({
    mutationFn: (v: OpenValues) =>
      openCycle({ name: v.name.trim(), starts_on: v.days[0].format(DATE_FORMAT), ends_on: v.days[1].format(DATE_FORMAT) }),
    onSuccess: (c) => {
      void message.success(t(k('opened'), { name: c.name }));
      void queryClient.invalidateQueries({ queryKey: ['cycles'] });
      onClose();
    },
    onError: (err) => {
      // O1: someone opened one meanwhile. The page shows it; the form says why.
      if (err instanceof ApiError && err.status === 409) void queryClient.invalidateQueries({ queryKey: ['cycles'] });
      if (err instanceof ApiError && err.errors.length) {
        const byField = new Map<string, string[]>();
        for (const e of err.errors) {
          const name = e.field === 'starts_on' || e.field === 'ends_on' ? 'days' : e.field;
          byField.set(name, [...(byField.get(name) ?? []), e.message]);
        }
        form.setFields(
          [...byField]
            .filter((f): f is ['name' | 'days', string[]] => f[0] === 'name' || f[0] === 'days')
            .map(([name, errors]) => ({ name, errors })),
        );
      }
    },
  });

  // The values stay while the dialog fades out; it is destroyed once hidden, so the next
  // opening mounts the form afresh with its own values.
  const shown = useRef<OpenValues | null>(null);
  if (initial) shown.current = initial;
  useEffect(() => {
    if (!initial) return;
    submit.reset();
    autoName.current = initial.name;
    // The form's store outlives the modal's content: a form opened before keeps its values
    // over `initialValues`, so the proposal is set each time the form opens.
    form.setFieldsValue(initial);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [initial]);

  const err = submit.error;
  const o1 = err instanceof ApiError && err.status === 409;
  const placed = err instanceof ApiError && err.errors.length > 0 && err.errors.every((e) => ['name', 'starts_on', 'ends_on'].includes(e.field));

  return (
    <Modal
      open={!!initial}
      title={t(k('form.title'))}
      okText={t(k('form.submit'))}
      cancelText={t('common.cancel')}
      confirmLoading={submit.isPending}
      onCancel={onClose}
      onOk={() => form.submit()}
      okButtonProps={{ 'data-testid': 'cycle-form-submit' } as never}
      cancelButtonProps={{ 'data-testid': 'cycle-form-cancel' } as never}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">{t(k('form.hint'))}</Typography.Paragraph>
      {o1 ? (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          data-testid="cycle-form-o1"
          title={err.rule ? `${err.rule}: ${err.detail}` : err.detail}
        />
      ) : (
        <ErrorAlert error={placed ? null : err} />
      )}
      {shown.current ? (
        <Form<OpenValues>
          form={form}
          initialValues={shown.current}
          layout="vertical"
          onFinish={(v) => submit.mutate(v)}
          onValuesChange={(changed: Partial<OpenValues>) => {
            if (changed.days?.[0] && form.getFieldValue('name') === autoName.current) {
              autoName.current = monthName(t, changed.days[0]);
              form.setFieldValue('name', autoName.current);
            }
          }}
        >
          <Form.Item name="name" label={t(k('form.name'))} rules={[{ required: true, whitespace: true, message: t(k('form.nameRequired')) }]}>
            <Input maxLength={64} placeholder={t(k('form.namePlaceholder'))} autoComplete="off" data-testid="cycle-form-name" />
          </Form.Item>
          <div data-testid="cycle-form-days">
            <Form.Item name="days" label={t(k('form.days'))} rules={[{ required: true, message: t(k('form.daysRequired')) }]}>
              <DatePicker.RangePicker
                format={DATE_FORMAT}
                placeholder={[t(k('form.start')), t(k('form.end'))]}
                allowClear={false}
                style={{ width: '100%' }}
              />
            </Form.Item>
          </div>
        </Form>
      ) : null}
    </Modal>
  );
}

/** The open cycle, prominently: what members order in now. */
function CurrentCycle({
  cycle,
  loading,
  mayManage,
  onClose,
}: {
  cycle: Cycle | null | undefined;
  loading: boolean;
  mayManage: boolean;
  onClose: (c: Cycle) => void;
}) {
  const { t } = useTranslation();
  const today = consortiumToday();
  if (loading) return <Card size="small" loading style={{ marginBottom: 12 }} />;
  if (!cycle) {
    return (
      <Card size="small" style={{ marginBottom: 12 }} data-testid="cycle-current" data-state="none">
        <Alert
          type="warning"
          showIcon
          title={<span data-testid="cycle-none">{t(k('current.none'))}</span>}
          description={
            <>
              <div>{t(k('current.noneHint'))}</div>
              {mayManage ? <div>{t(k('current.noneHintManager'))}</div> : null}
            </>
          }
        />
      </Card>
    );
  }
  const pastEnd = today.isAfter(dayjs(cycle.ends_on), 'day');
  const notStarted = today.isBefore(dayjs(cycle.starts_on), 'day');
  return (
    <Card
      size="small"
      style={{ marginBottom: 12, borderColor: '#91caff', background: '#f5faff' }}
      data-testid="cycle-current"
      data-state="open"
      data-id={cycle.id}
      data-name={cycle.name}
    >
      <div style={{ display: 'flex', justifyContent: 'space-between', gap: 16, flexWrap: 'wrap', alignItems: 'flex-start' }}>
        <div style={{ minWidth: 0 }}>
          <Space size={8} align="center" style={{ marginBottom: 8 }}>
            <CalendarOutlined style={{ color: '#1677ff', fontSize: 18 }} />
            <Typography.Text type="secondary">{t(k('current.title'))}</Typography.Text>
            <CycleStatusTag status={cycle.status} />
          </Space>
          <Typography.Title level={3} style={{ margin: '0 0 8px' }} data-testid="cycle-current-name">
            {cycle.name}
          </Typography.Title>
          <Space size={[24, 4]} wrap>
            <span>
              <span className="muted" style={{ fontSize: 14 }}>
                {t(k('current.days'))}
                {t('common.colon')}
              </span>
              <span data-testid="cycle-current-days">
                <Days c={cycle} />
              </span>
              <span className="muted" style={{ marginInlineStart: 6, fontSize: 14 }}>
                {t(k('current.dayCount'), { count: dayCount(cycle) })}
              </span>
            </span>
            <span>
              <span className="muted" style={{ fontSize: 14 }}>
                {t(k('current.openedBy'))}
                {t('common.colon')}
              </span>
              <span data-testid="cycle-current-opened-by">{cycle.opened_by ?? '—'}</span>
            </span>
            <span>
              <span className="muted" style={{ fontSize: 14 }}>
                {t(k('current.openedAt'))}
                {t('common.colon')}
              </span>
              <span className="num">{formatDateTime(cycle.opened_at)}</span>
            </span>
          </Space>
          {pastEnd ? (
            <div style={{ marginTop: 8 }}>
              <Tag color="orange" data-testid="cycle-past-end">
                {t(k('current.pastEnd'), { date: formatDate(cycle.ends_on) })}
              </Tag>
            </div>
          ) : notStarted ? (
            <div style={{ marginTop: 8 }}>
              <Tag color="blue">{t(k('current.notStarted'), { date: formatDate(cycle.starts_on) })}</Tag>
            </div>
          ) : null}
          {mayManage ? (
            <div style={{ marginTop: 10 }}>
              <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="cycle-open-blocked">
                {t(k('openBlocked'), { name: cycle.name })}
              </Typography.Text>
            </div>
          ) : null}
        </div>
        {mayManage ? (
          <Button danger icon={<StopOutlined />} onClick={() => onClose(cycle)} data-testid="cycle-close">
            {t(k('close'))}
          </Button>
        ) : null}
      </div>
    </Card>
  );
}

function CloseModal({ cycle, onDone }: { cycle: Cycle | null; onDone: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const close = useMutation({
    mutationFn: (c: Cycle) => closeCycle(c.id, c.version),
    onSuccess: (c) => {
      void message.success(t(k('closed'), { name: c.name }));
      void queryClient.invalidateQueries({ queryKey: ['cycles'] });
      onDone();
    },
    onError: (err) => {
      // Closed already or changed since: say so (the server's words) and show how it is now.
      if (err instanceof ApiError && err.status === 409) {
        void message.warning(err.detail || t(k('closeStale')));
        void queryClient.invalidateQueries({ queryKey: ['cycles'] });
        onDone();
      }
    },
  });
  useEffect(() => {
    if (cycle) close.reset();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cycle]);
  return (
    <Modal
      open={!!cycle}
      title={cycle ? t(k('closeTitle'), { name: cycle.name }) : ''}
      okText={t(k('closeOk'))}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: true, 'data-testid': 'cycle-close-confirm' } as never}
      cancelButtonProps={{ 'data-testid': 'cycle-close-cancel' } as never}
      confirmLoading={close.isPending}
      onCancel={onDone}
      onOk={() => cycle && close.mutate(cycle)}
      destroyOnHidden
    >
      <ErrorAlert error={close.error} />
      <div data-testid="cycle-close-body">
        <Typography.Paragraph>{t(k('closeBody'))}</Typography.Paragraph>
        <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
          {t(k('closeBody2'))}
        </Typography.Paragraph>
      </div>
    </Modal>
  );
}

export default function Cycles() {
  const { t } = useTranslation();
  const me = useMe();
  const mayManage = can(me, 'manage_procurement');
  const [opening, setOpening] = useState<OpenValues | null>(null);
  const [closing, setClosing] = useState<Cycle | null>(null);

  const current = useQuery({ queryKey: ['cycles', 'open'], queryFn: ({ signal }) => getOpenCycle(signal) });
  const list = useInfiniteQuery({
    queryKey: ['cycles', 'list'],
    queryFn: ({ pageParam, signal }) => listCycles({ cursor: pageParam, limit: PAGE }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  /** The last day any cycle reaches (newest first: the first page has it). */
  const latestEnd = useMemo(
    () => items.reduce<string | undefined>((max, c) => (!max || c.ends_on > max ? c.ends_on : max), undefined),
    [items],
  );
  const openNow = current.data ?? null;
  const blocked = !!openNow;

  const columns: TableProps<Cycle>['columns'] = [
    {
      title: t(k('col.name')),
      dataIndex: 'name',
      width: 180,
      render: (name: string) => (
        <span data-testid="cycle-name" style={{ fontWeight: 500 }}>
          {name}
        </span>
      ),
    },
    {
      title: t(k('col.days')),
      key: 'days',
      width: 260,
      render: (_: unknown, c) => (
        <span data-testid="cycle-days">
          <Days c={c} />
          <span className="muted" style={{ marginInlineStart: 6 }}>
            {t(k('current.dayCount'), { count: dayCount(c) })}
          </span>
        </span>
      ),
    },
    {
      title: t(k('col.status')),
      dataIndex: 'status',
      width: 90,
      render: (s: CycleStatus) => <CycleStatusTag status={s} />,
    },
    { title: t(k('col.opened')), key: 'opened', width: 180, render: (_: unknown, c) => <Who by={c.opened_by} at={c.opened_at} /> },
    { title: t(k('col.closed')), key: 'closed', width: 180, render: (_: unknown, c) => <Who by={c.closed_by} at={c.closed_at} /> },
  ];

  const openButton = mayManage ? (
    <Tooltip title={blocked ? t(k('openBlocked'), { name: openNow?.name }) : undefined}>
      <Button
        type="primary"
        icon={<PlusOutlined />}
        // The form proposes the month after the latest cycle: wait for the list to be current.
        disabled={blocked || current.isPending || list.isFetching}
        onClick={() => setOpening(prefill(t, latestEnd))}
        data-testid="cycle-open"
      >
        {t(k('open'))}
      </Button>
    </Tooltip>
  ) : null;

  return (
    <>
      <PageTitle title={t(k('title'))} sub={t(k('sub'))} extra={openButton} />
      <ErrorAlert error={current.error} onRetry={() => void current.refetch()} />
      <CurrentCycle
        cycle={openNow}
        loading={current.isPending}
        mayManage={mayManage}
        onClose={(c) => setClosing(c)}
      />
      <Card size="small" variant="outlined" styles={{ body: { padding: 12 } }}>
        <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
        <Table<Cycle>
          size="small"
          rowKey="id"
          columns={columns}
          dataSource={items}
          loading={list.isPending || (list.isFetching && !list.isFetchingNextPage)}
          pagination={false}
          scroll={{ x: 890 }}
          sticky={{ offsetHeader: HEADER_OFFSET }}
          locale={{ emptyText: list.isPending ? ' ' : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t(k('empty'))} /> }}
          onRow={(c) =>
            ({
              'data-testid': 'cycle-row',
              'data-id': c.id,
              'data-name': c.name,
              'data-status': c.status,
            }) as React.HTMLAttributes<HTMLElement>
          }
          footer={() => (
            <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 12, flexWrap: 'wrap' }}>
              <Typography.Text type="secondary" data-testid="cycle-summary">
                {t(k('summary'), { shown: items.length })}
                {list.hasNextPage ? t(k('summaryMore')) : null}
              </Typography.Text>
              {list.hasNextPage ? (
                <Button size="small" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} data-testid="cycle-load-more">
                  {t('common.loadMore')}
                </Button>
              ) : items.length > 0 ? (
                <span className="muted">{t('common.noMore')}</span>
              ) : null}
            </div>
          )}
        />
      </Card>
      {mayManage ? (
        <>
          <OpenModal initial={opening} onClose={() => setOpening(null)} />
          <CloseModal cycle={closing} onDone={() => setClosing(null)} />
        </>
      ) : null}
    </>
  );
}
