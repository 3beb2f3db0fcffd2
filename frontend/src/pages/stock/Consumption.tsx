import { useEffect, useMemo, useRef, useState } from 'react';
import {
  Alert,
  App,
  Button,
  Card,
  DatePicker,
  Empty,
  Form,
  InputNumber,
  Segmented,
  Select,
  Space,
  Spin,
  Table,
  Tabs,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import type { TableProps } from 'antd';
import { DeleteOutlined, DownloadOutlined, PlusOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { Dayjs } from 'dayjs';
import {
  DAYS_BACK,
  consumptionExportUrl,
  formatPacks,
  consumptionTotals,
  type ConsumptionTotal,
  listConsumption,
  listLots,
  listStockInstitutions,
  recordConsumption,
  unsignedPacks,
  type ConsumptionFilters,
  type ConsumptionRow,
  type Movement,
  type Period,
  type ProductBrief,
  type StockInstitution,
  type StockLine,
} from '../../api/consumption';
import type { Entry } from '../../api/types';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { DATE_FORMAT, consortiumToday, formatDate, formatPack } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import SearchBox from '../../components/SearchBox';

const k = (key: string) => `stock.consumption.${key}`;

/** What a line needs to know of its product (from the formulary hit, or a lot's brief). */
type Product = Pick<ProductBrief, 'name_zh' | 'strength' | 'dosage_form' | 'manufacturer' | 'base_unit' | 'pack_size' | 'pack_unit'>;

const productOf = (e: Entry): Product => ({
  name_zh: e.generic_name_zh,
  strength: e.strength,
  dosage_form: e.dosage_form,
  manufacturer: e.manufacturer,
  base_unit: e.base_unit,
  pack_size: e.pack_size,
  pack_unit: e.pack_unit,
});

const productName = (p: Pick<Product, 'name_zh' | 'strength'>) => [p.name_zh, p.strength].filter(Boolean).join(' ');

function ProductCell({ p, testId }: { p: Product; testId?: string }) {
  return (
    <div>
      <Typography.Text strong data-testid={testId}>
        {productName(p)}
      </Typography.Text>
      <div className="muted">
        {[p.dosage_form, formatPack(p), p.manufacturer].filter(Boolean).join(' · ')}
      </div>
    </div>
  );
}

/** Loose base units are typed only where a pack splits (and never at the central warehouse). */
const splits = (p: Product, wholePacks: boolean) => !wholePacks && p.pack_size > 1 && p.pack_unit !== p.base_unit;

// ---------------------------------------------------------------------------------------------
// 登记: one day's consumption at one institution, all lines in one submission.

interface Line {
  key: string;
  entryId: number;
  product: Product;
  /** The lot chosen; none: first expiry first out. */
  lot: StockLine | null;
  quantity: number;
  /** What could be issued of the product when the line was added (usable lots). */
  usable: number;
}

interface Result {
  day: string;
  institution: string;
  movements: Movement[];
  products: Map<number, Product>;
}

const usableOf = (lots: StockLine[]) => lots.filter((l) => l.expiry_state !== 'expired');

function RecordTab({ institutions }: { institutions: StockInstitution[] }) {
  const { t } = useTranslation();
  const me = useMe();
  const { message, modal } = App.useApp();
  const queryClient = useQueryClient();

  const [institutionId, setInstitutionId] = useState<number>(
    () => institutions.find((i) => i.id === me.institution?.id)?.id ?? institutions[0].id,
  );
  const institution = institutions.find((i) => i.id === institutionId) ?? institutions[0];
  const wholePacks = institution.level === 'lead';
  const today = consortiumToday();
  const [day, setDay] = useState<Dayjs>(today);

  const [lines, setLines] = useState<Line[]>([]);
  const [result, setResult] = useState<Result | null>(null);

  // The line being written: product, lot, packs + loose units.
  const [picked, setPicked] = useState<Entry | null>(null);
  const [lotChoice, setLotChoice] = useState<number | 'fefo'>('fefo');
  const [packs, setPacks] = useState<number | null>(null);
  const [units, setUnits] = useState<number | null>(null);
  const [qtyError, setQtyError] = useState<string | null>(null);
  const [searchKey, setSearchKey] = useState(0);
  const searchWrap = useRef<HTMLDivElement>(null);
  const packsInput = useRef<React.ComponentRef<typeof InputNumber>>(null);

  const lots = useQuery({
    queryKey: ['consumption-lots', institutionId, picked?.id ?? null],
    queryFn: () => listLots(institutionId, picked!.id),
    enabled: !!picked,
  });
  const lotRows = useMemo(
    () => [...(lots.data ?? [])].sort((a, b) => a.expiry.localeCompare(b.expiry) || a.lot_id - b.lot_id),
    [lots.data],
  );
  const product: Product | null = picked ? (lotRows[0]?.product ?? productOf(picked)) : null;

  // After a product is chosen, the quantity is typed next.
  useEffect(() => {
    if (picked) setTimeout(() => packsInput.current?.focus(), 0);
  }, [picked]);

  const focusSearch = () => setTimeout(() => searchWrap.current?.querySelector('input')?.focus(), 0);

  const inList = (entryId: number, lotId?: number) =>
    lines
      .filter((l) => l.entryId === entryId && (lotId === undefined || l.lot?.lot_id === lotId))
      .reduce((s, l) => s + l.quantity, 0);

  const usableTotal = usableOf(lotRows).reduce((s, l) => s + l.quantity, 0);
  const expired = lotRows.filter((l) => l.expiry_state === 'expired');
  const chosenLot = lotChoice === 'fefo' ? null : (lotRows.find((l) => l.lot_id === lotChoice) ?? null);
  /** What is left to issue of the product with the lines already listed. */
  const remaining = picked
    ? Math.max(
        0,
        chosenLot
          ? Math.min(chosenLot.quantity - inList(picked.id, chosenLot.lot_id), usableTotal - inList(picked.id))
          : usableTotal - inList(picked.id),
      )
    : 0;

  const resetPicker = () => {
    setPicked(null);
    setLotChoice('fefo');
    setPacks(null);
    setUnits(null);
    setQtyError(null);
    setSearchKey((n) => n + 1);
  };

  const addLine = () => {
    if (!picked || !product) return;
    const quantity = (packs ?? 0) * product.pack_size + (splits(product, wholePacks) ? (units ?? 0) : 0);
    if (quantity <= 0) {
      setQtyError(t(k('quantityRequired')));
      packsInput.current?.focus();
      return;
    }
    const key = `${picked.id}-${chosenLot?.lot_id ?? 'fefo'}`;
    const existing = lines.find((l) => l.key === key);
    if (existing) {
      setLines(lines.map((l) => (l.key === key ? { ...l, quantity: l.quantity + quantity, usable: usableTotal } : l)));
      void message.info(t(k('merged')));
    } else {
      setLines([...lines, { key, entryId: picked.id, product, lot: chosenLot, quantity, usable: usableTotal }]);
    }
    setResult(null);
    resetPicker();
    focusSearch();
  };

  const submit = useMutation({
    mutationFn: () =>
      recordConsumption({
        institution_id: institutionId,
        day: day.format(DATE_FORMAT),
        lines: lines.map((l) => ({
          entry_id: l.entryId,
          ...(l.lot ? { lot_id: l.lot.lot_id } : {}),
          quantity: l.quantity,
        })),
      }),
    onSuccess: (movements) => {
      setResult({
        day: day.format(DATE_FORMAT),
        institution: institution.name,
        movements,
        products: new Map(lines.map((l) => [l.entryId, l.product])),
      });
      setLines([]);
      void message.success(t(k('recorded'), { count: movements.length }));
      void queryClient.invalidateQueries({ queryKey: ['consumption'] });
      void queryClient.invalidateQueries({ queryKey: ['consumption-lots'] });
      void queryClient.invalidateQueries({
        predicate: (q) => typeof q.queryKey[0] === 'string' && q.queryKey[0].startsWith('stock'),
      });
      focusSearch();
    },
  });

  const switchInstitution = (id: number) => {
    if (id === institutionId) return;
    const go = () => {
      setInstitutionId(id);
      setLines([]);
      resetPicker();
      submit.reset();
    };
    if (lines.length === 0) return go();
    modal.confirm({
      title: t(k('switchTitle')),
      content: t(k('switchBody'), { count: lines.length }),
      okText: t(k('switchOk')),
      cancelText: t('common.cancel'),
      onOk: go,
    });
  };

  const lineColumns: TableProps<Line>['columns'] = [
    { title: '#', key: 'n', width: 44, render: (_: unknown, __: Line, i: number) => i + 1 },
    {
      title: t(k('product')),
      key: 'product',
      render: (_: unknown, l) => <ProductCell p={l.product} testId="line-product" />,
    },
    {
      title: t(k('lot')),
      key: 'lot',
      width: 220,
      render: (_: unknown, l) =>
        l.lot ? (
          <div>
            {l.lot.lot_no}
            <div className="muted">
              {t(k('expiry'))} {formatDate(l.lot.expiry)}
            </div>
          </div>
        ) : (
          <Tooltip title={t(k('fefoHint'))}>
            <Tag color="blue">{t(k('fefoShort'))}</Tag>
          </Tooltip>
        ),
    },
    {
      title: t(k('quantity')),
      key: 'quantity',
      width: 200,
      align: 'right',
      render: (_: unknown, l) => {
        const limit = l.lot ? Math.min(l.lot.quantity, l.usable) : l.usable;
        const listed = l.lot ? inList(l.entryId, l.lot.lot_id) : inList(l.entryId);
        return (
          <div className="num" data-testid="line-quantity">
            <strong>{formatPacks(l.quantity, l.product)}</strong>
            <div className="muted">{t(k('baseUnits'), { n: l.quantity, unit: l.product.base_unit })}</div>
            {listed > limit ? (
              <Typography.Text type="danger" style={{ fontSize: 12 }} data-testid="line-over">
                {t(k('overAvailable'), { packs: formatPacks(limit, l.product) })}
              </Typography.Text>
            ) : null}
          </div>
        );
      },
    },
    {
      title: t('common.actions'),
      key: 'actions',
      width: 80,
      render: (_: unknown, l) => (
        <Button
          size="small"
          type="text"
          danger
          icon={<DeleteOutlined />}
          aria-label={t(k('remove'))}
          data-testid="line-remove"
          onClick={() => setLines(lines.filter((x) => x.key !== l.key))}
        >
          {t(k('remove'))}
        </Button>
      ),
    },
  ];

  const lotOptions = [
    { value: 'fefo' as const, label: t(k('fefo')) },
    ...lotRows.map((l) => ({
      value: l.lot_id,
      disabled: l.expiry_state === 'expired',
      label: (
        <span data-testid={`lot-option-${l.lot_no}`}>
          {l.lot_no}
          <span className="muted" style={{ marginInlineStart: 8 }}>
            {t(k('expiry'))} {formatDate(l.expiry)} · {l.packs}
          </span>
          {l.expiry_state === 'expired' ? (
            <Tag color="red" style={{ marginInlineStart: 8 }}>
              {t(k('expiredLot'))}
            </Tag>
          ) : l.expiry_state === 'near' ? (
            <Tag color="orange" style={{ marginInlineStart: 8 }}>
              {t(k('nearLot'))}
            </Tag>
          ) : null}
        </span>
      ),
    })),
  ];

  const onEnter = (e: React.KeyboardEvent) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      addLine();
    }
  };

  const productsCount = new Set(lines.map((l) => l.entryId)).size;
  const split = product ? splits(product, wholePacks) : true;

  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }}>
      <Form layout="inline" style={{ rowGap: 8 }}>
        {institutions.length > 1 ? (
          <Form.Item label={t(k('institution'))}>
            <Select
              value={institutionId}
              onChange={switchInstitution}
              style={{ width: 280 }}
              showSearch={{ optionFilterProp: 'title' }}
              data-testid="consumption-institution"
              options={institutions.map((i) => ({
                value: i.id,
                title: `${i.name} ${i.code}`,
                label: (
                  <span>
                    {i.name} <span className="muted">{i.code}</span>
                  </span>
                ),
              }))}
            />
          </Form.Item>
        ) : null}
        <Form.Item label={t(k('day'))} extra={t(k('dayHint'), { days: DAYS_BACK })}>
          <DatePicker
            allowClear={false}
            format={DATE_FORMAT}
            value={day}
            onChange={(d) => d && setDay(d)}
            disabledDate={(d) => d.isAfter(today, 'day') || d.isBefore(today.subtract(DAYS_BACK, 'day'), 'day')}
            data-testid="consumption-day"
          />
        </Form.Item>
        {wholePacks ? (
          <Form.Item>
            <Tag color="gold">{t(k('wholePacks'))}</Tag>
          </Form.Item>
        ) : null}
      </Form>

      <Card size="small" type="inner" data-testid="consumption-picker">
        <Space wrap align="start" size={12}>
          <div ref={searchWrap}>
            <div className="muted" style={{ marginBottom: 4 }}>
              {t(k('product'))}
            </div>
            <SearchBox
              key={searchKey}
              width={340}
              myLevel={institution.level}
              onSubmit={() => undefined}
              onPick={(hit) => {
                setPicked(hit.entry);
                setLotChoice('fefo');
                setPacks(null);
                setUnits(null);
                setQtyError(null);
              }}
            />
          </div>
          {picked ? (
            <>
              <div>
                <div className="muted" style={{ marginBottom: 4 }}>
                  {t(k('lot'))}
                </div>
                <Select
                  value={lotChoice}
                  onChange={setLotChoice}
                  style={{ width: 340 }}
                  options={lotOptions}
                  loading={lots.isFetching}
                  data-testid="consumption-lot"
                  popupMatchSelectWidth={false}
                />
              </div>
              <div>
                <div className="muted" style={{ marginBottom: 4 }}>
                  {t(k('quantity'))}
                </div>
                <Space.Compact>
                  <InputNumber
                    ref={packsInput}
                    min={0}
                    precision={0}
                    value={packs}
                    onChange={(v) => {
                      setPacks(v);
                      setQtyError(null);
                    }}
                    onKeyDown={onEnter}
                    suffix={product?.pack_unit}
                    style={{ width: 120 }}
                    aria-label={t(k('packs'))}
                    placeholder={t(k('packs'))}
                    data-testid="consumption-packs"
                    status={qtyError ? 'error' : undefined}
                  />
                  {split ? (
                    <InputNumber
                      min={0}
                      precision={0}
                      value={units}
                      onChange={(v) => {
                        setUnits(v);
                        setQtyError(null);
                      }}
                      onKeyDown={onEnter}
                      suffix={product?.base_unit}
                      style={{ width: 110 }}
                      aria-label={t(k('units'))}
                      placeholder={t(k('units'))}
                      data-testid="consumption-units"
                      status={qtyError ? 'error' : undefined}
                    />
                  ) : null}
                </Space.Compact>
              </div>
              <div>
                <div style={{ marginBottom: 4, height: 18 }} />
                <Tooltip title={t(k('addHint'))}>
                  <Button
                    type="primary"
                    ghost
                    icon={<PlusOutlined />}
                    onClick={addLine}
                    disabled={lots.isPending || usableTotal === 0}
                    data-testid="consumption-add"
                  >
                    {t(k('add'))}
                  </Button>
                </Tooltip>
              </div>
            </>
          ) : null}
        </Space>
        {picked && product ? (
          <div style={{ marginTop: 8 }} data-testid="consumption-on-hand">
            {lots.isPending ? (
              <Spin size="small" description={t(k('loadingLots'))} />
            ) : lots.error ? (
              <ErrorAlert error={lots.error} onRetry={() => void lots.refetch()} />
            ) : usableTotal === 0 ? (
              <Typography.Text type="warning">{t(k('noStock'))}</Typography.Text>
            ) : (
              <Space size={4} wrap>
                <Typography.Text>
                  {t(k('onHandValue'), { packs: formatPacks(remaining, product) })}
                </Typography.Text>
                {inList(picked.id) > 0 ? (
                  <span className="muted">{t(k('inList'), { packs: formatPacks(inList(picked.id), product) })}</span>
                ) : null}
                {lotChoice === 'fefo' ? <span className="muted">· {t(k('fefoHint'))}</span> : null}
              </Space>
            )}
            {expired.length > 0 ? (
              <div>
                <Typography.Text type="danger" style={{ fontSize: 12 }} data-testid="consumption-expired-note">
                  {t(k('expiredNote'), {
                    count: expired.length,
                    packs: formatPacks(
                      expired.reduce((s, l) => s + l.quantity, 0),
                      product,
                    ),
                  })}
                </Typography.Text>
              </div>
            ) : null}
            {qtyError ? (
              <div>
                <Typography.Text type="danger">{qtyError}</Typography.Text>
              </div>
            ) : null}
          </div>
        ) : (
          <div className="muted" style={{ marginTop: 8 }}>
            {t(k('searchHint'))}
          </div>
        )}
      </Card>

      {result ? (
        <Alert
          type="success"
          showIcon
          closable={{ onClose: () => setResult(null) }}
          data-testid="consumption-result"
          title={t(k('resultTitle'), { day: result.day, institution: result.institution })}
          description={
            <ul style={{ margin: 0, paddingLeft: 18 }}>
              {result.movements.map((m) => {
                const p = result.products.get(m.entry_id);
                return (
                  <li key={m.id} data-testid="consumption-result-line">
                    {t(k('resultLine'), {
                      product: p ? productName(p) : `#${m.entry_id}`,
                      lot: m.lot_no,
                      expiry: formatDate(m.expiry),
                      packs: unsignedPacks(m.packs),
                    })}
                  </li>
                );
              })}
            </ul>
          }
        />
      ) : null}

      <ErrorAlert error={submit.error} />

      <Table<Line>
        size="small"
        rowKey="key"
        columns={lineColumns}
        dataSource={lines}
        pagination={false}
        scroll={{ x: 760 }}
        data-testid="consumption-lines"
        onRow={() => ({ 'data-testid': 'consumption-line' }) as React.HTMLAttributes<HTMLElement>}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t(k('noLines'))} /> }}
        title={() => <strong>{t(k('lines'))}</strong>}
        footer={
          lines.length
            ? () => (
                <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 12, flexWrap: 'wrap' }}>
                  <span data-testid="consumption-summary">
                    {t(k('summary'), { lines: lines.length, products: productsCount, day: day.format(DATE_FORMAT) })}
                  </span>
                  <Space>
                    <Button onClick={() => setLines([])} disabled={submit.isPending}>
                      {t(k('clear'))}
                    </Button>
                    <Button
                      type="primary"
                      loading={submit.isPending}
                      onClick={() => submit.mutate()}
                      data-testid="consumption-submit"
                    >
                      {t(k('submit'))}
                    </Button>
                  </Space>
                </div>
              )
            : undefined
        }
      />
    </Space>
  );
}

