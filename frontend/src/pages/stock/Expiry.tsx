import { useEffect, useMemo, useState } from 'react';
import {
  Alert,
  App,
  Button,
  Card,
  Form,
  Input,
  InputNumber,
  Modal,
  Radio,
  Segmented,
  Select,
  Space,
  Table,
  Tabs,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import type { TableProps } from 'antd';
import { CheckOutlined, CloseOutlined, DeleteOutlined, EditOutlined, FileExcelOutlined, SearchOutlined, WarningOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import {
  approveDisposal,
  expiryExportUrl,
  getStockSettings,
  listDisposals,
  listExpiring,
  putStockSettings,
  rejectDisposal,
  requestDisposal,
  type AdjustmentReason,
  type Disposal,
  type DisposalStatus,
  type StockLine,
  type StockSettings,
} from '../../api/expiry';
import { listStockInstitutions, type StockInstitution } from '../../api/opening';
import { describeError, isStale } from '../../api/problem';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { formatDate, formatDateTime } from '../../lib/format';
import { useDebounced } from '../../lib/hooks';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';

const P = 'stock.opening.expiry';

type Tab = 'near' | 'expired' | 'disposals';
type StatusFilter = DisposalStatus | 'all';

const REASONS: AdjustmentReason[] = ['expiry', 'damage', 'loss'];
const REASON_KEY: Record<AdjustmentReason, string> = {
  expiry: 'reasonExpiry',
  damage: 'reasonDamage',
  loss: 'reasonLoss',
  correction: 'reasonCorrection',
};
const REASON_COLOR: Record<AdjustmentReason, string> = { expiry: 'red', damage: 'orange', loss: 'purple', correction: 'blue' };
const STATUS_KEY: Record<DisposalStatus, string> = { pending: 'statusPending', approved: 'statusApproved', rejected: 'statusRejected' };
const STATUS_COLOR: Record<DisposalStatus, string> = { pending: 'gold', approved: 'green', rejected: 'default' };

const institutionLabel = (i: Pick<StockInstitution, 'name' | 'code'>) => `${i.name}（${i.code}）`;
const rowKey = (l: Pick<StockLine, 'institution_id' | 'lot_id'>) => `${l.institution_id}-${l.lot_id}`;

function ProductCell({ p }: { p: StockLine['product'] }) {
  const { t } = useTranslation();
  return (
    <div>
      <Typography.Text strong>{p.name_zh}</Typography.Text> {p.strength} <span className="muted">{p.dosage_form}</span>
      {p.cold_chain ? (
        <Tag color="blue" style={{ marginLeft: 6 }}>
          {t(`${P}.coldChain`)}
        </Tag>
      ) : null}
      <div className="muted">{p.manufacturer}</div>
    </div>
  );
}

function DaysLeft({ days }: { days: number }) {
  const { t } = useTranslation();
  if (days < 0) return <Typography.Text type="danger">{t(`${P}.expiredDays`, { count: -days })}</Typography.Text>;
  if (days === 0) return <Typography.Text type="danger">{t(`${P}.expiresToday`)}</Typography.Text>;
  return <Typography.Text type={days <= 30 ? 'danger' : 'warning'}>{t(`${P}.daysLeft`, { count: days })}</Typography.Text>;
}

/** The near-expiry window, changed by those who set the stock settings (against the version read). */
function WindowModal({ settings, open, onClose }: { settings: StockSettings; open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ days: number }>();
  const save = useMutation({
    mutationFn: (days: number) => putStockSettings({ near_expiry_days: days, version: settings.version }),
    onSuccess: (s) => {
      void message.success(t(`${P}.windowSaved`, { days: s.near_expiry_days }));
      queryClient.setQueryData(['stock', 'settings'], s);
      void queryClient.invalidateQueries({ queryKey: ['stock'] });
      onClose();
    },
    onError: (err) => {
      if (isStale(err)) void queryClient.invalidateQueries({ queryKey: ['stock', 'settings'] });
    },
  });
  useEffect(() => {
    if (open) {
      form.setFieldsValue({ days: settings.near_expiry_days });
      save.reset();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open]);
  return (
    <Modal
      open={open}
      title={t(`${P}.windowTitle`)}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={save.isPending}
      okButtonProps={{ 'data-testid': 'expiry-window-save' }}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" onFinish={(v) => save.mutate(v.days)}>
        <Form.Item
          name="days"
          label={t(`${P}.windowLabel`)}
          extra={t(`${P}.windowHint`)}
          rules={[
            {
              validator: (_, v: unknown) =>
                typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 1095
                  ? Promise.resolve()
                  : Promise.reject(new Error(t(`${P}.windowRequired`))),
            },
          ]}
        >
          <InputNumber style={{ width: 160 }} suffix={t(`${P}.days`)} data-testid="expiry-window-days" autoFocus />
        </Form.Item>
      </Form>
      <ErrorAlert error={save.error} />
    </Modal>
  );
}

interface Qty {
  packs: number | null;
  units: number | null;
}

/** What one line asks for, in base units, or why it cannot be sent. */
function lineTotal(l: StockLine, q: Qty, wholePacks: boolean): { total: number; error?: 'zero' | 'much' | 'whole' } {
  const packs = q.packs ?? 0;
  const units = wholePacks ? 0 : (q.units ?? 0);
  if (!Number.isInteger(packs) || !Number.isInteger(units) || packs < 0 || units < 0) return { total: 0, error: 'zero' };
  const total = packs * l.product.pack_size + units;
  if (total <= 0) return { total, error: 'zero' };
  if (total > l.quantity) return { total, error: 'much' };
  return { total };
}

/** 报损: the chosen lots, each defaulting to all on hand, with a reason and a note. */
function DisposalModal({
  lines,
  institution,
  defaultReason,
  onClose,
  onDone,
}: {
  lines: StockLine[];
  institution: StockInstitution | undefined;
  defaultReason: AdjustmentReason | undefined;
  onClose: () => void;
  onDone: (d: Disposal) => void;
}) {
  const { t } = useTranslation();
  const wholePacks = institution?.level === 'lead';
  const [rows, setRows] = useState<StockLine[]>(lines);
  const [qty, setQty] = useState<Record<string, Qty>>(() =>
    Object.fromEntries(
      lines.map((l) => {
        const size = Math.max(1, l.product.pack_size);
        return [rowKey(l), { packs: Math.floor(l.quantity / size), units: wholePacks ? 0 : l.quantity % size }];
      }),
    ),
  );
  const [reason, setReason] = useState<AdjustmentReason | undefined>(defaultReason);
  const [note, setNote] = useState('');
  const [tried, setTried] = useState(false);
  const submit = useMutation({
    mutationFn: () =>
      requestDisposal({
        institution_id: rows[0].institution_id,
        reason: reason!,
        note: note.trim() || undefined,
        lines: rows.map((l) => ({ lot_id: l.lot_id, quantity: lineTotal(l, qty[rowKey(l)], wholePacks).total })),
      }),
    onSuccess: onDone,
  });
  const checks = rows.map((l) => lineTotal(l, qty[rowKey(l)], wholePacks));
  const valid = !!reason && rows.length > 0 && checks.every((c) => !c.error);
  const send = () => {
    setTried(true);
    if (valid) submit.mutate();
  };
  const set = (l: StockLine, patch: Partial<Qty>) => setQty((q) => ({ ...q, [rowKey(l)]: { ...q[rowKey(l)], ...patch } }));

  return (
    <Modal
      open
      width={880}
      title={t(`${P}.requestTitle`, { name: institution ? institutionLabel(institution) : (rows[0]?.institution_name ?? '') })}
      onCancel={onClose}
      onOk={send}
      okText={t(`${P}.submit`)}
      cancelText={t('common.cancel')}
      confirmLoading={submit.isPending}
      okButtonProps={{ 'data-testid': 'disposal-submit' }}
      destroyOnHidden
    >
      <div data-testid="disposal-modal">
        <Alert type="info" showIcon title={t(`${P}.requestHint`)} style={{ marginBottom: 12 }} />
        <Form layout="vertical">
          <Form.Item
            label={t(`${P}.reason`)}
            required
            validateStatus={tried && !reason ? 'error' : undefined}
            help={tried && !reason ? t(`${P}.reasonRequired`) : undefined}
          >
            <Radio.Group value={reason} onChange={(e) => setReason(e.target.value as AdjustmentReason)} data-testid="disposal-reason">
              {REASONS.map((r) => (
                <Radio.Button key={r} value={r}>
                  <span data-testid={`disposal-reason-${r}`}>{t(`${P}.${REASON_KEY[r]}`)}</span>
                </Radio.Button>
              ))}
            </Radio.Group>
          </Form.Item>
          <Form.Item label={t(`${P}.quantity`)} required extra={wholePacks ? t(`${P}.wholePacksOnly`) : undefined}>
            <Table<StockLine>
              size="small"
              rowKey={rowKey}
              dataSource={rows}
              pagination={false}
              scroll={rows.length > 6 ? { y: 300 } : undefined}
              columns={[
                { title: t(`${P}.product`), key: 'p', render: (_: unknown, l) => <ProductCell p={l.product} /> },
                {
                  title: t(`${P}.lot`),
                  key: 'lot',
                  width: 150,
                  render: (_: unknown, l) => (
                    <div>
                      {l.lot_no}
                      <div className="muted">{formatDate(l.expiry)}</div>
                    </div>
                  ),
                },
                { title: t(`${P}.onHand`), dataIndex: 'packs', width: 100, render: (p: string) => <span className="num">{p}</span> },
                {
                  title: t('stock.opening.packs'),
                  key: 'q',
                  width: 260,
                  render: (_: unknown, l, i) => {
                    const q = qty[rowKey(l)];
                    const single = l.product.pack_size <= 1 || l.product.base_unit === l.product.pack_unit;
                    const c = checks[i];
                    return (
                      <div>
                        <Space size={4}>
                          <InputNumber
                            size="small"
                            style={{ width: single ? 120 : 96 }}
                            value={q.packs}
                            onChange={(v) => set(l, { packs: v })}
                            suffix={l.product.pack_unit}
                            aria-label={t(`${P}.packsUnit`)}
                            data-testid={`disposal-packs-${l.lot_id}`}
                          />
                          {!single && !wholePacks ? (
                            <InputNumber
                              size="small"
                              style={{ width: 96 }}
                              value={q.units}
                              onChange={(v) => set(l, { units: v })}
                              suffix={l.product.base_unit}
                              aria-label={t(`${P}.unitsUnit`)}
                              data-testid={`disposal-units-${l.lot_id}`}
                            />
                          ) : null}
                        </Space>
                        {c.error ? (
                          <div className="ant-form-item-explain-error" style={{ fontSize: 12 }}>
                            {c.error === 'much' ? t(`${P}.quantityTooMuch`, { packs: l.packs }) : t(`${P}.quantityZero`)}
                          </div>
                        ) : null}
                      </div>
                    );
                  },
                },
                {
                  key: 'rm',
                  width: 44,
                  render: (_: unknown, l) =>
                    rows.length > 1 ? (
                      <Button
                        size="small"
                        type="text"
                        icon={<DeleteOutlined />}
                        aria-label={t('common.close')}
                        onClick={() => setRows((rs) => rs.filter((r) => rowKey(r) !== rowKey(l)))}
                      />
                    ) : null,
                },
              ]}
            />
          </Form.Item>
          <Form.Item label={t(`${P}.note`)}>
            <Input.TextArea
              rows={2}
              maxLength={500}
              showCount
              value={note}
              onChange={(e) => setNote(e.target.value)}
              placeholder={t(`${P}.notePlaceholder`)}
              data-testid="disposal-note"
            />
          </Form.Item>
        </Form>
        <ErrorAlert error={submit.error} />
      </div>
    </Modal>
  );
}

/** Lots near expiry or expired: select some and ask for their disposal. */
function LotTable({
  expiry,
  institutionId,
  q,
  institutions,
  onRequested,
}: {
  expiry: 'near' | 'expired';
  institutionId: number | undefined;
  q: string;
  institutions: StockInstitution[];
  onRequested: (d: Disposal) => void;
}) {
  const { t } = useTranslation();
  const me = useMe();
  const mayRecord = can(me, 'record_stock');
  const [selected, setSelected] = useState<StockLine[]>([]);
  const [requesting, setRequesting] = useState(false);
  const query = { expiry, institution_id: institutionId, q };
  const list = useInfiniteQuery({
    queryKey: ['stock', 'expiring', expiry, institutionId ?? null, q],
    queryFn: ({ pageParam }) => listExpiring(query, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  // Lots already asked for: a marker, so that nobody asks twice.
  const pending = useQuery({
    queryKey: ['stock', 'disposals', 'pending-lots', institutionId ?? null],
    queryFn: () => listDisposals({ institution_id: institutionId, status: 'pending' }),
    enabled: can(me, 'read_stock'),
  });
  const pendingLots = useMemo(
    () => new Set((pending.data?.items ?? []).flatMap((d) => d.lines.map((l) => `${d.institution_id}-${l.lot_id}`))),
    [pending.data],
  );
  useEffect(() => setSelected([]), [expiry, institutionId, q]);

  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const byId = new Map(institutions.map((i) => [i.id, i]));
  const manyInstitutions = institutions.length > 1 && !institutionId;
  const firstInstitution = selected[0]?.institution_id;

  const columns: TableProps<StockLine>['columns'] = [
    ...(manyInstitutions
      ? [{ title: t(`${P}.institution`), dataIndex: 'institution_name', width: 180, ellipsis: true }]
      : []),
    {
      title: t(`${P}.product`),
      key: 'product',
      render: (_: unknown, l: StockLine) => (
        <div>
          <ProductCell p={l.product} />
          {pendingLots.has(rowKey(l)) ? (
            <Tag color="gold" icon={<WarningOutlined />} style={{ marginTop: 2 }} data-testid="lot-pending-disposal">
              {t(`${P}.pendingDisposal`)}
            </Tag>
          ) : null}
        </div>
      ),
    },
    { title: t(`${P}.lot`), dataIndex: 'lot_no', width: 190 },
    {
      title: t(`${P}.expiryDate`),
      dataIndex: 'expiry',
      width: 120,
      defaultSortOrder: 'ascend',
      sorter: (a: StockLine, b: StockLine) => a.expiry.localeCompare(b.expiry),
      render: (d: string) => <span className="num">{formatDate(d)}</span>,
    },
    {
      title: t(`${P}.remaining`),
      dataIndex: 'days_to_expiry',
      width: 150,
      render: (d: number) => <DaysLeft days={d} />,
    },
    {
      title: t(`${P}.onHand`),
      dataIndex: 'packs',
      width: 130,
      align: 'right',
      render: (p: string) => <span className="num">{p}</span>,
    },
  ];

  const selectable = (l: StockLine) =>
    mayRecord && !!byId.get(l.institution_id)?.may_record && (firstInstitution === undefined || firstInstitution === l.institution_id);

  return (
    <>
      <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
      {mayRecord ? (
        <Space style={{ marginBottom: 8 }} wrap>
          <Button
            type="primary"
            danger
            disabled={selected.length === 0}
            onClick={() => setRequesting(true)}
            data-testid="disposal-request"
          >
            {t(`${P}.requestDisposal`)}
          </Button>
          {selected.length ? (
            <span className="muted" data-testid="lots-selected">
              {t(`${P}.selected`, { count: selected.length })}
            </span>
          ) : null}
          {manyInstitutions ? <span className="muted">{t(`${P}.oneInstitution`)}</span> : null}
        </Space>
      ) : null}
      <Table<StockLine>
        size="small"
        rowKey={rowKey}
        loading={list.isPending}
        dataSource={items}
        columns={columns}
        pagination={false}
        sticky={{ offsetHeader: 52 }}
        scroll={{ x: 900 }}
        data-testid={`expiry-table-${expiry}`}
        locale={{ emptyText: t(expiry === 'near' ? `${P}.emptyNear` : `${P}.emptyExpired`) }}
        onRow={(l) => ({ 'data-testid': `lot-row-${l.lot_no}` }) as React.HTMLAttributes<HTMLElement>}
        rowSelection={
          mayRecord
            ? {
                selectedRowKeys: selected.map(rowKey),
                onChange: (_, rows) => setSelected(rows),
                getCheckboxProps: (l) => ({ disabled: !selectable(l), 'data-testid': `lot-select-${l.lot_no}` }) as object,
                hideSelectAll: manyInstitutions,
              }
            : undefined
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
      {requesting && selected.length ? (
        <DisposalModal
          lines={selected}
          institution={byId.get(selected[0].institution_id)}
          defaultReason={expiry === 'expired' ? 'expiry' : undefined}
          onClose={() => setRequesting(false)}
          onDone={(d) => {
            setRequesting(false);
            setSelected([]);
            onRequested(d);
          }}
        />
      ) : null}
    </>
  );
}

/** Disposals: who asked, what, and the decision of a second person. */
function DisposalTable({
  institutionId,
  status,
  highlight,
  manyInstitutions,
}: {
  institutionId: number | undefined;
  status: StatusFilter;
  highlight: number | null;
  manyInstitutions: boolean;
}) {
  const { t } = useTranslation();
  const me = useMe();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const mayApprove = can(me, 'approve_stock');
  const [deciding, setDeciding] = useState<{ d: Disposal; approve: boolean } | null>(null);
  const [form] = Form.useForm<{ note?: string }>();
  const list = useInfiniteQuery({
    queryKey: ['stock', 'disposals', institutionId ?? null, status],
    queryFn: ({ pageParam }) =>
      listDisposals({ institution_id: institutionId, status: status === 'all' ? undefined : status }, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const decide = useMutation({
    mutationFn: ({ d, approve, note }: { d: Disposal; approve: boolean; note?: string }) =>
      approve ? approveDisposal(d.id, d.version, note) : rejectDisposal(d.id, d.version, note ?? ''),
    onSuccess: (d) => {
      void message.success(t(d.status === 'approved' ? `${P}.approved` : `${P}.rejected`, { id: d.id }));
      setDeciding(null);
      form.resetFields();
      void queryClient.invalidateQueries({ queryKey: ['stock'] });
    },
    onError: (err) => {
      if (isStale(err)) {
        void message.error({ content: describeError(err) || t('common.conflict'), duration: 8 });
        setDeciding(null);
        void queryClient.invalidateQueries({ queryKey: ['stock', 'disposals'] });
      }
    },
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const open = (d: Disposal, approve: boolean) => {
    decide.reset();
    form.resetFields();
    setDeciding({ d, approve });
  };

  const columns: TableProps<Disposal>['columns'] = [
    { title: t(`${P}.id`), dataIndex: 'id', width: 70, render: (id: number) => <span className="num">#{id}</span> },
    ...(manyInstitutions ? [{ title: t(`${P}.institution`), dataIndex: 'institution_name', width: 170, ellipsis: true }] : []),
    {
      title: t(`${P}.reason`),
      dataIndex: 'reason',
      width: 80,
      render: (r: AdjustmentReason) => <Tag color={REASON_COLOR[r]}>{t(`${P}.${REASON_KEY[r]}`)}</Tag>,
    },
    {
      title: t(`${P}.lines`),
      key: 'lines',
      render: (_: unknown, d: Disposal) => (
        <div>
          {d.lines.map((l) => (
            <div key={l.lot_id}>
              {l.product.name_zh} {l.product.strength}
              <span className="muted">
                {' '}
                · {l.lot_no} · {formatDate(l.expiry)}
              </span>{' '}
              <Typography.Text strong className="num">
                {l.packs}
              </Typography.Text>
            </div>
          ))}
          {d.note ? <div className="muted">{d.note}</div> : null}
        </div>
      ),
    },
    {
      title: t(`${P}.requestedBy`),
      key: 'requested',
      width: 150,
      render: (_: unknown, d: Disposal) => (
        <div>
          {d.requested_by ?? '—'}
          <div className="muted">{formatDateTime(d.requested_at)}</div>
        </div>
      ),
    },
    {
      title: t(`${P}.status`),
      dataIndex: 'status',
      width: 90,
      render: (s: DisposalStatus, d: Disposal) => (
        <Tag color={STATUS_COLOR[s]} data-testid={`disposal-status-${d.id}`}>
          {t(`${P}.${STATUS_KEY[s]}`)}
        </Tag>
      ),
    },
    {
      title: t(`${P}.decidedBy`),
      key: 'decided',
      width: 190,
      render: (_: unknown, d: Disposal) =>
        d.decided_at ? (
          <div>
            {d.decided_by ?? '—'}
            <div className="muted">{formatDateTime(d.decided_at)}</div>
            {d.decision_note ? <div className="muted">{d.decision_note}</div> : null}
          </div>
        ) : (
          '—'
        ),
    },
  ];
  if (mayApprove) {
    columns.push({
      title: t('common.actions'),
      key: 'actions',
      width: 190,
      fixed: 'right',
      render: (_: unknown, d: Disposal) => {
        if (d.status !== 'pending') return null;
        if (d.requested_by_id != null && d.requested_by_id === me.id) {
          return (
            <span className="muted" data-testid={`disposal-second-person-${d.id}`}>
              {t(`${P}.secondPerson`)}
            </span>
          );
        }
        return (
          <Space size={4}>
            <Button size="small" type="primary" icon={<CheckOutlined />} onClick={() => open(d, true)} data-testid={`disposal-approve-${d.id}`}>
              {t(`${P}.approve`)}
            </Button>
            <Button size="small" danger icon={<CloseOutlined />} onClick={() => open(d, false)} data-testid={`disposal-reject-${d.id}`}>
              {t(`${P}.reject`)}
            </Button>
          </Space>
        );
      },
    });
  }

  return (
    <>
      <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
      <Table<Disposal>
        size="small"
        rowKey="id"
        loading={list.isPending}
        dataSource={items}
        columns={columns}
        pagination={false}
        sticky={{ offsetHeader: 52 }}
        scroll={{ x: 1000 }}
        locale={{ emptyText: t(`${P}.emptyDisposals`) }}
        rowClassName={(d) => (d.id === highlight ? 'ant-table-row-selected' : '')}
        onRow={(d) => ({ 'data-testid': `disposal-row-${d.id}` }) as React.HTMLAttributes<HTMLElement>}
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
      <Modal
        open={!!deciding}
        title={deciding ? t(deciding.approve ? `${P}.approveTitle` : `${P}.rejectTitle`, { id: deciding.d.id }) : ''}
        onCancel={() => setDeciding(null)}
        onOk={() => form.submit()}
        okText={deciding?.approve ? t(`${P}.approve`) : t(`${P}.reject`)}
        okButtonProps={{ danger: !deciding?.approve, 'data-testid': 'disposal-decide-ok' }}
        cancelText={t('common.cancel')}
        confirmLoading={decide.isPending}
        destroyOnHidden
      >
        {deciding ? (
          <Form
            form={form}
            layout="vertical"
            onFinish={(v) => decide.mutate({ d: deciding.d, approve: deciding.approve, note: v.note?.trim() || undefined })}
          >
            {deciding.approve ? <Alert type="warning" showIcon title={t(`${P}.approveHint`)} style={{ marginBottom: 12 }} /> : null}
            <ul style={{ paddingLeft: 18, marginTop: 0 }}>
              {deciding.d.lines.map((l) => (
                <li key={l.lot_id}>
                  {l.product.name_zh} {l.product.strength} · {l.lot_no} · {formatDate(l.expiry)}：<strong>{l.packs}</strong>
                </li>
              ))}
            </ul>
            <Form.Item
              name="note"
              label={deciding.approve ? t(`${P}.approveNote`) : t(`${P}.rejectNote`)}
              rules={deciding.approve ? [] : [{ required: true, whitespace: true, message: t(`${P}.rejectNoteRequired`) }]}
            >
              <Input.TextArea rows={2} maxLength={500} data-testid="disposal-decide-note" autoFocus />
            </Form.Item>
          </Form>
        ) : null}
        <ErrorAlert error={decide.error} />
      </Modal>
    </>
  );
}

export default function Expiry() {
  const { t } = useTranslation();
  const me = useMe();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const tabParam = params.get('tab');
  const tab: Tab = tabParam === 'expired' || tabParam === 'disposals' ? tabParam : 'near';
  const institutionId = Number(params.get('institution_id')) || undefined;
  const statusParam = params.get('status');
  const status: StatusFilter =
    statusParam === 'approved' || statusParam === 'rejected' || statusParam === 'all' ? statusParam : 'pending';
  const highlight = Number(params.get('highlight')) || null;
  const [search, setSearch] = useState(params.get('q') ?? '');
  const q = useDebounced(search.trim(), 300);
  const [editing, setEditing] = useState(false);

  const settings = useQuery({ queryKey: ['stock', 'settings'], queryFn: getStockSettings });
  const institutions = useQuery({ queryKey: ['stock-institutions'], queryFn: listStockInstitutions, staleTime: 5 * 60_000 });
  const insts = institutions.data ?? [];

  const update = (patch: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || v === '') next.delete(k);
      else next.set(k, v);
    }
    setParams(next, { replace: true });
  };
  useEffect(() => {
    if ((params.get('q') ?? '') !== q) update({ q });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [q]);

  const filters = (
    <Space wrap style={{ marginBottom: 12 }}>
      {insts.length > 1 ? (
        <Select
          allowClear
          style={{ width: 280 }}
          placeholder={t(`${P}.allInstitutions`)}
          value={institutionId}
          onChange={(v?: number) => update({ institution_id: v ? String(v) : undefined, highlight: undefined })}
          showSearch={{ optionFilterProp: 'label' }}
          data-testid="expiry-institution"
          options={insts.map((i) => ({ value: i.id, label: `${institutionLabel(i)} · ${t(`enum.level.${i.level}`)}` }))}
        />
      ) : null}
      {tab !== 'disposals' ? (
        <>
          <Input
            allowClear
            prefix={<SearchOutlined />}
            style={{ width: 280 }}
            placeholder={t(`${P}.search`)}
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            data-testid="expiry-search"
          />
          <a href={expiryExportUrl({ expiry: tab, institution_id: institutionId, q })} download data-testid="expiry-export">
            <Button icon={<FileExcelOutlined />}>{t(`${P}.export`)}</Button>
          </a>
        </>
      ) : (
        <Segmented<StatusFilter>
          value={status}
          onChange={(v) => update({ status: v === 'pending' ? undefined : v, highlight: undefined })}
          data-testid="disposal-status-filter"
          options={(['pending', 'approved', 'rejected', 'all'] as const).map((s) => ({
            value: s,
            label: t(`${P}.${s === 'all' ? 'statusAll' : STATUS_KEY[s]}`),
          }))}
        />
      )}
    </Space>
  );

  const windowTag = settings.data ? (
    <Space size={4}>
      <Tag color="orange" style={{ marginRight: 0, fontSize: 13, padding: '2px 8px' }} data-testid="expiry-window">
        {t(`${P}.window`, { days: settings.data.near_expiry_days })}
      </Tag>
      {can(me, 'set_stock_settings') ? (
        <Tooltip title={t(`${P}.windowTitle`)}>
          <Button size="small" type="link" icon={<EditOutlined />} onClick={() => setEditing(true)} data-testid="expiry-window-edit">
            {t(`${P}.editWindow`)}
          </Button>
        </Tooltip>
      ) : null}
    </Space>
  ) : null;

  const lots = (expiry: 'near' | 'expired') => (
    <LotTable
      expiry={expiry}
      institutionId={institutionId}
      q={q}
      institutions={insts}
      onRequested={(d) => {
        void queryClient.invalidateQueries({ queryKey: ['stock', 'disposals'] });
        update({ tab: 'disposals', status: undefined, highlight: String(d.id) });
      }}
    />
  );

  return (
    <>
      <PageTitle title={t(`${P}.title`)} sub={t(`${P}.sub`)} extra={windowTag} />
      <ErrorAlert error={settings.error ?? institutions.error} />
      <Card size="small">
        <Tabs
          activeKey={tab}
          onChange={(k) => update({ tab: k === 'near' ? undefined : k, highlight: undefined })}
          items={[
            { key: 'near', label: <span data-testid="expiry-tab-near">{t(`${P}.tabNear`)}</span> },
            { key: 'expired', label: <span data-testid="expiry-tab-expired">{t(`${P}.tabExpired`)}</span> },
            { key: 'disposals', label: <span data-testid="expiry-tab-disposals">{t(`${P}.tabDisposals`)}</span> },
          ]}
        />
        {filters}
        {tab === 'disposals' ? (
          <DisposalTable institutionId={institutionId} status={status} highlight={highlight} manyInstitutions={insts.length > 1 && !institutionId} />
        ) : (
          <div key={tab}>{lots(tab)}</div>
        )}
      </Card>
      {settings.data ? <WindowModal settings={settings.data} open={editing} onClose={() => setEditing(false)} /> : null}
    </>
  );
}
