import { useMemo, useState, type ReactNode } from 'react';
import { Button, Card, DatePicker, Select, Space, Typography } from 'antd';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import dayjs from 'dayjs';
import { listEntries, type EntryQuery } from '../../api/formulary';
import type { Entry, EntryStatus, Level, ListSort, Route, SpecialClass } from '../../api/types';
import BatchProposal from '../../components/BatchProposal';
import EntryTable from '../../components/EntryTable';
import { useMe } from '../../auth';
import SearchBox from '../../components/SearchBox';
import ErrorAlert from '../../components/ErrorAlert';
import { ENTRY_STATUS, LEVELS, ROUTES, SPECIAL, options } from '../../lib/enums';
import { DATE_FORMAT } from '../../lib/format';

const PAGE = 50;

/** Every level, or one institution level's usable range. */
export type LevelChoice = Level | 'all';

/**
 * Filters kept in the URL so that back from a detail page returns to the same list. Without a
 * `level` in the URL a user of an institution sees what its level may use (`level=all` shows
 * everything, entries outside its scope marked).
 */
export function useEntryFilters() {
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const myLevel = me.institution?.level;
  const levelChoice: LevelChoice = (params.get('level') as LevelChoice | null) || myLevel || 'all';
  const query: EntryQuery = useMemo(() => {
    const ess = params.get('essential');
    return {
      q: params.get('q') || undefined,
      status: (params.get('status') as EntryStatus | null) || undefined,
      level: levelChoice === 'all' ? undefined : levelChoice,
      essential: ess === 'true' ? true : ess === 'false' ? false : undefined,
      special_class: (params.get('special_class') as SpecialClass | null) || undefined,
      route: (params.get('route') as Route | null) || undefined,
      as_of: params.get('as_of') || undefined,
      sort: (params.get('sort') as ListSort | null) || undefined,
    };
  }, [params, levelChoice]);
  const set = (patch: Partial<Record<keyof EntryQuery, string | undefined>>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || v === '') next.delete(k);
      else next.set(k, v);
    }
    setParams(next, { replace: true });
  };
  return { query, set, levelChoice, myLevel };
}

export default function EntryBrowser({
  fixedAsOf,
  showAsOf = true,
  toolbar,
  selectable = false,
}: {
  /** Rows can be selected for one batch proposal (proposers, today's list). */
  selectable?: boolean;
  /** When given the list shows that day and hides its own date picker. */
  fixedAsOf?: string;
  showAsOf?: boolean;
  toolbar?: (asOf: string | undefined) => ReactNode;
}) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { query, set, levelChoice, myLevel } = useEntryFilters();
  const asOf = fixedAsOf ?? query.as_of;
  const effective: EntryQuery = { ...query, as_of: asOf };

  const list = useInfiniteQuery({
    queryKey: ['formulary', effective],
    queryFn: ({ pageParam }) => listEntries({ ...effective, cursor: pageParam, limit: PAGE }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });

  const entries = list.data?.pages.flatMap((p) => p.items) ?? [];
  const [selected, setSelected] = useState<Entry[]>([]);
  const total = list.data?.pages[0]?.total ?? 0;
  const open = (id: number) => navigate(`/formulary/${id}${asOf ? `?as_of=${asOf}` : ''}`);

  return (
    <Card size="small" variant="outlined" styles={{ body: { padding: 12 } }}>
      <Space wrap size={[8, 8]} style={{ marginBottom: 10, width: '100%' }} className="no-print">
        <SearchBox
          initial={query.q}
          asOf={asOf}
          level={query.level}
          myLevel={myLevel}
          onSubmit={(q) => set({ q })}
          onType={(q) => set({ q })}
          onPick={(hit) => open(hit.entry.id)}
        />
        <Select
          allowClear
          placeholder={t('formulary.filterStatus')}
          style={{ width: 110 }}
          value={query.status}
          onChange={(v?: string) => set({ status: v })}
          options={options(t, 'enum.entryStatus', ENTRY_STATUS)}
          data-testid="filter-status"
        />
        <Select
          style={{ width: 170 }}
          value={levelChoice}
          onChange={(v: LevelChoice) => set({ level: v === (myLevel ?? 'all') ? undefined : v })}
          options={[
            { value: 'all', label: myLevel ? t('formulary.levelAllMarked') : t('formulary.levelAll') },
            ...LEVELS.map((l) => ({
              value: l,
              label: l === myLevel ? t('formulary.levelMine', { level: t(`enum.levelShort.${l}`) }) : t('formulary.levelUsableAt', { level: t(`enum.levelShort.${l}`) }),
            })),
          ]}
          data-testid="filter-level"
        />
        <Select
          allowClear
          placeholder={t('formulary.filterEssential')}
          style={{ width: 110 }}
          value={query.essential === undefined ? undefined : String(query.essential)}
          onChange={(v?: string) => set({ essential: v })}
          options={[
            { value: 'true', label: t('formulary.essentialOnly') },
            { value: 'false', label: t('formulary.nonEssential') },
          ]}
        />
        <Select
          allowClear
          placeholder={t('formulary.filterSpecial')}
          style={{ width: 120 }}
          value={query.special_class}
          onChange={(v?: string) => set({ special_class: v })}
          options={options(t, 'enum.special', SPECIAL)}
        />
        <Select
          allowClear
          placeholder={t('formulary.filterRoute')}
          style={{ width: 110 }}
          value={query.route}
          onChange={(v?: string) => set({ route: v })}
          options={options(t, 'enum.route', ROUTES)}
        />
        {showAsOf && !fixedAsOf ? (
          <DatePicker
            placeholder={t('formulary.asOfToday')}
            format={DATE_FORMAT}
            value={query.as_of ? dayjs(query.as_of) : null}
            onChange={(d) => set({ as_of: d ? d.format(DATE_FORMAT) : undefined })}
            data-testid="as-of"
          />
        ) : null}
        {toolbar ? toolbar(asOf) : null}
      </Space>
      {asOf ? (
        <Typography.Paragraph type="warning" style={{ marginBottom: 8 }}>
          {t('formulary.asOfHint', { date: asOf })}
        </Typography.Paragraph>
      ) : null}
      <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
      {selectable ? <BatchProposal selected={selected} onClear={() => setSelected([])} /> : null}
      <EntryTable
        selection={selectable ? { selected, onChange: setSelected } : undefined}
        sort={query.sort}
        onSort={(sort) => set({ sort })}
        entries={entries}
        myLevel={myLevel}
        loading={list.isPending || (list.isFetching && !list.isFetchingNextPage)}
        onOpen={(e) => open(e.id)}
        footer={() => (
          <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
            <span className="muted" data-testid="list-count">
              {t('common.shown', { shown: entries.length, total })}
            </span>
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
            ) : entries.length > 0 ? (
              <span className="muted">{t('common.noMore')}</span>
            ) : null}
          </div>
        )}
      />
    </Card>
  );
}