// ---------------------------------------------------------------------------------------------
// 记录: what was issued, by day or month, with totals per product over the range.


function HistoryTab({ institutions }: { institutions: StockInstitution[] }) {
  const { t } = useTranslation();
  const today = consortiumToday();
  const several = institutions.length > 1;
  const [institutionId, setInstitutionId] = useState<number | undefined>(undefined);
  const [entry, setEntry] = useState<Entry | null>(null);
  const [searchKey, setSearchKey] = useState(0);
  const [range, setRange] = useState<[Dayjs, Dayjs]>([today.subtract(180, 'day'), today]);
  const [period, setPeriod] = useState<Period>('day');
  const [view, setView] = useState<'detail' | 'total'>('detail');

  const filters: ConsumptionFilters = {
    institution_id: institutionId,
    entry_id: entry?.id,
    from: range[0].format(DATE_FORMAT),
    to: range[1].format(DATE_FORMAT),
    period,
  };

  const list = useInfiniteQuery({
    queryKey: ['consumption', 'list', filters],
    queryFn: ({ pageParam }) => listConsumption({ ...filters, cursor: pageParam, limit: 100 }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled: view === 'detail',
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];

  // Totals over the whole range (not the rows loaded), added up by the server.
  const totalFilters = { institution_id: filters.institution_id, entry_id: filters.entry_id, from: filters.from, to: filters.to };
  const totals = useQuery({
    queryKey: ['consumption', 'totals', totalFilters],
    queryFn: () => consumptionTotals(totalFilters).then((r) => r.items),
    enabled: view === 'total',
  });

  const byMonth = period === 'month';
  const columns: TableProps<ConsumptionRow>['columns'] = [
    {
      title: t(k(byMonth ? 'colMonth' : 'colDay')),
      dataIndex: 'period',
      width: 110,
      fixed: 'left',
      render: (v: string) => <span data-testid="history-period">{byMonth ? v.slice(0, 7) : formatDate(v)}</span>,
    },
    ...(several && !institutionId
      ? [{ title: t(k('colInstitution')), dataIndex: 'institution_name', width: 220, ellipsis: true }]
      : []),
    {
      title: t(k('colProduct')),
      key: 'product',
      render: (_: unknown, r: ConsumptionRow) => <ProductCell p={r.product} testId="history-product" />,
    },
    {
      title: t(k('colQuantity')),
      key: 'packs',
      width: 150,
      align: 'right',
      render: (_: unknown, r: ConsumptionRow) => (
        <strong className="num" data-testid="history-packs">
          {r.packs}
        </strong>
      ),
    },
    {
      title: t(k('colBase')),
      dataIndex: 'quantity',
      width: 120,
      align: 'right',
      render: (n: number, r: ConsumptionRow) => (
        <span className="num" data-testid="history-quantity">
          {n}
          {r.product.base_unit}
        </span>
      ),
    },
    {
      title: t('common.actions'),
      key: 'card',
      width: 90,
      render: (_: unknown, r: ConsumptionRow) => (
        <Link to={`/stock/card/${r.institution_id}/${r.entry_id}`}>{t(k('stockCard'))}</Link>
      ),
    },
  ];

  const totalColumns: TableProps<ConsumptionTotal>['columns'] = [
    {
      title: t(k('colProduct')),
      key: 'product',
      render: (_: unknown, r) => <ProductCell p={r.product} testId="total-product" />,
    },
    {
      title: t(k('colQuantity')),
      key: 'packs',
      width: 150,
      align: 'right',
      render: (_: unknown, r) => (
        <strong className="num" data-testid="total-packs">
          {r.packs}
        </strong>
      ),
    },
    {
      title: t(k('colBase')),
      dataIndex: 'quantity',
      width: 120,
      align: 'right',
      render: (n: number, r) => (
        <span className="num" data-testid="total-quantity">
          {n}
          {r.product.base_unit}
        </span>
      ),
    },
    ...(several && !institutionId
      ? [
          {
            title: t(k('colInstitutions')),
            key: 'institutions',
            width: 110,
            align: 'right' as const,
            render: (_: unknown, r: ConsumptionTotal) => r.institutions,
          },
        ]
      : []),
    { title: t(k('colMonths')), key: 'months', width: 90, align: 'right', render: (_: unknown, r) => r.months },
  ];

  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }}>
      <Space wrap size={[12, 8]} align="center">
        {several ? (
          <Select
            value={institutionId ?? 0}
            onChange={(v) => setInstitutionId(v || undefined)}
            style={{ width: 220 }}
            showSearch={{ optionFilterProp: 'title' }}
            data-testid="history-institution"
            options={[
              { value: 0, title: t(k('allInstitutions')), label: t(k('allInstitutions')) },
              ...institutions.map((i) => ({ value: i.id, title: `${i.name} ${i.code}`, label: i.name })),
            ]}
          />
        ) : null}
        <div data-testid="history-product-filter">
          {entry ? (
            <Tag
              closable
              color="blue"
              onClose={() => setEntry(null)}
              closeIcon={<span aria-label={t(k('clearProduct'))}>×</span>}
              style={{ padding: '4px 8px', fontSize: 13 }}
              data-testid="history-product-tag"
            >
              {t(k('productFilter'))}
              {t('common.colon')}
              {productName(productOf(entry))}
            </Tag>
          ) : (
            <SearchBox
              key={searchKey}
              width={240}
              onSubmit={() => undefined}
              onPick={(hit) => {
                setEntry(hit.entry);
                setSearchKey((n) => n + 1);
              }}
            />
          )}
        </div>
        <DatePicker.RangePicker
          allowClear={false}
          format={DATE_FORMAT}
          value={range}
          placeholder={[t(k('from')), t(k('to'))]}
          disabledDate={(d) => d.isAfter(today, 'day')}
          onChange={(v) => v && v[0] && v[1] && setRange([v[0], v[1]])}
          data-testid="history-range"
        />
        <Segmented<'detail' | 'total'>
          value={view}
          onChange={setView}
          options={[
            { value: 'detail', label: <span data-testid="view-detail">{t(k('viewDetail'))}</span> },
            { value: 'total', label: <span data-testid="view-total">{t(k('viewTotal'))}</span> },
          ]}
        />
        {view === 'detail' ? (
          <Segmented<Period>
            value={period}
            onChange={setPeriod}
            options={[
              { value: 'day', label: <span data-testid="period-day">{t(k('byDay'))}</span> },
              { value: 'month', label: <span data-testid="period-month">{t(k('byMonth'))}</span> },
            ]}
          />
        ) : null}
        <Button icon={<DownloadOutlined />} href={consumptionExportUrl(filters)} download data-testid="export-consumption">
          {t(k('export'))}
        </Button>
      </Space>

      {view === 'detail' ? (
        <>
          <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
          <Table<ConsumptionRow>
            size="small"
            rowKey={(r) => `${r.period}-${r.institution_id}-${r.entry_id}`}
            columns={columns}
            dataSource={rows}
            loading={list.isPending && !list.error}
            pagination={false}
            sticky={{ offsetHeader: 52 }}
            scroll={{ x: 860 }}
            data-testid="history-table"
            onRow={() => ({ 'data-testid': 'history-row' }) as React.HTMLAttributes<HTMLElement>}
            locale={{
              emptyText: list.isPending ? ' ' : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t(k('empty'))} />,
            }}
            footer={
              rows.length
                ? () => (
                    <Space>
                      <span className="muted" data-testid="history-count">
                        {t(k('shown'), { count: rows.length })}
                        {list.hasNextPage ? '' : `，${t('common.noMore')}`}
                      </span>
                      {list.hasNextPage ? (
                        <Button size="small" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
                          {t('common.loadMore')}
                        </Button>
                      ) : null}
                    </Space>
                  )
                : undefined
            }
          />
        </>
      ) : (
        <>
          <ErrorAlert error={totals.error} onRetry={() => void totals.refetch()} />
          <Table<ConsumptionTotal>
            size="small"
            rowKey="entry_id"
            columns={totalColumns}
            dataSource={totals.data ?? []}
            loading={totals.isFetching}
            pagination={false}
            sticky={{ offsetHeader: 52 }}
            scroll={{ x: 700 }}
            data-testid="totals-table"
            onRow={() => ({ 'data-testid': 'total-row' }) as React.HTMLAttributes<HTMLElement>}
            locale={{
              emptyText: totals.isFetching ? ' ' : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t(k('empty'))} />,
            }}
            title={
              totals.data
                ? () => (
                    <span className="muted" data-testid="totals-heading">
                      {t(k('totalsFor'), { from: filters.from, to: filters.to, count: totals.data.length })}
                    </span>
                  )
                : undefined
            }
          />
        </>
      )}
    </Space>
  );
}

