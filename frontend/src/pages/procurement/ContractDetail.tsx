import { memo, useEffect, useMemo, useRef, useState } from 'react';
import {
  Alert,
  App,
  Button,
  Card,
  DatePicker,
  Descriptions,
  Empty,
  Form,
  Input,
  InputNumber,
  Radio,
  Result,
  Select,
  Skeleton,
  Space,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import type { TableProps } from 'antd';
import {
  ArrowLeftOutlined,
  CheckCircleFilled,
  CopyOutlined,
  DeleteOutlined,
  EditOutlined,
  ExclamationCircleFilled,
  MinusSquareOutlined,
  PlusSquareOutlined,
  SaveOutlined,
} from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useBlocker, useLocation, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import dayjs, { type Dayjs } from 'dayjs';
import {
  CONTRACTS_KEY,
  briefOf,
  canonicalPrice,
  contractKey,
  createContract,
  fromTenThousandths,
  getContract,
  lineAmount,
  listMembers,
  listSuppliers,
  normalizePrice,
  priceProblem,
  productLabel,
  updateContract,
  type Contract,
  type ContractInput,
  type ContractKind,
  type ContractLine,
  type ProductBrief,
  type StockInstitution,
} from '../../api/contracts';
import { searchEntries } from '../../api/formulary';
import { ApiError } from '../../api/problem';
import type { SearchHit } from '../../api/types';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { useDebounced } from '../../lib/hooks';
import { DATE_FORMAT, formatDateTime, formatMoney, formatPack } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import SearchBox from '../../components/SearchBox';
import ProductCell from '../../components/stock/ProductCell';
import { ContractKindTag, ContractStateTag, PeriodCell } from './Contracts';

const k = (key: string) => `procurement.contracts.${key}`;

/** A member as the shares show it (from /stock/institutions, or a line's volume when unknown there). */
interface Member {
  id: number;
  name: string;
  level?: StockInstitution['level'];
  parent_id?: number | null;
}

/** Members in blocks: the lead hospital alone, each township hospital with its villages. */
function memberGroups(members: Member[]): Member[][] {
  const groups: Member[][] = [];
  const byHead = new Map<number, Member[]>();
  for (const m of members) {
    const parent = m.level === 'village' && m.parent_id != null ? byHead.get(m.parent_id) : undefined;
    if (parent) parent.push(m);
    else {
      const g = [m];
      groups.push(g);
      byHead.set(m.id, g);
    }
  }
  return groups;
}

/** The members a contract's lines name, in the consortium's order when it is known. */
function membersOf(lines: ContractLine[], known: StockInstitution[] | undefined): Member[] {
  const named = new Map<number, string>();
  for (const l of lines) for (const v of l.volumes) named.set(v.institution_id, v.institution_name ?? `#${v.institution_id}`);
  const out: Member[] = (known ?? []).filter((i) => named.has(i.id));
  const seen = new Set(out.map((m) => m.id));
  for (const [id, name] of [...named].sort((a, b) => a[0] - b[0])) if (!seen.has(id)) out.push({ id, name });
  return out;
}

const pct = (part: number, whole: number) => (whole > 0 ? ((part * 100) / whole).toFixed(1).replace(/\.0$/, '') : '0');

/** Where the members' shares stand against the annual volume: red until they add up. */
function ShareSum({ annual, sum, testId = 'vbp-sum' }: { annual: number | null; sum: number; testId?: string }) {
  const { t } = useTranslation();
  if (annual == null || annual <= 0) {
    return (
      <Typography.Text type="secondary" data-testid={testId} data-ok="false" data-sum={sum} style={{ fontSize: 12 }}>
        {t(k('edit.noAnnual'))}
      </Typography.Text>
    );
  }
  const diff = annual - sum;
  const ok = diff === 0;
  return (
    <span data-testid={testId} data-ok={ok ? 'true' : 'false'} data-sum={sum} data-diff={diff} style={{ whiteSpace: 'nowrap' }}>
      <Typography.Text type={ok ? 'success' : 'danger'} className="num">
        {ok ? <CheckCircleFilled /> : <ExclamationCircleFilled />} {t(k('edit.sum'), { sum, annual })}
      </Typography.Text>
      <Typography.Text type={ok ? 'success' : 'danger'} style={{ marginInlineStart: 6, fontSize: 12 }}>
        {ok ? t(k('edit.sumOk')) : diff > 0 ? t(k('edit.sumUnder'), { count: diff }) : t(k('edit.sumOver'), { count: -diff })}
      </Typography.Text>
    </span>
  );
}

/** A grid of blocks (a township with its villages), each member a row. */
function MemberGrid({ groups, cell }: { groups: Member[][]; cell: (m: Member) => React.ReactNode }) {
  return (
    <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(300px, 1fr))', gap: 8 }}>
      {groups.map((g) => (
        <div key={g[0].id} style={{ border: '1px solid #eef0f2', borderRadius: 6, padding: '6px 10px', background: '#fff' }}>
          {g.map((m, i) => (
            <div
              key={m.id}
              style={{
                display: 'flex',
                alignItems: 'center',
                justifyContent: 'space-between',
                gap: 8,
                padding: '3px 0',
                paddingInlineStart: i === 0 ? 0 : 14,
              }}
            >
              <span
                style={{ minWidth: 0, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', fontWeight: i === 0 ? 600 : 400 }}
                title={m.name}
              >
                {m.name}
              </span>
              {cell(m)}
            </div>
          ))}
        </div>
      ))}
    </div>
  );
}

/** Lines whose product the text names: locally (name, manufacturer) or by the formulary's pinyin search. */
function useLineFilter<L extends { entry_id: number; product: ProductBrief }>(lines: L[], text: string): L[] {
  const q = useDebounced(text.trim(), 200);
  const search = useQuery({
    queryKey: ['contract-line-search', q],
    queryFn: ({ signal }) => searchEntries({ q, limit: 100 }, signal),
    enabled: q.length > 0,
    staleTime: 60_000,
  });
  return useMemo(() => {
    if (!q) return lines;
    const needle = q.toLowerCase();
    const hits = new Set((search.data?.items ?? []).map((h) => h.entry.id));
    return lines.filter((l) => {
      const p = l.product;
      return hits.has(l.entry_id) || [p.name_zh, p.name_en, p.manufacturer, p.strength].some((s) => s?.toLowerCase().includes(needle));
    });
  }, [lines, q, search.data]);
}

// ---------------------------------------------------------------------------------------------
// Reading a contract.

function ContractView({ contract, members }: { contract: Contract; members: StockInstitution[] | undefined }) {
  const { t } = useTranslation();
  const me = useMe();
  const vbp = contract.kind === 'vbp';
  const [text, setText] = useState('');
  const [expanded, setExpanded] = useState<React.Key[]>([]);
  const lines = contract.lines;
  const visible = useLineFilter(lines, text);
  const index = useMemo(() => new Map(lines.map((l, i) => [l.id, i + 1])), [lines]);
  const allMembers = useMemo(() => membersOf(lines, members), [lines, members]);
  const mine = me.institution?.id;
  const showMine = vbp && mine != null && lines.some((l) => l.volumes.some((v) => v.institution_id === mine));
  const withShares = lines.filter((l) => l.volumes.length > 0).map((l) => l.id);

  const columns: TableProps<ContractLine>['columns'] = [
    { title: t(k('detail.col.no')), key: 'no', width: 56, render: (_: unknown, l) => <span className="num muted">{index.get(l.id)}</span> },
    { title: t(k('detail.col.product')), key: 'product', render: (_: unknown, l) => <ProductCell product={l.product} /> },
    { title: t(k('detail.col.pack')), key: 'pack', width: 120, render: (_: unknown, l) => formatPack(l.product) },
    {
      title: t(k('detail.col.price')),
      dataIndex: 'price',
      width: 140,
      align: 'right',
      render: (p: string) => (
        <span className="num" data-testid="line-price-view" data-price={p}>
          {formatMoney(p)}
        </span>
      ),
    },
    ...(vbp
      ? [
          {
            title: t(k('detail.col.annual')),
            key: 'annual',
            width: 150,
            align: 'right' as const,
            render: (_: unknown, l: ContractLine) => (
              <span className="num" data-testid="line-annual-view">
                {l.annual_volume ?? '—'}
              </span>
            ),
          },
          ...(showMine
            ? [
                {
                  title: me.institution!.name,
                  key: 'mine',
                  width: 150,
                  align: 'right' as const,
                  render: (_: unknown, l: ContractLine) => {
                    const v = l.volumes.find((x) => x.institution_id === mine);
                    return v ? (
                      <strong className="num" data-testid="line-mine">
                        {v.packs}
                      </strong>
                    ) : (
                      <span className="muted">—</span>
                    );
                  },
                },
              ]
            : []),
          {
            title: t(k('detail.col.members')),
            key: 'members',
            width: 100,
            align: 'right' as const,
            render: (_: unknown, l: ContractLine) => <span className="num">{t(k('detail.membersCount'), { count: l.volumes.length })}</span>,
          },
          {
            title: t(k('detail.col.amount')),
            key: 'amount',
            width: 140,
            align: 'right' as const,
            render: (_: unknown, l: ContractLine) =>
              l.annual_volume ? <span className="num">{formatMoney(fromTenThousandths(lineAmount(l.price, l.annual_volume)))}</span> : '—',
          },
        ]
      : []),
  ];

  return (
    <Card
      size="small"
      title={t(k('detail.lines'), { count: lines.length })}
      extra={
        <Space wrap>
          {vbp && withShares.length ? (
            expanded.length ? (
              <Button size="small" onClick={() => setExpanded([])}>
                {t(k('detail.collapseAll'))}
              </Button>
            ) : (
              <Button size="small" onClick={() => setExpanded(withShares)} data-testid="expand-all">
                {t(k('detail.expandAll'))}
              </Button>
            )
          ) : null}
          <Input.Search
            allowClear
            size="small"
            style={{ width: 300 }}
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder={t(k('detail.lineSearch'))}
            data-testid="line-search"
          />
        </Space>
      }
    >
      <Table<ContractLine>
        size="small"
        rowKey="id"
        columns={columns}
        dataSource={visible}
        scroll={{ x: 900 }}
        sticky={{ offsetHeader: 52 }}
        data-testid="line-table"
        pagination={{ defaultPageSize: 50, pageSizeOptions: [50, 100, 200], showSizeChanger: true, hideOnSinglePage: true }}
        locale={{ emptyText: lines.length ? t(k('detail.noMatch')) : t(k('detail.noLines')) }}
        onRow={(l) => ({ 'data-testid': 'line-row', 'data-entry': l.entry_id }) as React.HTMLAttributes<HTMLElement>}
        expandable={
          vbp
            ? {
                expandedRowKeys: expanded,
                onExpandedRowsChange: (keys) => setExpanded([...keys]),
                rowExpandable: (l) => l.volumes.length > 0,
                expandedRowRender: (l) => {
                  const byId = new Map(l.volumes.map((v) => [v.institution_id, v.packs]));
                  const groups = memberGroups(allMembers.filter((m) => byId.has(m.id)));
                  return (
                    <div data-testid="line-shares">
                      <div className="muted" style={{ marginBottom: 6 }}>
                        {t(k('detail.shares'))}
                      </div>
                      <MemberGrid
                        groups={groups}
                        cell={(m) => (
                          <span style={{ whiteSpace: 'nowrap' }} data-testid="share-view" data-institution={m.id}>
                            <strong className="num" style={m.id === mine ? { color: '#1668dc' } : undefined}>
                              {byId.get(m.id)}
                            </strong>
                            <span className="muted" style={{ marginInlineStart: 6, display: 'inline-block', width: 44, textAlign: 'right' }}>
                              {t(k('detail.sharePct'), { pct: pct(byId.get(m.id) ?? 0, l.annual_volume ?? 0) })}
                            </span>
                          </span>
                        )}
                      />
                    </div>
                  );
                },
              }
            : undefined
        }
      />
    </Card>
  );
}

function ContractHeader({ contract }: { contract: Contract }) {
  const { t } = useTranslation();
  const vbp = contract.kind === 'vbp';
  const total = vbp
    ? contract.lines.reduce((s, l) => (l.annual_volume ? s + lineAmount(l.price, l.annual_volume) : s), 0n)
    : null;
  return (
    <Card size="small" style={{ marginBottom: 12 }}>
      <Descriptions size="small" column={{ xs: 1, md: 2, xl: 3 }} data-testid="contract-header">
        <Descriptions.Item label={t(k('detail.supplier'))}>
          <span data-testid="header-supplier">{contract.supplier_name}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t(k('detail.contractNo'))}>
          <span data-testid="header-contract-no">{contract.contract_no}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t(k('detail.kind'))}>
          <ContractKindTag kind={contract.kind} />
        </Descriptions.Item>
        <Descriptions.Item label={t(k('detail.period'))}>
          <PeriodCell from={contract.valid_from} to={contract.valid_to} state={contract.state} />
        </Descriptions.Item>
        <Descriptions.Item label={t(k('detail.state'))}>
          <ContractStateTag state={contract.state} />
        </Descriptions.Item>
        <Descriptions.Item label={t(k('detail.lineCount'))}>
          <span className="num" data-testid="header-lines">
            {contract.line_count}
          </span>
        </Descriptions.Item>
        {total != null ? (
          <Descriptions.Item label={<Tooltip title={t(k('detail.amountHint'))}>{t(k('detail.amount'))}</Tooltip>}>
            <span className="num" data-testid="header-amount">
              {formatMoney(fromTenThousandths(total))}
            </span>
          </Descriptions.Item>
        ) : null}
        <Descriptions.Item label={t(k('detail.note'))}>{contract.note || '—'}</Descriptions.Item>
        <Descriptions.Item label={t(k('detail.updatedAt'))}>
          {contract.created_by ? `${t(k('detail.createdBy'))} ${contract.created_by} · ` : ''}
          {formatDateTime(contract.updated_at)}
        </Descriptions.Item>
      </Descriptions>
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------
// Editing a contract (or writing a new one).

interface DraftLine {
  key: string;
  entry_id: number;
  product: ProductBrief;
  /** As typed (normalised when sent). */
  price: string;
  annual: number | null;
  /** Packs per member id. */
  shares: Record<number, number | null>;
  added: boolean;
  /** The formulary's price, a hint for a new line. */
  catalogPrice?: string;
}

interface HeaderValues {
  supplier_id?: number;
  contract_no?: string;
  kind: ContractKind;
  valid_from?: Dayjs | null;
  valid_to?: Dayjs | null;
  note?: string;
}

const HEADER_FIELDS = ['supplier_id', 'contract_no', 'kind', 'valid_from', 'valid_to', 'note'] as const;

const draftOf = (l: ContractLine, key?: string): DraftLine => ({
  key: key ?? `l${l.id}`,
  entry_id: l.entry_id,
  product: l.product,
  price: l.price,
  annual: l.annual_volume ?? null,
  shares: Object.fromEntries(l.volumes.map((v) => [v.institution_id, v.packs])),
  added: false,
});

const shareSum = (l: DraftLine) => Object.values(l.shares).reduce<number>((s, v) => s + (v ?? 0), 0);

/** What would be sent for a line (also what "changed" compares). */
function lineInput(l: DraftLine, vbp: boolean): ContractInput['lines'][number] {
  const price = normalizePrice(l.price);
  return {
    entry_id: l.entry_id,
    price: priceProblem(price) ? price : canonicalPrice(price),
    ...(vbp
      ? {
          annual_volume: l.annual,
          volumes: Object.entries(l.shares)
            .filter(([, p]) => (p ?? 0) > 0)
            .map(([id, p]) => ({ institution_id: Number(id), packs: p! }))
            .sort((a, b) => a.institution_id - b.institution_id),
        }
      : {}),
  };
}

function headerInput(v: HeaderValues): Omit<ContractInput, 'lines'> {
  return {
    supplier_id: v.supplier_id ?? 0,
    contract_no: (v.contract_no ?? '').trim(),
    kind: v.kind,
    valid_from: v.valid_from ? v.valid_from.format(DATE_FORMAT) : '',
    valid_to: v.valid_to ? v.valid_to.format(DATE_FORMAT) : '',
    note: v.note?.trim() || null,
  };
}

type LineField = 'price' | 'annual' | 'shares';
interface LineProblem {
  key: string;
  field: LineField;
  message: string;
}

/** What the client sees wrong with the lines before sending them (the server checks again). */
function lineProblems(lines: DraftLine[], vbp: boolean, t: TFunction): LineProblem[] {
  const out: LineProblem[] = [];
  for (const l of lines) {
    const p = priceProblem(normalizePrice(l.price));
    if (p) {
      const key = { required: 'priceRequired', format: 'priceFormat', decimals: 'priceDecimals', zero: 'priceZero' }[p];
      out.push({ key: l.key, field: 'price', message: t(k(`edit.problem.${key}`)) });
    }
    if (!vbp) continue;
    if (l.annual == null) out.push({ key: l.key, field: 'annual', message: t(k('edit.problem.annualRequired')) });
    else if (l.annual <= 0) out.push({ key: l.key, field: 'annual', message: t(k('edit.problem.annualZero')) });
    else {
      const sum = shareSum(l);
      if (sum !== l.annual) {
        out.push({
          key: l.key,
          field: 'shares',
          message: t(k('edit.problem.sharesMismatch'), { sum, annual: l.annual, diff: l.annual - sum }),
        });
      }
    }
  }
  return out;
}

/** The line a refusal names by its product ("阿卡波糖 50mg：…", "阿卡波糖 50mg is in contract …"). */
function lineNamedIn(detail: string, lines: DraftLine[]): DraftLine | undefined {
  let best: DraftLine | undefined;
  let len = 0;
  for (const l of lines) {
    const label = productLabel(l.product);
    if (label && detail.startsWith(label) && label.length > len) {
      best = l;
      len = label.length;
    }
  }
  return best;
}

interface RowActions {
  update: (key: string, patch: Partial<DraftLine> | ((l: DraftLine) => Partial<DraftLine>)) => void;
  remove: (key: string) => void;
  toggle: (key: string) => void;
  afterPrice: (key: string) => void;
  afterAnnual: (key: string) => void;
  afterShare: (key: string, member: number) => void;
  paste: (key: string, member: number, text: string) => boolean;
}

const errorText = (msgs: string[]) =>
  msgs.length ? (
    <div style={{ color: '#c0392b', fontSize: 12, lineHeight: 1.4, marginTop: 2 }} data-testid="line-error">
      {msgs.join('；')}
    </div>
  ) : null;

/**
 * One line of the editor (and its shares when open). Memoised: typing in one line re-renders
 * that line only, not a contract's hundred.
 */
const LineRow = memo(function LineRow({
  line: l,
  n,
  vbp,
  tried,
  open,
  flash,
  errors,
  groups,
  columns,
  actions,
}: {
  line: DraftLine;
  n: number;
  vbp: boolean;
  tried: boolean;
  open: boolean;
  flash: boolean;
  errors: string[] | undefined;
  groups: Member[][];
  columns: number;
  actions: RowActions;
}) {
  const { t } = useTranslation();
  const problems = lineProblems([l], vbp, t);
  const of = (field: LineField) => problems.filter((p) => p.field === field);
  const price = normalizePrice(l.price);
  // A price being typed is checked as typed; an empty one only once saving was tried.
  const priceShown = of('price').filter(() => tried || (price !== '' && priceProblem(price) !== 'required'));
  const annualShown = tried ? of('annual') : [];
  const sum = shareSum(l);
  const members = Object.values(l.shares).filter((v) => (v ?? 0) > 0).length;
  const amount = !priceProblem(price) && l.annual && l.annual > 0 ? lineAmount(price, l.annual) : null;
  const cls = flash ? 'ce-flash' : tried && (problems.length || errors?.length) ? 'ce-problem' : '';
  return (
    <>
      <tr data-testid="line-row" data-entry={l.entry_id} className={cls}>
        {vbp ? (
          <td className="ce-narrow">
            <Button
              size="small"
              type="text"
              icon={open ? <MinusSquareOutlined /> : <PlusSquareOutlined />}
              onClick={() => actions.toggle(l.key)}
              aria-label={t(k('edit.openShares'))}
              aria-expanded={open}
            />
          </td>
        ) : null}
        <td className="ce-narrow">
          <span className="num muted">{n}</span>
        </td>
        <td>
          <ProductCell product={l.product} />
          {l.added ? (
            <Tag color="gold" style={{ marginTop: 2 }}>
              {t(k('edit.added'))}
            </Tag>
          ) : null}
          {errorText(errors ?? [])}
        </td>
        <td>{formatPack(l.product)}</td>
        <td>
          <Input
            size="small"
            inputMode="decimal"
            value={l.price}
            status={priceShown.length ? 'error' : undefined}
            placeholder={l.catalogPrice ? t(k('edit.catalogPrice'), { price: l.catalogPrice }) : t(k('edit.pricePlaceholder'))}
            onChange={(e) => actions.update(l.key, { price: e.target.value })}
            onBlur={() => {
              const v = normalizePrice(l.price);
              if (v !== l.price) actions.update(l.key, { price: v });
            }}
            onFocus={(e) => e.target.select()}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                actions.afterPrice(l.key);
              }
            }}
            style={{ width: 130, textAlign: 'right' }}
            aria-label={`${productLabel(l.product)} ${t(k('detail.col.price'))}`}
            data-testid="line-price"
            data-line={l.key}
            data-field="price"
          />
          {errorText(priceShown.map((x) => x.message))}
        </td>
        {vbp ? (
          <>
            <td>
              <InputNumber
                size="small"
                min={0}
                precision={0}
                controls={false}
                value={l.annual}
                status={annualShown.length ? 'error' : undefined}
                placeholder={t(k('edit.annualPlaceholder'))}
                onChange={(v) => actions.update(l.key, { annual: v ?? null })}
                onFocus={(e) => e.target.select()}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') {
                    e.preventDefault();
                    actions.afterAnnual(l.key);
                  }
                }}
                style={{ width: 120 }}
                aria-label={`${productLabel(l.product)} ${t(k('detail.col.annual'))}`}
                data-testid="line-annual"
                data-line={l.key}
                data-field="annual"
              />
              {errorText(annualShown.map((x) => x.message))}
            </td>
            <td>
              <ShareSum annual={l.annual} sum={sum} />
              <div>
                <Button
                  size="small"
                  type="link"
                  style={{ padding: 0, height: 'auto' }}
                  onClick={() => actions.toggle(l.key)}
                  data-testid="line-shares-toggle"
                >
                  {t(k('edit.openShares'))}
                  {members ? ` · ${t(k('detail.membersCount'), { count: members })}` : ''}
                </Button>
              </div>
            </td>
            <td style={{ textAlign: 'right' }}>
              {amount != null ? <span className="num">{formatMoney(fromTenThousandths(amount))}</span> : <span className="muted">—</span>}
            </td>
          </>
        ) : null}
        <td>
          <Button
            size="small"
            type="text"
            danger
            icon={<DeleteOutlined />}
            onClick={() => actions.remove(l.key)}
            aria-label={`${t(k('edit.remove'))} ${productLabel(l.product)}`}
            data-testid="line-remove"
          >
            {t(k('edit.remove'))}
          </Button>
        </td>
      </tr>
      {vbp && open ? (
        <tr className="ce-expanded">
          <td colSpan={columns}>
            <div data-testid="vbp-grid" data-line={l.key} style={{ padding: '4px 0' }}>
              <Space wrap style={{ marginBottom: 8, width: '100%', justifyContent: 'space-between' }}>
                <Space wrap>
                  <Typography.Text strong>{t(k('edit.sharesTitle'), { name: productLabel(l.product) })}</Typography.Text>
                  <ShareSum annual={l.annual} sum={sum} testId="vbp-sum-panel" />
                </Space>
                <Button size="small" onClick={() => actions.update(l.key, { shares: {} })} data-testid="shares-clear">
                  {t(k('edit.clearShares'))}
                </Button>
              </Space>
              <MemberGrid
                groups={groups}
                cell={(m) => (
                  <Space size={4} style={{ flex: 'none' }}>
                    <InputNumber
                      size="small"
                      min={0}
                      precision={0}
                      controls={false}
                      value={l.shares[m.id] ?? null}
                      onChange={(v) => actions.update(l.key, (cur) => ({ shares: { ...cur.shares, [m.id]: v ?? null } }))}
                      onFocus={(e) => e.target.select()}
                      onKeyDown={(e) => {
                        if (e.key === 'Enter') {
                          e.preventDefault();
                          actions.afterShare(l.key, m.id);
                        }
                      }}
                      onPaste={(e) => {
                        if (actions.paste(l.key, m.id, e.clipboardData.getData('text'))) e.preventDefault();
                      }}
                      onDoubleClick={() => {
                        if (l.annual == null) return;
                        const others = sum - (l.shares[m.id] ?? 0);
                        if (l.annual - others >= 0) actions.update(l.key, (cur) => ({ shares: { ...cur.shares, [m.id]: l.annual! - others } }));
                      }}
                      style={{ width: 96 }}
                      aria-label={m.name}
                      data-testid="vbp-share"
                      data-line={l.key}
                      data-share={m.id}
                    />
                    <span className="muted" style={{ width: 40, textAlign: 'right', display: 'inline-block' }}>
                      {l.annual && l.shares[m.id] ? `${pct(l.shares[m.id]!, l.annual)}%` : ''}
                    </span>
                  </Space>
                )}
              />
              <div className="muted" style={{ marginTop: 6 }}>
                {t(k('edit.pasteHint'))} {t(k('edit.fillRest'))}
              </div>
            </div>
          </td>
        </tr>
      ) : null}
    </>
  );
});

