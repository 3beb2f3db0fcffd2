import { useMemo, useState } from 'react';
import { Alert, Button, Card, DatePicker, Empty, Input, Progress, Segmented, Select, Space, Statistic, Switch, Table, Tag, Tooltip } from 'antd';
import type { TableProps } from 'antd';
import { DownloadOutlined, MinusSquareOutlined, PlusSquareOutlined, QuestionCircleOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import dayjs from 'dayjs';
import {
  VBP_KEY,
  fractionOf,
  getVbpProgress,
  lineLabel,
  packs,
  percent,
  shortOfProRata,
  sumFigures,
  proRataTarget,
  type VbpContract,
  type VbpFigure,
  type VbpLine,
  type VbpMember,
  type VbpProgress as VbpProgressData,
  type VbpQuery,
} from '../../api/vbp';
import { CONTRACTS_KEY, listContracts, listMembers } from '../../api/contracts';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { DATE_FORMAT, formatDate } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import ProductCell from '../../components/stock/ProductCell';
import VbpChart, { VBP_COLORS, type VbpBar } from '../../components/VbpChart';

const k = (key: string) => `procurement.vbp.${key}`;

type ChartMode = 'line' | 'member';
type ChartSort = 'given' | 'progress';

/** How many behind lines the warning names before "show all". */
const ALERT_NAMES = 10;

function StatusTag({ f }: { f: VbpFigure }) {
  const { t } = useTranslation();
  if (f.agreed <= 0) return <Tag data-testid="vbp-status" data-status="none">{t(k('status.noAgreed'))}</Tag>;
  return f.behind ? (
    <Tag color="red" data-testid="vbp-status" data-status="behind">
      {t(k('status.behind'))}
    </Tag>
  ) : (
    <Tag color="green" data-testid="vbp-status" data-status="on-track">
      {t(k('status.onTrack'))}
    </Tag>
  );
}

/** The figure columns a line and a member share: plain numbers (a spreadsheet reads them as such). */
function figureColumns<T extends VbpFigure>(t: TFunction, c: VbpContract): NonNullable<TableProps<T>['columns']> {
  return [
    {
      title: t(k('col.agreed')),
      dataIndex: 'agreed',
      width: 100,
      align: 'right',
      render: (v: number) => (
        <span className="num" data-testid="vbp-agreed" data-value={v}>
          {v}
        </span>
      ),
    },
    {
      title: t(k('col.purchased')),
      dataIndex: 'purchased',
      width: 100,
      align: 'right',
      render: (v: number) => (
        <span className="num" data-testid="vbp-purchased" data-value={v}>
          {v}
        </span>
      ),
    },
    {
      title: t(k('col.progress')),
      dataIndex: 'progress',
      width: 100,
      align: 'right',
      render: (v: string, f) => (
        <span
          className="num"
          data-testid="vbp-progress"
          data-value={v}
          style={{ color: f.agreed <= 0 ? undefined : f.behind ? VBP_COLORS.behind : VBP_COLORS.onTrack, fontWeight: 600 }}
        >
          {f.agreed > 0 ? percent(v, 1) : '—'}
        </span>
      ),
    },
    {
      title: (
        <Tooltip title={t(k('targetHint'))}>
          <span>
            {t(k('col.target'))} <QuestionCircleOutlined className="muted" />
          </span>
        </Tooltip>
      ),
      key: 'target',
      width: 110,
      align: 'right',
      render: (_: unknown, f) => <span className="num">{proRataTarget(f.agreed, c.elapsed_days, c.year_days)}</span>,
    },
    {
      title: t(k('col.short')),
      key: 'short',
      width: 90,
      align: 'right',
      render: (_: unknown, f) => {
        const s = shortOfProRata(f, c);
        return (
          <span className="num" data-testid="vbp-short" style={s > 0 ? { color: VBP_COLORS.behind } : undefined}>
            {s}
          </span>
        );
      },
    },
    { title: t(k('col.status')), key: 'status', width: 100, render: (_: unknown, f) => <StatusTag f={f} /> },
  ];
}

function MembersTable({ line, contract, order }: { line: VbpLine; contract: VbpContract; order: Map<number, number> }) {
  const { t } = useTranslation();
  // The consortium's order where known (each township followed by its village clinics), else by name.
  const members = order.size
    ? [...line.members].sort((a, b) => (order.get(a.institution_id) ?? 1e9) - (order.get(b.institution_id) ?? 1e9))
    : line.members;
  const columns: TableProps<VbpMember>['columns'] = [
    {
      title: t(k('col.member')),
      dataIndex: 'institution_name',
      render: (n: string) => <span data-testid="vbp-member-name">{n}</span>,
    },
    { title: t(k('col.unit')), key: 'unit', width: 60, render: () => line.product.pack_unit },
    ...figureColumns<VbpMember>(t, contract),
  ];
  return (
    <Table<VbpMember>
      size="small"
      rowKey="institution_id"
      columns={columns}
      dataSource={members}
      pagination={false}
      data-testid="vbp-members"
      onRow={(m) =>
        ({ 'data-testid': 'vbp-member', 'data-id': m.institution_id, 'data-behind': String(m.behind) }) as React.HTMLAttributes<HTMLElement>
      }
    />
  );
}

/** The members of the answer, by name, with each one's lines behind (none when one member is seen). */
function membersOf(c: VbpContract): { id: number; name: string; behind: number; figures: VbpFigure[] }[] {
  const by = new Map<number, { id: number; name: string; behind: number; figures: VbpFigure[] }>();
  for (const l of c.lines) {
    for (const m of l.members) {
      const e = by.get(m.institution_id) ?? { id: m.institution_id, name: m.institution_name, behind: 0, figures: [] };
      e.figures.push(m);
      if (m.behind) e.behind += 1;
      by.set(m.institution_id, e);
    }
  }
  return [...by.values()].sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
}

/** In the consortium's order where known (the sort is stable: by name otherwise). */
const byOrder = <T extends { id: number }>(list: T[], order: Map<number, number>): T[] =>
  order.size ? [...list].sort((a, b) => (order.get(a.id) ?? 1e9) - (order.get(b.id) ?? 1e9)) : list;

function matches(l: VbpLine, q: string): boolean {
  if (!q) return true;
  const p = l.product;
  const hay = [p.name_zh, p.name_en, p.strength, p.dosage_form, p.manufacturer].join(' ').toLowerCase();
  return q
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

const sortBars = (bars: VbpBar[], sort: ChartSort) =>
  sort === 'progress'
    ? [...bars].sort((a, b) => (a.agreed > 0 ? 0 : 1) - (b.agreed > 0 ? 0 : 1) || fractionOf(a.progress) - fractionOf(b.progress) || a.label.localeCompare(b.label, 'zh-CN'))
    : bars;

function BehindAlert({ c, members, showMembers }: { c: VbpContract; members: ReturnType<typeof membersOf>; showMembers: boolean }) {
  const { t } = useTranslation();
  const [all, setAll] = useState(false);
  const prText = percent(c.pro_rata, 2);
  const behind = c.lines.filter((l) => l.behind);
  if (c.lines.length === 0) return null;
  if (behind.length === 0) {
    return <Alert type="success" showIcon style={{ marginBottom: 12 }} title={t(k('alert.allOnTrack'), { proRata: prText })} data-testid="vbp-on-track" />;
  }
  const named = all ? behind : behind.slice(0, ALERT_NAMES);
  const laggingAll = showMembers ? members.filter((m) => m.behind > 0).sort((a, b) => b.behind - a.behind || a.name.localeCompare(b.name, 'zh-CN')) : [];
  const lagging = all ? laggingAll : laggingAll.slice(0, ALERT_NAMES);
  const more = behind.length > ALERT_NAMES || laggingAll.length > ALERT_NAMES;
  return (
    <Alert
      type="warning"
      showIcon
      style={{ marginBottom: 12 }}
      data-testid="vbp-behind-alert"
      title={<span data-testid="vbp-behind-count" data-value={behind.length}>{t(k('alert.behind'), { count: behind.length, proRata: prText })}</span>}
      description={
        <div>
          <div>
            <strong>{t(k('alert.lines'))}</strong>
            {t('common.colon')}
            {named.map((l, i) => (
              <span key={l.entry_id} data-testid="vbp-behind-line" data-entry={l.entry_id}>
                {i > 0 ? '、' : ''}
                {lineLabel(l.product)} {percent(l.progress, 1)}
              </span>
            ))}
            {behind.length > named.length ? <span className="muted"> {t(k('alert.more'), { count: behind.length })}</span> : null}
          </div>
          {lagging.length ? (
            <div style={{ marginTop: 4 }} data-testid="vbp-behind-members">
              <strong>{t(k('alert.members'))}</strong>
              {t('common.colon')}
              {lagging.map((m, i) => (
                <span key={m.id} data-testid="vbp-behind-member" data-id={m.id}>
                  {i > 0 ? '、' : ''}
                  {t(k('alert.memberCount'), { name: m.name, count: m.behind })}
                </span>
              ))}
              {laggingAll.length > lagging.length ? <span className="muted"> {t(k('alert.more'), { count: laggingAll.length })}</span> : null}
            </div>
          ) : null}
          {more ? (
            <Button type="link" size="small" style={{ paddingInline: 0 }} onClick={() => setAll(!all)} data-testid="vbp-behind-all">
              {all ? t(k('alert.showLess')) : t(k('alert.showAll'))}
            </Button>
          ) : null}
        </div>
      }
    />
  );
}

interface SectionProps {
  c: VbpContract;
  on: string;
  /** Every member's figures are in the answer (not one member's view). */
  wide: boolean;
  /** The one member the figures are of (a filter, or the user's own institution). */
  memberName?: string;
  own: boolean;
  q: string;
  onlyBehind: boolean;
  chartMode: ChartMode;
  chartSort: ChartSort;
  setChart: (key: 'view' | 'sort', value: string | undefined) => void;
  linkProducts: boolean;
  /** Institutions in the consortium's order (lead, each township with its villages). */
  order: Map<number, number>;
}

function ContractSection({ c, on, wide, memberName, own, q, onlyBehind, chartMode, chartSort, setChart, linkProducts, order }: SectionProps) {
  const { t } = useTranslation();
  const [expanded, setExpanded] = useState<React.Key[]>([]);
  const members = useMemo(() => membersOf(c), [c]);
  const total = useMemo(() => sumFigures(c.lines, c), [c]);
  const lines = c.lines.filter((l) => matches(l, q) && (!onlyBehind || l.behind));
  const prText = percent(c.pro_rata, 2);
  const multiYear = c.year_from !== c.valid_from || c.year_to !== c.valid_to;
  const yearNo = dayjs(c.year_from).diff(dayjs(c.valid_from), 'month') / 12 + 1;
  const mode: ChartMode = wide ? chartMode : 'line';

  const bars: VbpBar[] =
    mode === 'line'
      ? lines.map((l) => ({
          key: String(l.entry_id),
          label: lineLabel(l.product),
          agreed: l.agreed,
          purchased: l.purchased,
          progress: l.progress,
          behind: l.behind,
          unit: l.product.pack_unit,
          short: shortOfProRata(l, c),
        }))
      : byOrder(membersOf({ ...c, lines: c.lines.filter((l) => matches(l, q)) }), order)
          .map((m) => {
            const f = sumFigures(m.figures, c);
            return { key: `m${m.id}`, label: m.name, ...f, short: shortOfProRata(f, c) };
          })
          .filter((b) => !onlyBehind || b.behind);

  const columns: TableProps<VbpLine>['columns'] = [
    {
      title: t(k('col.product')),
      key: 'product',
      render: (_: unknown, l) => <ProductCell product={l.product} to={linkProducts ? `/formulary/${l.entry_id}` : undefined} />,
    },
    { title: t(k('col.unit')), key: 'unit', width: 60, render: (_: unknown, l) => l.product.pack_unit },
    ...figureColumns<VbpLine>(t, c),
  ];
  if (wide) {
    columns.splice(2, 0, {
      title: t(k('col.members')),
      key: 'members',
      width: 90,
      align: 'right',
      responsive: ['lg'],
      render: (_: unknown, l) => <span className="num">{l.members.length}</span>,
    });
  }

  const totalTitle = own ? t(k('contract.totalMine')) : memberName ? t(k('contract.totalMember'), { name: memberName }) : t(k('contract.total'));

  return (
    <Card
      size="small"
      style={{ marginBottom: 16 }}
      data-testid="vbp-contract"
      data-id={c.contract_id}
      data-contract-no={c.contract_no}
      title={
        <Space wrap size={[12, 0]}>
          <span data-testid="vbp-contract-no">{c.contract_no}</span>
          <span className="muted" style={{ fontWeight: 'normal' }}>
            {c.supplier_name}
          </span>
        </Space>
      }
    >
      <Space size={[40, 12]} wrap style={{ marginBottom: 12 }} data-testid="vbp-summary">
        <div style={{ minWidth: 240 }}>
          <div className="muted" data-testid="vbp-period">
            {t(k('contract.period'), { from: formatDate(c.valid_from), to: formatDate(c.valid_to) })}
          </div>
          <div className="muted">
            {t(k('contract.year'))}
            {multiYear ? ` · ${t(k('contract.yearNo'), { n: Math.floor(yearNo) })}` : ''}
          </div>
          <div data-testid="vbp-year">{t(k('contract.yearRange'), { from: formatDate(c.year_from), to: formatDate(c.year_to) })}</div>
          <div style={{ fontSize: 18, fontWeight: 600, color: VBP_COLORS.marker }} data-testid="vbp-pro-rata" data-value={c.pro_rata}>
            {t(k('contract.proRata'), { value: prText })}
          </div>
          <Progress percent={fractionOf(c.pro_rata) * 100} showInfo={false} size="small" strokeColor={VBP_COLORS.marker} aria-hidden />
          <div className="muted">{t(k('contract.days'), { elapsed: c.elapsed_days, days: c.year_days, date: formatDate(on) })}</div>
        </div>
        <Statistic
          title={
            <Tooltip title={t(k('contract.totalHint'))}>
              <span>
                {totalTitle} · {t(k('contract.progress'))} <QuestionCircleOutlined />
              </span>
            </Tooltip>
          }
          value={percent(total.progress, 1)}
          valueRender={() => (
            <span
              className="num"
              data-testid="vbp-total-progress"
              data-value={total.progress}
              style={{ color: total.agreed <= 0 ? undefined : total.behind ? VBP_COLORS.behind : VBP_COLORS.onTrack }}
            >
              {percent(total.progress, 1)}
            </span>
          )}
        />
        <Statistic
          title={`${totalTitle} · ${t(k('contract.purchased'))} / ${t(k('contract.agreed'))}`}
          value={total.purchased}
          valueRender={() => (
            <span className="num" data-testid="vbp-total-packs" data-purchased={total.purchased} data-agreed={total.agreed}>
              {packs(total.purchased)} / {packs(total.agreed)}
            </span>
          )}
        />
        <Statistic
          title={t(k('contract.lines'))}
          value={c.behind}
          valueRender={() => (
            <span className="num" data-testid="vbp-lines-behind" style={c.behind ? { color: VBP_COLORS.behind } : undefined}>
              {t(k('contract.linesValue'), { behind: c.behind, count: c.lines.length })}
            </span>
          )}
        />
      </Space>
      {total.purchased === 0 && c.lines.length > 0 ? (
        <Alert type="info" showIcon style={{ marginBottom: 12 }} title={t(k('contract.noPurchases'))} data-testid="vbp-no-purchases" />
      ) : null}
      <BehindAlert c={c} members={members} showMembers={wide} />

      <Card
        type="inner"
        size="small"
        style={{ marginBottom: 12 }}
        title={t(k('chart.title'))}
        extra={
          <Space wrap size={[8, 4]} className="no-print">
            {wide ? (
              <Segmented<ChartMode>
                size="small"
                value={mode}
                onChange={(v) => setChart('view', v === 'line' ? undefined : v)}
                data-testid="vbp-chart-mode"
                options={[
                  { value: 'line', label: <span data-testid="vbp-chart-mode-line">{t(k('chart.byLine'))}</span> },
                  { value: 'member', label: <span data-testid="vbp-chart-mode-member">{t(k('chart.byMember'))}</span> },
                ]}
              />
            ) : null}
            <Segmented<ChartSort>
              size="small"
              value={chartSort}
              onChange={(v) => setChart('sort', v === 'given' ? undefined : v)}
              data-testid="vbp-chart-sort"
              options={[
                { value: 'given', label: t(k('chart.sortGiven')) },
                { value: 'progress', label: <span data-testid="vbp-chart-sort-progress">{t(k('chart.sortProgress'))}</span> },
              ]}
            />
          </Space>
        }
      >
        {mode === 'member' ? (
          <div className="muted" style={{ marginBottom: 4, fontSize: 12 }}>
            {t(k('chart.byMemberHint'))}
          </div>
        ) : null}
        <VbpChart bars={sortBars(bars, chartSort)} proRata={c.pro_rata} />
      </Card>

      <Table<VbpLine>
        size="small"
        rowKey="entry_id"
        columns={columns}
        dataSource={lines}
        scroll={{ x: 980 }}
        data-testid="vbp-lines"
        locale={{ emptyText: t(k('emptyFiltered')) }}
        pagination={{ defaultPageSize: 20, pageSizeOptions: [20, 50, 100, 200], showSizeChanger: true, size: 'small', hideOnSinglePage: true }}
        onRow={(l) => ({ 'data-testid': 'vbp-line', 'data-entry': l.entry_id, 'data-behind': String(l.behind) }) as React.HTMLAttributes<HTMLElement>}
        expandable={
          wide
            ? {
                expandedRowKeys: expanded,
                onExpandedRowsChange: (keys) => setExpanded([...keys]),
                rowExpandable: (l) => l.members.length > 0,
                expandedRowRender: (l) => <MembersTable line={l} contract={c} order={order} />,
                expandIcon: ({ expanded: open, onExpand, record, expandable }) =>
                  expandable ? (
                    <Button
                      size="small"
                      type="text"
                      icon={open ? <MinusSquareOutlined /> : <PlusSquareOutlined />}
                      aria-label={`${t(k('expand'))}${t('common.colon')}${lineLabel(record.product)}`}
                      aria-expanded={open}
                      onClick={(e) => onExpand(record, e)}
                      data-testid="vbp-line-expand"
                    />
                  ) : null,
              }
            : undefined
        }
      />
    </Card>
  );
}

/** The CSV a spreadsheet opens as it is: UTF-8 with a BOM, plain numbers, percentages with one decimal. */
function toCsv(t: TFunction, data: VbpProgressData, lines: (c: VbpContract) => VbpLine[], withMembers: boolean, consortium: string): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const head = ['contract', 'supplier', 'yearFrom', 'yearTo', 'on', 'proRata', 'product', 'strength', 'form', 'manufacturer', 'unit', 'member', 'agreed', 'purchased', 'progress', 'target', 'short', 'behind'].map((h) =>
    t(k(`csv.${h}`)),
  );
  const rows: (string | number)[][] = [head];
  for (const c of data.contracts) {
    for (const l of lines(c)) {
      const row = (who: string, f: VbpFigure) => [
        c.contract_no,
        c.supplier_name,
        c.year_from,
        c.year_to,
        data.on,
        percent(c.pro_rata, 2),
        l.product.name_zh,
        l.product.strength,
        l.product.dosage_form,
        l.product.manufacturer,
        l.product.pack_unit,
        who,
        f.agreed,
        f.purchased,
        f.agreed > 0 ? percent(f.progress, 1) : '',
        proRataTarget(f.agreed, c.elapsed_days, c.year_days),
        shortOfProRata(f, c),
        f.agreed > 0 ? (f.behind ? t('common.yes') : t('common.no')) : '',
      ];
      rows.push(row(consortium, l));
      if (withMembers) for (const m of l.members) rows.push(row(m.institution_name, m));
    }
  }
  return `\uFEFF${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export default function VbpProgress() {
  const { t } = useTranslation();
  const me = useMe();
  const [params, setParams] = useSearchParams();

  const contractId = Number(params.get('contract_id')) || undefined;
  const institutionId = Number(params.get('institution_id')) || undefined;
  const onParam = params.get('on');
  const on = onParam && dayjs(onParam, DATE_FORMAT, true).isValid() ? onParam : undefined;
  const q = params.get('q') ?? '';
  const onlyBehind = params.get('behind') === '1';
  const chartMode: ChartMode = params.get('view') === 'member' ? 'member' : 'line';
  const chartSort: ChartSort = params.get('sort') === 'progress' ? 'progress' : 'given';
  const [typed, setTyped] = useState(q);

  const setFilter = (key: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const contracts = useQuery({
    queryKey: [CONTRACTS_KEY, { kind: 'vbp', limit: 200 }],
    queryFn: ({ signal }) => listContracts({ kind: 'vbp', limit: 200 }, signal),
    staleTime: 60_000,
  });
  const institutions = useQuery({ queryKey: ['stock-institutions'], queryFn: listMembers, staleTime: 5 * 60_000 });

  // Every member's figures (the member filter's choices come from them), and one member's when chosen.
  const base: VbpQuery = { contract_id: contractId, on };
  const all = useQuery({ queryKey: [VBP_KEY, base], queryFn: ({ signal }) => getVbpProgress(base, signal) });
  const oneQuery: VbpQuery = { ...base, institution_id: institutionId };
  const one = useQuery({
    queryKey: [VBP_KEY, oneQuery],
    queryFn: ({ signal }) => getVbpProgress(oneQuery, signal),
    enabled: institutionId != null,
  });
  const current = institutionId != null ? one : all;
  const data = current.data;

  // A member's pharmacist is answered with their own institution only: no member filter, no
  // per-member breakdown, and the page says whose figures they are.
  const answerMembers = useMemo(() => {
    const by = new Map<number, string>();
    for (const c of all.data?.contracts ?? []) for (const l of c.lines) for (const m of l.members) by.set(m.institution_id, m.institution_name);
    return [...by].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
  }, [all.data]);
  const severalInstitutions = (institutions.data?.length ?? 0) > 1 || answerMembers.length > 1;
  const own = !!all.data && !severalInstitutions && answerMembers.every((m) => m.id === me.institution?.id) && !!me.institution;
  const chosen = institutionId != null ? answerMembers.find((m) => m.id === institutionId) : undefined;
  const wide = !own && institutionId == null;
  const memberName = own ? me.institution?.name : chosen?.name;
  const filtered = !!(contractId || institutionId || on || q || onlyBehind);
  const linkProducts = can(me, 'read_formulary');
  const order = useMemo(() => new Map((institutions.data ?? []).map((i, n) => [i.id, n])), [institutions.data]);

  const contractOptions = (contracts.data?.items ?? []).map((c) => ({
    value: c.id,
    title: `${c.contract_no} ${c.supplier_name}`,
    label: (
      <span>
        {c.contract_no} <span className="muted">· {c.supplier_name} · {formatDate(c.valid_from)}~{formatDate(c.valid_to)}</span>
      </span>
    ),
  }));

  const exportCsv = () => {
    if (!data) return;
    const text = toCsv(t, data, (c) => c.lines.filter((l) => matches(l, q) && (!onlyBehind || l.behind)), wide, memberName ?? t(k('consortium')));
    download(`${t(k('exportFile'))}-${data.on}.csv`, text);
  };

  return (
    <>
      <PageTitle
        title={t(k('title'))}
        sub={t(k('sub'))}
        extra={
          <Button icon={<DownloadOutlined />} onClick={exportCsv} disabled={!data?.contracts.length} data-testid="vbp-export">
            {t(k('export'))}
          </Button>
        }
      />
      <Card size="small" style={{ marginBottom: 12 }}>
        <div style={{ display: 'flex', flexWrap: 'wrap', gap: '8px 12px', alignItems: 'center' }}>
          <Select
            allowClear
            showSearch={{ optionFilterProp: 'title' }}
            style={{ flex: '0 1 360px', minWidth: 0 }}
            placeholder={t(k('filter.allCurrent'))}
            value={contractId}
            onChange={(v?: number) => setFilter('contract_id', v ? String(v) : undefined)}
            loading={contracts.isPending}
            options={contractOptions}
            aria-label={t(k('filter.contract'))}
            data-testid="vbp-filter-contract"
          />
          {severalInstitutions && !own ? (
            <Select
              allowClear
              showSearch={{ optionFilterProp: 'title' }}
              style={{ flex: '0 1 240px', minWidth: 0 }}
              placeholder={t(k('filter.allMembers'))}
              value={institutionId}
              onChange={(v?: number) => setFilter('institution_id', v ? String(v) : undefined)}
              options={byOrder(answerMembers, order).map((m) => ({ value: m.id, title: m.name, label: m.name }))}
              aria-label={t(k('filter.member'))}
              data-testid="vbp-filter-member"
            />
          ) : null}
          <Input.Search
            allowClear
            style={{ flex: '0 1 260px', minWidth: 0 }}
            placeholder={t(k('filter.productPlaceholder'))}
            value={typed}
            onChange={(e) => {
              setTyped(e.target.value);
              if (!e.target.value) setFilter('q', undefined);
            }}
            onSearch={(v) => setFilter('q', v.trim() || undefined)}
            aria-label={t(k('filter.product'))}
            data-testid="vbp-filter-product"
          />
          <DatePicker
            format={DATE_FORMAT}
            placeholder={t(k('filter.on'))}
            value={on ? dayjs(on, DATE_FORMAT) : null}
            onChange={(d) => setFilter('on', d ? d.format(DATE_FORMAT) : undefined)}
            aria-label={t(k('filter.on'))}
            data-testid="vbp-filter-on"
          />
          <label style={{ whiteSpace: 'nowrap' }}>
            <Switch size="small" checked={onlyBehind} onChange={(v) => setFilter('behind', v ? '1' : undefined)} data-testid="vbp-filter-behind" />{' '}
            {t(k('filter.onlyBehind'))}
          </label>
          {filtered ? (
            <Button
              type="link"
              onClick={() => {
                setTyped('');
                setParams({}, { replace: true });
              }}
              data-testid="vbp-filter-clear"
            >
              {t(k('filter.clear'))}
            </Button>
          ) : null}
        </div>
      </Card>

      {own && memberName ? <Alert type="info" showIcon style={{ marginBottom: 12 }} title={t(k('mine'), { name: memberName })} data-testid="vbp-mine" /> : null}
      {!own && chosen ? <Alert type="info" showIcon style={{ marginBottom: 12 }} title={t(k('memberView'), { name: chosen.name })} data-testid="vbp-member-view" /> : null}
      <ErrorAlert error={current.error} onRetry={() => void current.refetch()} />
      {current.isPending && !current.error ? (
        <Card size="small" loading />
      ) : data && data.contracts.length === 0 ? (
        <Card size="small">
          <Empty
            data-testid="vbp-empty"
            description={on ? t(k('emptyOn'), { date: formatDate(on) }) : t(k('empty'))}
          />
        </Card>
      ) : (
        (data?.contracts ?? []).map((c) => (
          <ContractSection
            key={c.contract_id}
            c={c}
            on={data!.on}
            wide={wide}
            own={own}
            memberName={memberName}
            q={q}
            onlyBehind={onlyBehind}
            chartMode={chartMode}
            chartSort={chartSort}
            setChart={setFilter}
            linkProducts={linkProducts}
            order={order}
          />
        ))
      )}
    </>
  );
}
