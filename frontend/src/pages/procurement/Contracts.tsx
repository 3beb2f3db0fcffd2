import { useEffect, useState } from 'react';
import { Button, Card, Input, Segmented, Select, Space, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import { ImportOutlined, PlusOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import dayjs from 'dayjs';
import {
  CONTRACT_KINDS,
  CONTRACT_STATES,
  CONTRACT_STATE_COLOR,
  CONTRACTS_KEY,
  listContracts,
  listSuppliers,
  type Contract,
  type ContractFilters,
  type ContractKind,
  type ContractState,
} from '../../api/contracts';
import { getEntry } from '../../api/formulary';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { consortiumToday, formatDate, formatDateTime } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import SearchBox from '../../components/SearchBox';

const k = (key: string) => `procurement.contracts.${key}`;

export function ContractKindTag({ kind }: { kind: ContractKind }) {
  const { t } = useTranslation();
  return (
    <Tag color={kind === 'vbp' ? 'magenta' : 'default'} data-testid="contract-kind" data-kind={kind}>
      {t(k(`kind.${kind}`))}
    </Tag>
  );
}

export function ContractStateTag({ state }: { state: ContractState }) {
  const { t } = useTranslation();
  return (
    <Tag color={CONTRACT_STATE_COLOR[state]} data-testid="contract-state" data-state={state}>
      {t(k(`state.${state}`))}
    </Tag>
  );
}

/** `2026-05-01 至 2027-04-30`, and below it how far today is from its ends. */
export function PeriodCell({ from, to, state }: { from: string; to: string; state: ContractState }) {
  const { t } = useTranslation();
  const today = consortiumToday();
  const note =
    state === 'current'
      ? t(k('daysLeft'), { count: dayjs(to).diff(today, 'day') + 1 })
      : state === 'future'
        ? t(k('startsIn'), { count: dayjs(from).diff(today, 'day') })
        : t(k('endedAgo'), { count: today.diff(dayjs(to), 'day') });
  return (
    <div>
      <span className="num" data-testid="contract-period">
        {t(k('periodText'), { from: formatDate(from), to: formatDate(to) })}
      </span>
      <div className="muted">{note}</div>
    </div>
  );
}

type StateFilter = ContractState | 'all';

export default function Contracts() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const mayManage = can(me, 'manage_procurement');

  const supplierId = Number(params.get('supplier_id')) || undefined;
  const kind = (CONTRACT_KINDS as string[]).includes(params.get('kind') ?? '') ? (params.get('kind') as ContractKind) : undefined;
  const stateParam = params.get('state');
  // Current contracts unless another state (or all) was chosen.
  const stateFilter: StateFilter =
    stateParam === 'all' ? 'all' : (CONTRACT_STATES as string[]).includes(stateParam ?? '') ? (stateParam as ContractState) : 'current';
  const entryId = Number(params.get('entry_id')) || undefined;
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  const [searchKey, setSearchKey] = useState(0);

  const setFilter = (key: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const suppliers = useQuery({ queryKey: ['suppliers', 'all'], queryFn: () => listSuppliers(), staleTime: 5 * 60_000 });
  // The product the list is filtered by, named on its tag (also when opened from a link).
  const entry = useQuery({
    queryKey: ['formulary-entry', entryId],
    queryFn: () => getEntry(entryId!),
    enabled: !!entryId,
    staleTime: 5 * 60_000,
  });

  const filters: ContractFilters = {
    supplier_id: supplierId,
    kind,
    state: stateFilter === 'all' ? undefined : stateFilter,
    entry_id: entryId,
    q: q || undefined,
  };
  const list = useInfiniteQuery({
    queryKey: [CONTRACTS_KEY, filters],
    queryFn: ({ pageParam, signal }) => listContracts({ ...filters, cursor: pageParam, limit: 50 }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = !!(supplierId || kind || stateFilter !== 'current' || entryId || q);

  const open = (c: Contract) => void navigate(`/procurement/contracts/${c.id}`);

  const columns: TableProps<Contract>['columns'] = [
    {
      title: t(k('col.contractNo')),
      dataIndex: 'contract_no',
      width: 190,
      render: (no: string, c) => (
        <Link to={`/procurement/contracts/${c.id}`} data-testid="contract-no">
          {no}
        </Link>
      ),
    },
    {
      title: t(k('col.supplier')),
      dataIndex: 'supplier_name',
      ellipsis: true,
      render: (name: string) => <span data-testid="contract-supplier-name">{name}</span>,
    },
    { title: t(k('col.kind')), dataIndex: 'kind', width: 110, render: (kd: ContractKind) => <ContractKindTag kind={kd} /> },
    {
      title: t(k('col.period')),
      key: 'period',
      width: 220,
      render: (_: unknown, c) => <PeriodCell from={c.valid_from} to={c.valid_to} state={c.state} />,
    },
    { title: t(k('col.state')), dataIndex: 'state', width: 100, render: (s: ContractState) => <ContractStateTag state={s} /> },
    {
      title: t(k('col.lines')),
      dataIndex: 'line_count',
      width: 90,
      align: 'right',
      render: (n: number) => (
        <span className="num" data-testid="contract-lines">
          {n}
        </span>
      ),
    },
    {
      title: t(k('col.note')),
      dataIndex: 'note',
      ellipsis: true,
      responsive: ['xl'],
      render: (n?: string | null) => (n ? <span title={n}>{n}</span> : <span className="muted">—</span>),
    },
    {
      title: t(k('col.updated')),
      key: 'updated',
      width: 160,
      render: (_: unknown, c) => (
        <div>
          {c.created_by ?? '—'}
          <div className="muted">{formatDateTime(c.updated_at)}</div>
        </div>
      ),
    },
  ];

  return (
    <>
      <PageTitle
        title={t(k('title'))}
        sub={t(k('sub'))}
        extra={
          mayManage ? (
            <Space>
              <Link to="/procurement/contracts/import">
                <Button icon={<ImportOutlined />} data-testid="contract-import">
                  {t(k('importContracts'))}
                </Button>
              </Link>
              <Link to="/procurement/contracts/new">
                <Button type="primary" icon={<PlusOutlined />} data-testid="contract-new">
                  {t(k('newContract'))}
                </Button>
              </Link>
            </Space>
          ) : null
        }
      />
      <Card size="small">
        <Space wrap size={[12, 8]} style={{ marginBottom: 12 }}>
          <Segmented<StateFilter>
            value={stateFilter}
            onChange={(v) => setFilter('state', v === 'current' ? undefined : v)}
            data-testid="filter-state"
            options={[
              ...CONTRACT_STATES.map((s) => ({
                value: s,
                label: <span data-testid={`filter-state-${s}`}>{t(k(`state.${s}`))}</span>,
              })),
              { value: 'all' as const, label: <span data-testid="filter-state-all">{t(k('filter.allStates'))}</span> },
            ]}
          />
          <Select
            allowClear
            showSearch={{ optionFilterProp: 'title' }}
            style={{ width: 260 }}
            placeholder={t(k('filter.allSuppliers'))}
            value={supplierId}
            loading={suppliers.isPending}
            onChange={(v?: number) => setFilter('supplier_id', v ? String(v) : undefined)}
            data-testid="filter-supplier"
            options={(suppliers.data ?? []).map((s) => ({
              value: s.id,
              title: `${s.name} ${s.uscc}`,
              label: (
                <span>
                  {s.name}
                  {s.active ? null : <span className="muted">（{t(k('inactiveSupplier'))}）</span>}
                </span>
              ),
            }))}
          />
          <Select
            allowClear
            style={{ width: 130 }}
            placeholder={t(k('filter.allKinds'))}
            value={kind}
            onChange={(v?: ContractKind) => setFilter('kind', v)}
            data-testid="filter-kind"
            options={CONTRACT_KINDS.map((kd) => ({ value: kd, label: t(k(`kind.${kd}`)) }))}
          />
          <div data-testid="filter-product">
            {entryId ? (
              <Tag
                closable
                color="blue"
                onClose={() => {
                  setFilter('entry_id', undefined);
                  setSearchKey((n) => n + 1);
                }}
                closeIcon={<span aria-label={t(k('filter.clearProduct'))}>×</span>}
                style={{ padding: '4px 8px', fontSize: 13 }}
                data-testid="filter-product-tag"
              >
                {t(k('filter.productTag'))}
                {t('common.colon')}
                {entry.data ? `${entry.data.generic_name_zh} ${entry.data.strength} · ${entry.data.manufacturer}` : `#${entryId}`}
              </Tag>
            ) : (
              <SearchBox key={searchKey} width={260} onSubmit={() => undefined} onPick={(hit) => setFilter('entry_id', String(hit.entry.id))} />
            )}
          </div>
          <Input.Search
            allowClear
            style={{ width: 220 }}
            placeholder={t(k('filter.search'))}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              if (!e.target.value) setFilter('q', undefined);
            }}
            onSearch={(v) => setFilter('q', v.trim() || undefined)}
            data-testid="filter-q"
          />
          {filtered ? (
            <Button type="link" onClick={() => setParams({}, { replace: true })} data-testid="filter-clear">
              {t(k('filter.clear'))}
            </Button>
          ) : null}
        </Space>
        <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
        <Table<Contract>
          className="clickable-rows"
          size="small"
          rowKey="id"
          columns={columns}
          dataSource={items}
          loading={list.isPending && !list.error}
          pagination={false}
          scroll={{ x: 1000 }}
          sticky={{ offsetHeader: 52 }}
          data-testid="contract-table"
          locale={{ emptyText: list.isPending ? ' ' : filtered ? t(k('emptyFiltered')) : t(k('empty')) }}
          onRow={(c) =>
            ({
              'data-testid': 'contract-row',
              'data-contract-no': c.contract_no,
              'data-id': c.id,
              onClick: (e: React.MouseEvent) => {
                if (!(e.target as HTMLElement).closest('a')) open(c);
              },
              onKeyDown: (e: React.KeyboardEvent) => {
                if (e.key === 'Enter') open(c);
              },
              tabIndex: 0,
            }) as React.HTMLAttributes<HTMLElement>
          }
          footer={
            items.length
              ? () => (
                  <Space>
                    <Typography.Text type="secondary" data-testid="contract-count">
                      {t(k('shown'), { count: items.length })}
                      {list.hasNextPage ? '' : `${t('common.sep')}${t('common.noMore')}`}
                    </Typography.Text>
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
      </Card>
    </>
  );
}