const EDITOR_CSS = `
.ce-table { width: 100%; border-collapse: separate; border-spacing: 0; }
.ce-table th { position: sticky; top: 52px; z-index: 3; background: #fafafa; font-weight: 600; text-align: start;
  padding: 8px; border-bottom: 1px solid #f0f0f0; white-space: nowrap; }
.ce-table td { padding: 6px 8px; border-bottom: 1px solid #f0f0f0; vertical-align: middle; }
.ce-table td.ce-narrow { width: 1%; white-space: nowrap; }
.ce-table tr.ce-flash > td { background: #e6f4ff; transition: background .3s; }
.ce-table tr.ce-problem > td { background: #fff1f0; }
.ce-table tr.ce-expanded > td { background: #fafafa; }
`;

function ContractEditor({
  contract,
  copyOf,
  members,
  onSaved,
  onCancel,
  onReload,
}: {
  /** The contract edited; none for a new one. */
  contract: Contract | null;
  /** A contract whose content a new one starts from (its number and period left empty). */
  copyOf?: Contract | null;
  members: StockInstitution[];
  onSaved: (c: Contract, created: boolean) => void;
  onCancel: () => void;
  /** The contract as now stored, after someone else changed it. */
  onReload: (c: Contract) => void;
}) {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const [form] = Form.useForm<HeaderValues>();
  const source = contract ?? copyOf ?? null;

  const initialHeader: HeaderValues = useMemo(
    () =>
      contract
        ? {
            supplier_id: contract.supplier_id,
            contract_no: contract.contract_no,
            kind: contract.kind,
            valid_from: dayjs(contract.valid_from),
            valid_to: dayjs(contract.valid_to),
            note: contract.note ?? '',
          }
        : copyOf
          ? { supplier_id: copyOf.supplier_id, kind: copyOf.kind, note: copyOf.note ?? '', contract_no: '', valid_from: null, valid_to: null }
          : { kind: 'ordinary', contract_no: '', note: '', valid_from: null, valid_to: null },
    [contract, copyOf],
  );
  const [lines, setLines] = useState<DraftLine[]>(() => (source ? source.lines.map((l) => draftOf(l, contract ? undefined : `n${l.entry_id}`)) : []));
  const initialLines = useMemo(
    () => JSON.stringify((contract?.lines ?? []).map((l) => lineInput(draftOf(l), contract?.kind === 'vbp'))),
    [contract],
  );

  const kind = (Form.useWatch('kind', form) ?? initialHeader.kind) as ContractKind;
  const vbp = kind === 'vbp';
  const watched = Form.useWatch([], form) as HeaderValues | undefined;

  const [expanded, setExpanded] = useState<React.Key[]>([]);
  const [tried, setTried] = useState(false);
  const [serverLineErrors, setServerLineErrors] = useState<Record<string, string[]>>({});
  const [saveError, setSaveError] = useState<unknown>(null);
  const [focusTarget, setFocusTarget] = useState<string | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const [searchKey, setSearchKey] = useState(0);
  const searchWrap = useRef<HTMLDivElement>(null);
  const savedRef = useRef(false);

  const suppliers = useQuery({ queryKey: ['suppliers', 'all'], queryFn: () => listSuppliers(), staleTime: 5 * 60_000 });

  // Every member of the consortium, plus any a line names that the list does not.
  const allMembers: Member[] = useMemo(() => {
    const out: Member[] = [...members];
    const seen = new Set(out.map((m) => m.id));
    for (const l of source?.lines ?? [])
      for (const v of l.volumes)
        if (!seen.has(v.institution_id)) {
          seen.add(v.institution_id);
          out.push({ id: v.institution_id, name: v.institution_name ?? `#${v.institution_id}` });
        }
    return out;
  }, [members, source]);
  const groups = useMemo(() => memberGroups(allMembers), [allMembers]);
  const order = useMemo(() => groups.flat(), [groups]);

  const problems = useMemo(() => lineProblems(lines, vbp, t), [lines, vbp, t]);

  const header = watched ?? initialHeader;
  const dirty =
    !savedRef.current &&
    (JSON.stringify(headerInput({ ...initialHeader, ...header })) !== JSON.stringify(headerInput(initialHeader)) ||
      JSON.stringify(lines.map((l) => lineInput(l, vbp))) !== initialLines ||
      (!contract && lines.length > 0));
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;

  // Focus moves where Enter sends it, once the row (or its shares) is on screen.
  useEffect(() => {
    if (!focusTarget) return;
    const el =
      focusTarget === 'search'
        ? searchWrap.current?.querySelector<HTMLInputElement>('input')
        : document.querySelector<HTMLInputElement>(focusTarget);
    if (el) {
      el.focus();
      el.select?.();
      setFocusTarget(null);
    }
  });
  useEffect(() => {
    if (!flash) return;
    const id = setTimeout(() => setFlash(null), 1800);
    return () => clearTimeout(id);
  }, [flash]);

  const sel = (key: string, field: 'price' | 'annual') => `input[data-line="${key}"][data-field="${field}"]`;
  const shareSel = (key: string, member: number) => `input[data-line="${key}"][data-share="${member}"]`;

  const update = (key: string, patch: Partial<DraftLine> | ((l: DraftLine) => Partial<DraftLine>)) => {
    setLines((prev) => prev.map((l) => (l.key === key ? { ...l, ...(typeof patch === 'function' ? patch(l) : patch) } : l)));
    setServerLineErrors((prev) => (prev[key] ? Object.fromEntries(Object.entries(prev).filter(([x]) => x !== key)) : prev));
  };

  const addHit = (hit: SearchHit) => {
    const e = hit.entry;
    setSearchKey((n) => n + 1);
    const existing = lines.find((l) => l.entry_id === e.id);
    if (existing) {
      void message.info(t(k('edit.alreadyIn'), { name: productLabel(existing.product) }));
      setFlash(existing.key);
      setFocusTarget(sel(existing.key, 'price'));
      return;
    }
    const line: DraftLine = {
      key: `n${e.id}`,
      entry_id: e.id,
      product: briefOf(e),
      price: '',
      annual: null,
      shares: {},
      added: true,
      catalogPrice: e.unit_price,
    };
    // New lines on top, where the search is; the server keeps its own order once saved.
    setLines((prev) => [line, ...prev]);
    setFlash(line.key);
    setFocusTarget(sel(line.key, 'price'));
  };

  const openShares = (key: string) => setExpanded((prev) => (prev.includes(key) ? prev : [...prev, key]));

  // The rows' handlers: one stable object calling the latest closures (rows are memoised).
  const latest = {
    update,
    remove: (key: string) => {
      setLines((prev) => prev.filter((l) => l.key !== key));
      setExpanded((prev) => prev.filter((x) => x !== key));
    },
    toggle: (key: string) => setExpanded((prev) => (prev.includes(key) ? prev.filter((x) => x !== key) : [...prev, key])),
    afterPrice: (key: string) => setFocusTarget(vbp ? sel(key, 'annual') : 'search'),
    afterAnnual: (key: string) => {
      openShares(key);
      if (order[0]) setFocusTarget(shareSel(key, order[0].id));
    },
    afterShare: (key: string, member: number) => {
      const i = order.findIndex((m) => m.id === member);
      const next = order[i + 1];
      setFocusTarget(next ? shareSel(key, next.id) : 'search');
    },
    /** Numbers pasted from Excel (a column or a row) fill this member and the ones after it. */
    paste: (key: string, member: number, text: string): boolean => {
      const cells = text
        .split(/[\t\r\n]+/)
        .map((x) => x.replace(/[,，\s]/g, ''))
        .filter((x) => x !== '');
      if (cells.length < 2 || !cells.every((x) => /^\d+$/.test(x))) return false;
      const start = order.findIndex((m) => m.id === member);
      update(key, (cur) => {
        const shares = { ...cur.shares };
        cells.forEach((x, j) => {
          const m = order[start + j];
          if (m) shares[m.id] = Number(x);
        });
        return { shares };
      });
      return true;
    },
  };
  const latestRef = useRef(latest);
  latestRef.current = latest;
  const actions: RowActions = useMemo(
    () => ({
      update: (...a) => latestRef.current.update(...a),
      remove: (...a) => latestRef.current.remove(...a),
      toggle: (...a) => latestRef.current.toggle(...a),
      afterPrice: (...a) => latestRef.current.afterPrice(...a),
      afterAnnual: (...a) => latestRef.current.afterAnnual(...a),
      afterShare: (...a) => latestRef.current.afterShare(...a),
      paste: (...a) => latestRef.current.paste(...a),
    }),
    [],
  );

  const save = useMutation({
    mutationFn: (body: ContractInput) => (contract ? updateContract(contract.id, contract.version, body) : createContract(body)),
    onMutate: () => {
      setSaveError(null);
      setServerLineErrors({});
    },
    onSuccess: (c) => {
      savedRef.current = true;
      void message.success(t(k(contract ? 'edit.updated' : 'edit.created'), { no: c.contract_no }));
      onSaved(c, !contract);
    },
    onError: async (err) => {
      if (!(err instanceof ApiError)) {
        setSaveError(err);
        return;
      }
      // A 409 without a field: the contract changed since it was read, or a product is in
      // another contract over the same days. Which one, the stored version tells.
      if (err.status === 409 && err.errors.length === 0 && contract) {
        const now = await getContract(contract.id).catch(() => null);
        if (now && now.version !== contract.version) {
          modal.confirm({
            title: t(k('edit.staleTitle')),
            content: t(k('edit.staleBody'), { at: formatDateTime(now.updated_at) }),
            okText: t(k('edit.staleReload')),
            cancelText: t(k('edit.staleStay')),
            okButtonProps: { 'data-testid': 'stale-reload' } as never,
            onOk: () => {
              savedRef.current = true;
              onReload(now);
            },
          });
          setSaveError(err);
          return;
        }
      }
      // Field errors go under their fields; a line's under the line.
      const sent = lines.map((l) => l.key);
      const perLine: Record<string, string[]> = {};
      const headerFields: { name: (typeof HEADER_FIELDS)[number]; errors: string[] }[] = [];
      let rest = 0;
      for (const e of err.errors) {
        const m = /^lines\[(\d+)\]/.exec(e.field);
        if (m && sent[Number(m[1])]) (perLine[sent[Number(m[1])]] ??= []).push(e.message);
        else if ((HEADER_FIELDS as readonly string[]).includes(e.field))
          headerFields.push({ name: e.field as (typeof HEADER_FIELDS)[number], errors: [e.message] });
        else rest++;
      }
      // A rule (O5) or a clash names the product.
      if (err.errors.length === 0 && err.detail) {
        const named = lineNamedIn(err.detail, lines);
        if (named) (perLine[named.key] ??= []).push(err.detail);
      }
      if (headerFields.length) form.setFields(headerFields);
      setServerLineErrors(perLine);
      const first = Object.keys(perLine)[0];
      if (first) {
        setFlash(first);
        setFocusTarget(sel(first, 'price'));
      }
      // Said in the alert too unless every message sits under its header field.
      if (rest > 0 || err.errors.length === 0 || Object.keys(perLine).length) setSaveError(err);
    },
  });

  const submit = async () => {
    setTried(true);
    let v: HeaderValues;
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
    if (lines.length === 0) {
      setSaveError(new Error(t(k('edit.noLines'))));
      setFocusTarget('search');
      return;
    }
    if (problems.length) {
      const first = problems[0];
      const l = lines.find((x) => x.key === first.key)!;
      setFlash(first.key);
      if (first.field === 'shares') {
        openShares(l.key);
        if (order[0]) setFocusTarget(shareSel(l.key, order[0].id));
      } else setFocusTarget(sel(l.key, first.field));
      return;
    }
    save.mutate({ ...headerInput(v), lines: lines.map((l) => lineInput(l, v.kind === 'vbp')) });
  };
  const submitRef = useRef(submit);
  submitRef.current = submit;

  // Ctrl+S saves.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
        e.preventDefault();
        void submitRef.current();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // Unsaved changes are not lost by leaving the page.
  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirtyRef.current && !savedRef.current && currentLocation.pathname !== nextLocation.pathname);
  useEffect(() => {
    if (blocker.state !== 'blocked') return;
    modal.confirm({
      title: t(k('edit.leaveTitle')),
      content: t(k('edit.leaveBody')),
      okText: t(k('edit.leaveOk')),
      cancelText: t(k('edit.stay')),
      okButtonProps: { danger: true },
      onOk: () => blocker.proceed(),
      onCancel: () => blocker.reset(),
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [blocker.state]);
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const cancel = () => {
    if (!dirty) return onCancel();
    modal.confirm({
      title: t(k('edit.leaveTitle')),
      content: t(k('edit.leaveBody')),
      okText: t(k('edit.leaveOk')),
      cancelText: t(k('edit.stay')),
      okButtonProps: { danger: true, 'data-testid': 'discard-confirm' } as never,
      onOk: () => {
        savedRef.current = true;
        onCancel();
      },
    });
  };

  const lineIndex = new Map(lines.map((l, i) => [l.key, i + 1]));
  const total = vbp
    ? lines.reduce((s, l) => {
        const p = normalizePrice(l.price);
        return !priceProblem(p) && l.annual && l.annual > 0 ? s + lineAmount(p, l.annual) : s;
      }, 0n)
    : null;

  const supplierOptions = (suppliers.data ?? [])
    .filter((s) => s.active || s.id === initialHeader.supplier_id)
    .map((s) => ({
      value: s.id,
      title: `${s.name} ${s.uscc}`,
      label: (
        <span>
          {s.name}
          {s.active ? null : <span className="muted">（{t(k('inactiveSupplier'))}）</span>}
        </span>
      ),
    }));

  return (
    <>
      <ErrorAlert error={saveError} />
      {tried && problems.length ? (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 12 }}
          data-testid="lines-problems"
          title={t(k('edit.problemsTitle'), { count: new Set(problems.map((p) => p.key)).size })}
          description={
            <ul style={{ margin: 0, paddingLeft: 18, maxHeight: 160, overflow: 'auto' }}>
              {problems.slice(0, 30).map((p, i) => {
                const l = lines.find((x) => x.key === p.key)!;
                return (
                  <li key={i}>
                    <a
                      onClick={() => {
                        setFlash(l.key);
                        if (p.field === 'shares') {
                          openShares(l.key);
                          if (order[0]) setFocusTarget(shareSel(l.key, order[0].id));
                        } else setFocusTarget(sel(l.key, p.field));
                      }}
                    >
                      {lineIndex.get(l.key)}. {productLabel(l.product)}
                    </a>
                    {t('common.colon')}
                    {p.message}
                  </li>
                );
              })}
            </ul>
          }
        />
      ) : null}

      <Card size="small" style={{ marginBottom: 12 }}>
        <Form<HeaderValues>
          form={form}
          layout="vertical"
          initialValues={initialHeader}
          onValuesChange={(changed: Partial<HeaderValues>) => {
            // A period of a year from its first day, unless the last day was chosen already.
            if (changed.valid_from && !form.getFieldValue('valid_to')) {
              form.setFieldValue('valid_to', changed.valid_from.add(1, 'year').subtract(1, 'day'));
            }
          }}
          data-testid="contract-form"
        >
          <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(240px, 1fr))', columnGap: 16 }}>
            <Form.Item
              name="supplier_id"
              label={t(k('detail.supplier'))}
              rules={[{ required: true, message: t(k('edit.supplierRequired')) }]}
              style={{ gridColumn: 'span 2' }}
            >
              <Select
                showSearch={{ optionFilterProp: 'title' }}
                placeholder={t(k('edit.supplierPlaceholder'))}
                loading={suppliers.isPending}
                options={supplierOptions}
                data-testid="contract-supplier"
              />
            </Form.Item>
            <Form.Item
              name="contract_no"
              label={t(k('detail.contractNo'))}
              rules={[{ required: true, whitespace: true, message: t(k('edit.contractNoRequired')) }]}
            >
              <Input maxLength={64} placeholder={t(k('edit.contractNoPlaceholder'))} data-testid="contract-no-input" />
            </Form.Item>
            <Form.Item name="kind" label={t(k('detail.kind'))}>
              <Radio.Group
                optionType="button"
                buttonStyle="solid"
                data-testid="contract-kind-input"
                options={[
                  { value: 'ordinary', label: <span data-testid="kind-ordinary">{t(k('kind.ordinary'))}</span> },
                  { value: 'vbp', label: <span data-testid="kind-vbp">{t(k('kind.vbp'))}</span> },
                ]}
              />
            </Form.Item>
            <Form.Item
              name="valid_from"
              label={t(k('edit.from'))}
              rules={[{ required: true, message: t(k('edit.periodRequired')) }]}
            >
              <DatePicker format={DATE_FORMAT} style={{ width: '100%' }} data-testid="contract-from" />
            </Form.Item>
            <Form.Item
              name="valid_to"
              label={t(k('edit.to'))}
              dependencies={['valid_from']}
              rules={[
                { required: true, message: t(k('edit.periodRequired')) },
                ({ getFieldValue }) => ({
                  validator: async (_, v: Dayjs | null) => {
                    const from = getFieldValue('valid_from') as Dayjs | null;
                    if (v && from && v.isBefore(from, 'day')) throw new Error(`${t(k('edit.to'))} < ${t(k('edit.from'))}`);
                  },
                }),
              ]}
            >
              <DatePicker format={DATE_FORMAT} style={{ width: '100%' }} data-testid="contract-to" />
            </Form.Item>
            <Form.Item name="note" label={t(k('detail.note'))} style={{ gridColumn: 'span 2' }}>
              <Input maxLength={1000} placeholder={t(k('edit.notePlaceholder'))} data-testid="contract-note" />
            </Form.Item>
          </div>
          <Typography.Text type="secondary" data-testid="kind-hint">
            {vbp ? t(k('edit.kindHintVbp')) : t(k('edit.kindHintOrdinary'))}
            {!vbp && lines.some((l) => l.annual != null || Object.keys(l.shares).length) ? ` ${t(k('edit.volumesKept'))}` : ''}
          </Typography.Text>
        </Form>
      </Card>

      <Card
        size="small"
        title={t(k('detail.lines'), { count: lines.length })}
        extra={
          total != null ? (
            <span>
              {t(k('detail.amount'))}
              {t('common.colon')}
              <strong className="num" data-testid="edit-amount">
                {formatMoney(fromTenThousandths(total))}
              </strong>
            </span>
          ) : null
        }
      >
        <div style={{ display: 'flex', gap: 12, alignItems: 'center', flexWrap: 'wrap', marginBottom: 8 }}>
          <div ref={searchWrap} data-testid="line-add">
            <SearchBox key={searchKey} width={380} onSubmit={() => undefined} onPick={addHit} />
          </div>
          <span className="muted" style={{ flex: 1, minWidth: 260 }}>
            {t(k('edit.addHint'))}
          </span>
        </div>
        <table className="ce-table" data-testid="line-editor">
          <thead>
            <tr>
              {vbp ? <th style={{ width: 40 }} /> : null}
              <th style={{ width: 52 }}>{t(k('detail.col.no'))}</th>
              <th>{t(k('detail.col.product'))}</th>
              <th style={{ width: 110 }}>{t(k('detail.col.pack'))}</th>
              <th style={{ width: 150 }}>{t(k('detail.col.price'))}</th>
              {vbp ? (
                <>
                  <th style={{ width: 150 }}>{t(k('detail.col.annual'))}</th>
                  <th style={{ width: 240 }}>{t(k('detail.shares'))}</th>
                  <th style={{ width: 130, textAlign: 'end' }}>{t(k('detail.col.amount'))}</th>
                </>
              ) : null}
              <th style={{ width: 90 }}>{t(k('detail.col.actions'))}</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((l, i) => (
              <LineRow
                key={l.key}
                line={l}
                n={i + 1}
                vbp={vbp}
                tried={tried}
                open={expanded.includes(l.key)}
                flash={flash === l.key}
                errors={serverLineErrors[l.key]}
                groups={groups}
                columns={vbp ? 9 : 6}
                actions={actions}
              />
            ))}
            {lines.length === 0 ? (
              <tr>
                <td colSpan={vbp ? 9 : 6}>
                  <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t(k('detail.noLines'))} />
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
        <Space style={{ marginTop: 12 }}>
          <Button type="primary" icon={<SaveOutlined />} loading={save.isPending} onClick={() => void submit()} data-testid="contract-save">
            {t(k('edit.save'))}
          </Button>
          <Button onClick={cancel} data-testid="contract-cancel">
            {t(k('edit.cancel'))}
          </Button>
        </Space>
      </Card>
      <style>{EDITOR_CSS}</style>
    </>
  );
}

