import { useEffect, useMemo, useRef, useState } from 'react';
import { Button, Card, Empty, Input, Segmented, Select, Space, Switch, Table, Tooltip, Typography } from 'antd';
import type { TableProps } from 'antd';
import { ClearOutlined, DownloadOutlined, ImportOutlined, SearchOutlined } from '@ant-design/icons';
import { useInfiniteQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import {
  listStock,
  stockCardPath,
  stockExportUrl,
  useStockInstitutions,
  type ExpiryState,
  type StockLine,
  type StockQuery,
} from '../../api/stockList';
import type { Level } from '../../api/types';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { LEVELS } from '../../lib/enums';
import { formatDate } from '../../lib/format';
import { useDebounced } from '../../lib/hooks';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import ProductCell from '../../components/stock/ProductCell';
import ExpiryTag from '../../components/stock/ExpiryTag';

const PAGE = 50;
/** The sticky header sits below the app's own sticky header (theme: headerHeight 52). */
const HEADER_OFFSET = 52;

type ExpiryChoice = 'all' | Exclude<ExpiryState, 'ok'>;
type FilterKey = 'institution_id' | 'level' | 'expiry' | 'q' | 'include_empty';

const positiveInt = (s: string | null) => {
  const n = Number(s);
  return s && Number.isInteger(n) && n > 0 ? n : undefined;
};

/**
 * The list's filters live in the URL (a link can be shared, back from a stock card returns to the
 * same list). Without an institution the server shows the user's own, or every one they may see.
 */
function useStockFilters() {
  const [params, setParams] = useSearchParams();
  const query: StockQuery = useMemo(() => {
    const level = params.get('level') as Level | null;
    const expiry = params.get('expiry');
    return {
      institution_id: positiveInt(params.get('institution_id')),
      level: level && LEVELS.includes(level) ? level : undefined,
      expiry: expiry === 'near' || expiry === 'expired' ? expiry : undefined,
      q: params.get('q')?.trim() || undefined,
      include_empty: params.get('include_empty') === 'true' ? true : undefined,
    };
  }, [params]);
  /** Typing replaces the history entry; picking a filter adds one (back undoes it). */
  const set = (patch: Partial<Record<FilterKey, string | undefined>>, replace = false) => {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const [k, v] of Object.entries(patch)) {
          if (v === undefined || v === '') next.delete(k);
          else next.set(k, v);
        }
        return next;
      },
      { replace },
    );
  };
  const clear = () => setParams(new URLSearchParams());
  return { query, set, clear, raw: params.get('q') ?? '' };
}