// ---------------------------------------------------------------------------------------------

export default function Consumption() {
  const { t } = useTranslation();
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const institutions = useQuery({ queryKey: ['stock-institutions'], queryFn: listStockInstitutions, staleTime: 5 * 60_000 });
  const recordable = (institutions.data ?? []).filter((i) => i.may_record);
  const mayRecord = can(me, 'record_stock') && recordable.length > 0;
  const tab = params.get('tab') === 'history' || (institutions.data && !mayRecord) ? 'history' : 'record';

  return (
    <>
      <PageTitle
        title={t(k('title'))}
        sub={institutions.data && !mayRecord ? t(k('readOnly')) : t(k('sub'))}
      />
      <ErrorAlert error={institutions.error} onRetry={() => void institutions.refetch()} />
      <Card size="small" styles={{ body: { paddingTop: 0 } }}>
        {institutions.isPending ? (
          <Card loading variant="borderless" />
        ) : institutions.data ? (
          <Tabs
            activeKey={tab}
            onChange={(key) => setParams(key === 'record' ? {} : { tab: key }, { replace: true })}
            items={[
              ...(mayRecord
                ? [
                    {
                      key: 'record',
                      label: <span data-testid="tab-record">{t(k('tabRecord'))}</span>,
                      children: <RecordTab institutions={recordable} />,
                    },
                  ]
                : []),
              {
                key: 'history',
                label: <span data-testid="tab-history">{t(k('tabHistory'))}</span>,
                children: <HistoryTab institutions={institutions.data} />,
              },
            ]}
          />
        ) : null}
      </Card>
    </>
  );
}