// ---------------------------------------------------------------------------------------------

export default function ContractDetail() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();
  const param = useParams().id;
  const isNew = param === 'new';
  const id = Number(param);
  const mayManage = can(me, 'manage_procurement');
  const copyFrom = isNew ? Number((location.state as { copyFrom?: number } | null)?.copyFrom) || undefined : undefined;
  const [editing, setEditing] = useState(false);
  useEffect(() => setEditing(false), [param]);

  const query = useQuery({
    queryKey: contractKey(id),
    queryFn: () => getContract(id),
    enabled: !isNew && Number.isFinite(id) && id > 0,
  });
  const copy = useQuery({ queryKey: contractKey(copyFrom ?? 0), queryFn: () => getContract(copyFrom!), enabled: !!copyFrom });
  const members = useQuery({ queryKey: ['contract-members'], queryFn: listMembers, staleTime: 5 * 60_000 });
  const contract = query.data;

  const back = (
    <Button type="text" icon={<ArrowLeftOutlined />} onClick={() => void navigate('/procurement/contracts')} aria-label={t(k('detail.back'))} />
  );

  const saved = (c: Contract, created: boolean) => {
    queryClient.setQueryData(contractKey(c.id), c);
    void queryClient.invalidateQueries({ queryKey: [CONTRACTS_KEY] });
    void queryClient.invalidateQueries({ queryKey: ['suppliers'] });
    if (created) void navigate(`/procurement/contracts/${c.id}`, { replace: true });
    else setEditing(false);
  };

  if (isNew) {
    if (!mayManage) return <Result status="403" title={t('common.forbidden')} subTitle={t('common.forbiddenHint')} />;
    const ready = members.data && (!copyFrom || copy.data);
    return (
      <>
        <PageTitle
          title={
            <Space>
              {back}
              <span data-testid="contract-title">{t(k('detail.newTitle'))}</span>
            </Space>
          }
          sub={copy.data ? `${t(k('detail.contractNo'))} ${copy.data.contract_no} →` : undefined}
        />
        <ErrorAlert error={members.error ?? copy.error} onRetry={() => void (members.error ? members.refetch() : copy.refetch())} />
        {ready ? (
          <ContractEditor
            key={copyFrom ?? 'new'}
            contract={null}
            copyOf={copy.data ?? null}
            members={members.data!}
            onSaved={saved}
            onCancel={() => void navigate('/procurement/contracts')}
            onReload={() => undefined}
          />
        ) : (
          <Card>
            <Skeleton active />
          </Card>
        )}
      </>
    );
  }

  if (query.error instanceof ApiError && query.error.status === 404) {
    return (
      <Result
        status="404"
        title={t(k('detail.notFound'))}
        extra={
          <Link to="/procurement/contracts">
            <Button>{t(k('detail.back'))}</Button>
          </Link>
        }
      />
    );
  }

  if (!contract) {
    return (
      <>
        <PageTitle title={<Space>{back}</Space>} />
        <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />
        {query.error ? null : (
          <Card>
            <Skeleton active />
          </Card>
        )}
      </>
    );
  }

  if (editing && mayManage) {
    return (
      <>
        <PageTitle
          title={
            <Space>
              {back}
              <span data-testid="contract-title">{t(k('detail.editTitle'), { no: contract.contract_no })}</span>
              <ContractStateTag state={contract.state} />
            </Space>
          }
        />
        <ErrorAlert error={members.error} onRetry={() => void members.refetch()} />
        {members.data ? (
          <ContractEditor
            key={contract.version}
            contract={contract}
            members={members.data}
            onSaved={saved}
            onCancel={() => setEditing(false)}
            onReload={(c) => queryClient.setQueryData(contractKey(c.id), c)}
          />
        ) : (
          <Card>
            <Skeleton active />
          </Card>
        )}
      </>
    );
  }

  return (
    <>
      <PageTitle
        title={
          <Space>
            {back}
            <span data-testid="contract-title">{t(k('detail.title'), { no: contract.contract_no })}</span>
            <ContractKindTag kind={contract.kind} />
            <ContractStateTag state={contract.state} />
          </Space>
        }
        sub={mayManage ? undefined : t(k('detail.readOnly'))}
        extra={
          mayManage ? (
            <Space>
              <Button
                icon={<CopyOutlined />}
                onClick={() => void navigate('/procurement/contracts/new', { state: { copyFrom: contract.id } })}
                data-testid="contract-copy"
              >
                {t(k('detail.copy'))}
              </Button>
              <Button type="primary" icon={<EditOutlined />} onClick={() => setEditing(true)} data-testid="contract-edit">
                {t(k('detail.edit'))}
              </Button>
            </Space>
          ) : null
        }
      />
      <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />
      <ContractHeader contract={contract} />
      <ContractView contract={contract} members={members.data} />
    </>
  );
}