/** The search box: what is typed goes to the URL once typing pauses; the URL (back) comes back in. */
function StockSearch({ value, onChange }: { value: string; onChange: (q: string) => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState(value);
  const debounced = useDebounced(text, 300);
  const written = useRef(value);
  useEffect(() => {
    if (debounced.trim() === written.current.trim()) return;
    written.current = debounced;
    onChange(debounced.trim());
    // onChange is a fresh closure each render: only a new typed text writes the URL.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debounced]);
  useEffect(() => {
    // A change of the URL that did not come from typing (back, a shared link, clear filters).
    if (value.trim() !== written.current.trim()) {
      written.current = value;
      setText(value);
    }
  }, [value]);
  return (
    <Input
      allowClear
      prefix={<SearchOutlined className="muted" />}
      placeholder={t('stock.list.searchPlaceholder')}
      style={{ width: 260 }}
      value={text}
      maxLength={100}
      onChange={(e) => setText(e.target.value)}
      onPressEnter={() => {
        written.current = text;
        onChange(text.trim());
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') setText('');
      }}
      data-testid="stock-search"
    />
  );
}

export default function StockList() {
  const { t } = useTranslation();
  const me = useMe();
  const { query, set, clear, raw } = useStockFilters();
  const institutions = useStockInstitutions();
  const several = (institutions.data?.length ?? 0) > 1;
  const filtered = !!(query.institution_id || query.level || query.expiry || query.q || query.include_empty);

  const list = useInfiniteQuery({
    queryKey: ['stock', query],
    queryFn: ({ pageParam, signal }) => listStock({ ...query, cursor: pageParam, limit: PAGE }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const lines = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const near = lines.filter((l) => l.expiry_state === 'near').length;
  const expired = lines.filter((l) => l.expiry_state === 'expired').length;
  const showInstitution = several && !query.institution_id;

  const columns: TableProps<StockLine>['columns'] = [
    ...(showInstitution
      ? [
          {
            title: t('stock.list.col.institution'),
            key: 'institution',
            width: 170,
            ellipsis: true,
            render: (_: unknown, l: StockLine) => <span data-testid="stock-institution">{l.institution_name}</span>,
          },
        ]
      : []),
    {
      title: t('stock.list.col.product'),
      key: 'product',
      render: (_: unknown, l) => <ProductCell product={l.product} to={stockCardPath(l.institution_id, l.entry_id)} />,
    },
    {
      title: t('stock.list.col.lot'),
      dataIndex: 'lot_no',
      width: 170,
      render: (v: string) => (
        <span className="num" style={{ wordBreak: 'break-all' }} data-testid="stock-lot">
          {v}
        </span>
      ),
    },
    {
      title: t('stock.list.col.expiry'),
      key: 'expiry',
      width: 240,
      render: (_: unknown, l) => (
        <Space size={8} wrap={false} style={{ whiteSpace: 'nowrap' }}>
          <span className="num">{formatDate(l.expiry)}</span>
          <ExpiryTag state={l.expiry_state} days={l.days_to_expiry} />
        </Space>
      ),
    },
    {
      title: t('stock.list.col.quantity'),
      key: 'quantity',
      width: 150,
      align: 'right',
      render: (_: unknown, l) => (
        <div data-testid="stock-quantity">
          <div className="num" style={{ fontWeight: 600, color: l.quantity === 0 ? 'rgba(0,0,0,0.45)' : undefined }}>
            {l.packs}
          </div>
          <div className="muted num">
            {l.quantity}
            {l.product.base_unit}
          </div>
        </div>
      ),
    },
    {
      title: t('stock.list.col.actions'),
      key: 'actions',
      width: 90,
      fixed: 'right',
      render: (_: unknown, l) => (
        <Link to={stockCardPath(l.institution_id, l.entry_id)} data-testid="open-card">
          {t('stock.list.openCard')}
        </Link>
      ),
    },
  ];

  const mayRecord = can(me, 'record_stock');
  const emptyText = list.isPending ? (
    ' '
  ) : filtered ? (
    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('stock.list.emptyFiltered')}>
      <Button size="small" icon={<ClearOutlined />} onClick={clear}>
        {t('stock.list.clearFilters')}
      </Button>
    </Empty>
  ) : (
    <Empty
      image={Empty.PRESENTED_IMAGE_SIMPLE}
      description={
        <>
          <div>{t('stock.list.empty')}</div>
          {mayRecord ? <div className="muted">{t('stock.list.emptyHint')}</div> : null}
        </>
      }
    >
      {mayRecord ? (
        <Link to="/stock/opening">
          <Button size="small" type="primary" icon={<ImportOutlined />}>
            {t('stock.list.openingLink')}
          </Button>
        </Link>
      ) : null}
    </Empty>
  );

  const expiryChoice: ExpiryChoice = query.expiry === 'near' || query.expiry === 'expired' ? query.expiry : 'all';

  return (
    <>
      <PageTitle
        title={t('stock.list.title')}
        sub={t('stock.list.sub')}
        extra={
          <Tooltip title={t('stock.list.exportHint')}>
            <Button href={stockExportUrl(query)} download icon={<DownloadOutlined />} data-testid="export-stock">
              {t('stock.list.export')}
            </Button>
          </Tooltip>
        }
      />
      <Card size="small" variant="outlined" styles={{ body: { padding: 12 } }}>
        <Space wrap size={[8, 8]} style={{ marginBottom: 10, width: '100%' }} className="no-print">
          <StockSearch value={raw} onChange={(q) => set({ q: q || undefined }, true)} />
          {several ? (
            <Select
              showSearch={{
                optionFilterProp: 'label',
              }}
              style={{ width: 220 }}
              value={query.institution_id ?? 'all'}
              onChange={(v: number | 'all') => set({ institution_id: v === 'all' ? undefined : String(v) })}
              options={[
                { value: 'all', label: t('stock.list.allInstitutions') },
                ...(institutions.data ?? []).map((i) => ({ value: i.id, label: `${i.name}（${i.code}）` })),
              ]}
              aria-label={t('stock.list.institution')}
              data-testid="filter-institution"
            />
          ) : null}
          {several ? (
            <Select
              style={{ width: 200 }}
              value={query.level ?? 'all'}
              onChange={(v: Level | 'all') => set({ level: v === 'all' ? undefined : v })}
              options={[
                { value: 'all', label: t('stock.list.allLevels') },
                ...LEVELS.map((l) => ({ value: l, label: t(`enum.level.${l}`) })),
              ]}
              aria-label={t('stock.list.level')}
              data-testid="filter-level"
            />
          ) : null}
          <Segmented<ExpiryChoice>
            value={expiryChoice}
            onChange={(v) => set({ expiry: v === 'all' ? undefined : v })}
            options={(['all', 'near', 'expired'] as const).map((v) => ({
              value: v,
              label: <span data-testid={`expiry-${v}`}>{t(`stock.list.expiryFilter.${v}`)}</span>,
            }))}
            aria-label={t('stock.list.expiryFilter.label')}
            data-testid="filter-expiry"
          />
          <Tooltip title={t('stock.list.includeEmptyHint')}>
            <Space size={6}>
              <Switch
                size="small"
                checked={!!query.include_empty}
                onChange={(on) => set({ include_empty: on ? 'true' : undefined })}
                aria-label={t('stock.list.includeEmpty')}
                data-testid="filter-include-empty"
              />
              <span>{t('stock.list.includeEmpty')}</span>
            </Space>
          </Tooltip>
          {filtered ? (
            <Button type="link" size="small" icon={<ClearOutlined />} onClick={clear} data-testid="clear-filters">
              {t('stock.list.clearFilters')}
            </Button>
          ) : null}
        </Space>
        <ErrorAlert error={institutions.error} onRetry={() => void institutions.refetch()} />
        <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
        <Table<StockLine>
          size="small"
          rowKey={(l) => `${l.institution_id}-${l.lot_id}`}
          columns={columns}
          dataSource={lines}
          loading={list.isPending || (list.isFetching && !list.isFetchingNextPage)}
          pagination={false}
          scroll={{ x: showInstitution ? 1060 : 900 }}
          sticky={{ offsetHeader: HEADER_OFFSET }}
          locale={{ emptyText }}
          onRow={(l) =>
            ({
              'data-testid': 'stock-row',
              'data-lot-no': l.lot_no,
              'data-expiry-state': l.expiry_state,
            }) as React.HTMLAttributes<HTMLElement>
          }
          footer={() => (
            <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 12, flexWrap: 'wrap' }}>
              <Typography.Text type="secondary" data-testid="stock-summary">
                {t('stock.list.summary', { shown: lines.length })}
                {list.hasNextPage ? t('stock.list.summaryMore') : null}
                {near > 0 ? (
                  <>
                    {t('common.sep')}
                    <span style={{ color: '#d46b08' }} data-testid="summary-near">
                      {t('stock.list.summaryNear', { count: near })}
                    </span>
                  </>
                ) : null}
                {expired > 0 ? (
                  <>
                    {t('common.sep')}
                    <span style={{ color: '#cf1322' }} data-testid="summary-expired">
                      {t('stock.list.summaryExpired', { count: expired })}
                    </span>
                  </>
                ) : null}
              </Typography.Text>
              {list.hasNextPage ? (
                <Button
                  size="small"
                  className="no-print"
                  loading={list.isFetchingNextPage}
                  onClick={() => void list.fetchNextPage()}
                  data-testid="load-more"
                >
                  {t('common.loadMore')}
                </Button>
              ) : lines.length > 0 ? (
                <span className="muted">{t('common.noMore')}</span>
              ) : null}
            </div>
          )}
        />
      </Card>
    </>
  );
}
