import { useMemo, useState } from 'react';
import {
  App,
  Button,
  Card,
  Descriptions,
  Empty,
  Form,
  Input,
  Modal,
  Result,
  Select,
  Skeleton,
  Space,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import type { DescriptionsProps, TableProps } from 'antd';
import { ArrowLeftOutlined, DownloadOutlined, RollbackOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useLocation, useNavigate, useParams, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import {
  ADJUSTMENT_REASONS,
  MOVEMENT_KINDS,
  formatPacks,
  listMovements,
  listStock,
  movementsExportUrl,
  reverseMovement,
  useStockInstitutions,
  type Movement,
  type MovementKind,
  type MovementQuery,
  type ProductBrief,
} from '../../api/stockList';
import { getEntry } from '../../api/formulary';
import { ApiError } from '../../api/problem';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { formatDate, formatDateTime } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import ProductCell from '../../components/stock/ProductCell';
import ExpiryTag from '../../components/stock/ExpiryTag';

const PAGE = 50;
const HEADER_OFFSET = 52;

const positiveInt = (s: string | null | undefined) => {
  const n = Number(s);
  return s && Number.isInteger(n) && n > 0 ? n : undefined;
};

/** The reason as people read it: an adjustment's reason code by its name, a reversal's words as written. */
function useReasonText() {
  const { t } = useTranslation();
  return (m: Movement) => {
    if (!m.reason) return '';
    if (!m.reverses_id && (ADJUSTMENT_REASONS as readonly string[]).includes(m.reason)) {
      return t(`stock.list.reason.${m.reason}`);
    }
    return m.reason;
  };
}

function ReverseModal({
  movement,
  product,
  onClose,
}: {
  movement: Movement | null;
  product: ProductBrief | undefined;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ reason: string }>();
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['stock-movements'] });
    void queryClient.invalidateQueries({ queryKey: ['stock'] });
  };
  const reverse = useMutation({
    mutationFn: ({ id, reason }: { id: number; reason: string }) => reverseMovement(id, reason),
    onSuccess: (_r, v) => {
      void message.success(t('stock.list.card.reversed', { id: v.id }));
      form.resetFields();
      reverse.reset();
      refresh();
      onClose();
    },
    onError: (err) => {
      // Reversed a moment ago by someone else: the card shows it once refreshed.
      if (err instanceof ApiError && err.status === 409) refresh();
    },
  });
  const close = () => {
    reverse.reset();
    form.resetFields();
    onClose();
  };
  return (
    <Modal
      open={!!movement}
      title={movement ? t('stock.list.card.reverseTitle', { id: movement.id }) : ''}
      okText={t('stock.list.card.reverse')}
      okButtonProps={{ danger: true, 'data-testid': 'reverse-confirm' } as never}
      cancelText={t('common.cancel')}
      confirmLoading={reverse.isPending}
      onCancel={close}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      {movement ? (
        <>
          <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
            {t('stock.list.card.reverseIntro')}
          </Typography.Paragraph>
          <Typography.Paragraph strong data-testid="reverse-what">
            #{movement.id}{' '}
            {t('stock.list.card.reverseWhat', {
              kind: t(`stock.list.kind.${movement.kind}`),
              packs: product ? formatPacks(movement.quantity, product) : movement.packs,
              lot: movement.lot_no,
              date: formatDate(movement.occurred_on),
            })}
          </Typography.Paragraph>
        </>
      ) : null}
      <ErrorAlert error={reverse.error} />
      <Form
        form={form}
        layout="vertical"
        onFinish={(v) => movement && reverse.mutate({ id: movement.id, reason: v.reason.trim() })}
      >
        <Form.Item
          name="reason"
          label={t('stock.list.card.reverseReason')}
          rules={[
            { required: true, whitespace: true, message: t('stock.list.card.reverseReasonRequired') },
            {
              validator: async (_r, v: string | undefined) => {
                if (v && v.trim().length > 0 && v.trim().length < 2) throw new Error(t('stock.list.card.reverseReasonRequired'));
              },
            },
          ]}
        >
          <Input.TextArea
            rows={3}
            maxLength={500}
            showCount
            autoFocus
            placeholder={t('stock.list.card.reverseReasonPlaceholder')}
            data-testid="reverse-reason"
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export default function StockCard() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const location = useLocation();
  const { institution: instParam, entry: entryParam } = useParams();
  const institutionId = positiveInt(instParam);
  const entryId = positiveInt(entryParam);
  const valid = institutionId !== undefined && entryId !== undefined;
  const [params, setParams] = useSearchParams();
  const lotId = positiveInt(params.get('lot'));
  const kindParam = params.get('kind');
  const kind = (MOVEMENT_KINDS as readonly string[]).includes(kindParam ?? '') ? (kindParam as MovementKind) : undefined;
  const [reversing, setReversing] = useState<Movement | null>(null);
  const reasonText = useReasonText();

  const setFilter = (key: 'lot' | 'kind', value: string | undefined) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      if (value) next.set(key, value);
      else next.delete(key);
      return next;
    });

  const institutions = useStockInstitutions();
  const institution = institutions.data?.find((i) => i.id === institutionId);

  // Every lot of the product there, used up or not: the header, the lot filter, the total.
  const lots = useQuery({
    queryKey: ['stock', { institution_id: institutionId, entry_id: entryId, include_empty: true, card: true }],
    queryFn: ({ signal }) =>
      listStock({ institution_id: institutionId, entry_id: entryId, include_empty: true, limit: 200 }, signal),
    enabled: valid,
  });
  const lotLines = useMemo(() => lots.data?.items ?? [], [lots.data]);
  const mayReadFormulary = can(me, 'read_formulary');
  // No lot yet (nothing ever moved): the product's name from the formulary.
  const entry = useQuery({
    queryKey: ['entry', entryId, null],
    queryFn: () => getEntry(entryId!),
    enabled: valid && mayReadFormulary && !!lots.data && lotLines.length === 0,
  });
  const product: ProductBrief | undefined =
    lotLines[0]?.product ??
    (entry.data
      ? {
          name_zh: entry.data.generic_name_zh,
          name_en: entry.data.generic_name_en ?? '',
          dosage_form: entry.data.dosage_form,
          strength: entry.data.strength,
          manufacturer: entry.data.manufacturer,
          base_unit: entry.data.base_unit,
          pack_size: entry.data.pack_size,
          pack_unit: entry.data.pack_unit,
          cold_chain: entry.data.storage === 'cold_chain',
        }
      : undefined);
  const onHand = lotLines.reduce((sum, l) => sum + l.quantity, 0);
  const inStock = lotLines.filter((l) => l.quantity > 0);

  const mq: MovementQuery = { institution_id: institutionId, entry_id: entryId, lot_id: lotId, kind };
  const movements = useInfiniteQuery({
    queryKey: ['stock-movements', mq],
    queryFn: ({ pageParam, signal }) => listMovements({ ...mq, cursor: pageParam, limit: PAGE }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled: valid,
  });
  const rows = useMemo(() => movements.data?.pages.flatMap((p) => p.items) ?? [], [movements.data]);

  const back = () => (location.key !== 'default' ? navigate(-1) : navigate('/stock'));

  const notFound = (e: unknown) => e instanceof ApiError && (e.status === 404 || e.status === 400 || e.status === 422);
  if (!valid || notFound(lots.error) || notFound(movements.error)) {
    return (
      <Result
        status="404"
        title={t('stock.list.card.notFound')}
        extra={<Link to="/stock">{t('stock.list.title')}</Link>}
      />
    );
  }

  const mayReverse = can(me, 'record_stock') && !!institution?.may_record;
  const balanceShown = !lotId && !kind;
  const packs = (q: number) => (product ? formatPacks(q, product) : String(q));
  const instName = institution?.name ?? lotLines[0]?.institution_name;

  const header: DescriptionsProps['items'] = [
    {
      key: 'product',
      label: t('stock.list.card.product'),
      children: product ? (
        <Space size={12} align="start" wrap>
          <ProductCell product={product} />
          {mayReadFormulary ? (
            <Link to={`/formulary/${entryId}`} className="no-print">
              {t('stock.list.card.formularyLink')}
            </Link>
          ) : null}
        </Space>
      ) : (
        <Skeleton.Input active size="small" />
      ),
    },
    {
      key: 'institution',
      label: t('stock.list.card.institution'),
      children: instName ? (
        <span data-testid="card-institution">
          {instName}
          {institution ? (
            <Tag color="blue" style={{ marginInlineStart: 6 }}>
              {t(`enum.levelShort.${institution.level}`)}
            </Tag>
          ) : null}
        </span>
      ) : (
        '—'
      ),
    },
    {
      key: 'onhand',
      label: t('stock.list.card.onHand'),
      children: lots.data ? (
        <span data-testid="card-on-hand" data-quantity={onHand}>
          <Typography.Text strong className="num" style={{ fontSize: 16 }}>
            {packs(onHand)}
          </Typography.Text>
          {product && product.pack_size > 1 ? (
            <span className="muted num" style={{ marginInlineStart: 8 }}>
              {t('stock.list.card.onHandBase', { quantity: onHand, unit: product.base_unit })}
            </span>
          ) : null}
        </span>
      ) : (
        <Skeleton.Input active size="small" />
      ),
    },
    {
      key: 'lots',
      label: t('stock.list.card.lots'),
      span: 3,
      children:
        inStock.length === 0 ? (
          <span className="muted">{lots.data ? t('stock.list.card.noLots') : '…'}</span>
        ) : (
          <Space wrap size={[16, 4]} data-testid="card-lots">
            {inStock.map((l) => (
              <Space key={l.lot_id} size={6}>
                <Typography.Text className="num">{l.lot_no}</Typography.Text>
                <span className="muted num">{formatDate(l.expiry)}</span>
                <ExpiryTag state={l.expiry_state} days={l.days_to_expiry} />
                <Typography.Text strong className="num">
                  {l.packs}
                </Typography.Text>
              </Space>
            ))}
          </Space>
        ),
    },
  ];

  const columns: TableProps<Movement>['columns'] = [
    {
      title: t('stock.list.card.col.id'),
      dataIndex: 'id',
      width: 72,
      render: (id: number) => <span className="num muted">#{id}</span>,
    },
    {
      title: (
        <div>
          <div>{t('stock.list.card.col.occurredOn')}</div>
          <div className="muted">{t('stock.list.card.col.createdAt')}</div>
        </div>
      ),
      key: 'when',
      width: 130,
      render: (_: unknown, m) => (
        <div>
          <div className="num" data-testid="movement-occurred-on">
            {formatDate(m.occurred_on)}
          </div>
          <div className="muted num">{formatDateTime(m.created_at)}</div>
        </div>
      ),
    },
    {
      title: t('stock.list.card.col.kind'),
      key: 'kind',
      width: 130,
      render: (_: unknown, m) => (
        <Space size={4} wrap>
          <span data-testid="movement-kind">{t(`stock.list.kind.${m.kind}`)}</span>
          {m.reverses_id ? (
            <Tooltip title={t('stock.list.card.reversalHint', { id: m.reverses_id })}>
              <Tag color="magenta" data-testid="reversal-tag">
                {t('stock.list.card.reversal', { id: m.reverses_id })}
              </Tag>
            </Tooltip>
          ) : null}
          {m.reversed_by ? (
            <Tooltip title={t('stock.list.card.reversedByHint', { id: m.reversed_by })}>
              <Tag data-testid="reversed-tag">{t('stock.list.card.reversedBy')}</Tag>
            </Tooltip>
          ) : null}
        </Space>
      ),
    },
    {
      title: t('stock.list.card.col.lot'),
      key: 'lot',
      width: 120,
      render: (_: unknown, m) => (
        <div>
          <div className="num" data-testid="movement-lot">
            {m.lot_no}
          </div>
          <div className="muted num">{formatDate(m.expiry)}</div>
        </div>
      ),
    },
    {
      title: t('stock.list.card.col.quantity'),
      key: 'quantity',
      width: 115,
      align: 'right',
      render: (_: unknown, m) => (
        <div data-testid="movement-quantity">
          <div
            className="num"
            style={{
              fontWeight: 600,
              color: m.quantity > 0 ? '#237804' : m.quantity < 0 ? '#a8071a' : undefined,
              textDecoration: m.reversed_by ? 'line-through' : undefined,
            }}
          >
            {m.quantity > 0 ? '+' : ''}
            {packs(m.quantity)}
          </div>
          {product && product.pack_size > 1 ? (
            <div className="muted num">
              {m.quantity > 0 ? '+' : ''}
              {m.quantity}
              {product.base_unit}
            </div>
          ) : null}
        </div>
      ),
    },
    {
      title: balanceShown ? (
        t('stock.list.card.col.balance')
      ) : (
        <Tooltip title={t('stock.list.card.balanceHidden')}>
          <span>{t('stock.list.card.col.balance')}</span>
        </Tooltip>
      ),
      key: 'balance',
      width: 105,
      align: 'right',
      render: (_: unknown, m) =>
        m.balance_after === null || m.balance_after === undefined ? (
          <span className="muted">—</span>
        ) : (
          <span className="num" data-testid="movement-balance" data-quantity={m.balance_after}>
            {packs(m.balance_after)}
          </span>
        ),
    },
    {
      title: t('stock.list.card.col.reason'),
      key: 'reason',
      ellipsis: { showTitle: true },
      render: (_: unknown, m) => reasonText(m) || <span className="muted">—</span>,
    },
    {
      title: t('stock.list.card.col.document'),
      dataIndex: 'document',
      width: 110,
      ellipsis: { showTitle: true },
      render: (v: string | null) => v || <span className="muted">—</span>,
    },
    {
      title: t('stock.list.card.col.actor'),
      dataIndex: 'actor_name',
      width: 100,
      ellipsis: { showTitle: true },
      render: (v: string | null) => v || <span className="muted">—</span>,
    },
  ];
  if (mayReverse) {
    columns.push({
      title: t('stock.list.card.col.actions'),
      key: 'actions',
      width: 100,
      fixed: 'right',
      render: (_: unknown, m) =>
        m.reverses_id || m.reversed_by ? null : (
          <Button
            size="small"
            type="link"
            danger
            icon={<RollbackOutlined />}
            onClick={() => setReversing(m)}
            data-testid={`reverse-${m.id}`}
          >
            {t('stock.list.card.reverse')}
          </Button>
        ),
    });
  }

  const filtered = !!(lotId || kind);
  const title = product ? `${t('stock.list.card.title')} · ${product.name_zh} ${product.strength}`.trim() : t('stock.list.card.title');

  return (
    <>
      <PageTitle
        title={<span data-testid="card-title">{title}</span>}
        sub={instName}
        extra={
          <Space>
            <Button icon={<ArrowLeftOutlined />} onClick={back} data-testid="card-back">
              {t('stock.list.card.back')}
            </Button>
            <Button href={movementsExportUrl(mq)} download icon={<DownloadOutlined />} data-testid="export-movements">
              {t('stock.list.card.export')}
            </Button>
          </Space>
        }
      />
      <ErrorAlert error={lots.error} onRetry={() => void lots.refetch()} />
      <Card size="small" style={{ marginBottom: 12 }} data-testid="card-header">
        <Descriptions size="small" column={{ xs: 1, md: 3 }} items={header} />
      </Card>
      <Card size="small" styles={{ body: { padding: 12 } }}>
        <Space wrap size={[8, 8]} style={{ marginBottom: 10 }} className="no-print">
          <Select
            allowClear
            showSearch={{ optionFilterProp: 'label' }}
            style={{ width: 240 }}
            placeholder={t('stock.list.card.allLots')}
            value={lotId}
            onChange={(v?: number) => setFilter('lot', v ? String(v) : undefined)}
            options={lotLines.map((l) => ({
              value: l.lot_id,
              label: `${l.lot_no}（${formatDate(l.expiry)}）`,
            }))}
            data-testid="filter-lot"
          />
          <Select
            allowClear
            style={{ width: 160 }}
            placeholder={t('stock.list.card.allKinds')}
            value={kind}
            onChange={(v?: MovementKind) => setFilter('kind', v)}
            options={MOVEMENT_KINDS.map((k) => ({ value: k, label: t(`stock.list.kind.${k}`) }))}
            data-testid="filter-kind"
          />
          {!balanceShown ? <span className="muted">{t('stock.list.card.balanceHidden')}</span> : null}
        </Space>
        <ErrorAlert error={movements.error} onRetry={() => void movements.refetch()} />
        <Table<Movement>
          size="small"
          rowKey="id"
          columns={columns}
          dataSource={rows}
          loading={movements.isPending || (movements.isFetching && !movements.isFetchingNextPage)}
          pagination={false}
          scroll={{ x: 1120 }}
          sticky={{ offsetHeader: HEADER_OFFSET }}
          locale={{
            emptyText: movements.isPending ? (
              ' '
            ) : (
              <Empty
                image={Empty.PRESENTED_IMAGE_SIMPLE}
                description={filtered ? t('stock.list.card.emptyFiltered') : t('stock.list.card.empty')}
              />
            ),
          }}
          onRow={(m) =>
            ({
              'data-testid': 'movement-row',
              'data-movement-id': m.id,
              'data-kind': m.kind,
            }) as React.HTMLAttributes<HTMLElement>
          }
          footer={() => (
            <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
              <span className="muted" data-testid="movements-count">
                {t('stock.list.card.shown', { shown: rows.length })}
              </span>
              {movements.hasNextPage ? (
                <Button
                  size="small"
                  className="no-print"
                  loading={movements.isFetchingNextPage}
                  onClick={() => void movements.fetchNextPage()}
                  data-testid="movements-more"
                >
                  {t('common.loadMore')}
                </Button>
              ) : rows.length > 0 ? (
                <span className="muted">{t('common.noMore')}</span>
              ) : null}
            </div>
          )}
        />
      </Card>
      <ReverseModal movement={reversing} product={product} onClose={() => setReversing(null)} />
    </>
  );
}
