import { useEffect, useMemo, useRef, useState } from 'react';
import {
  Alert,
  App,
  Button,
  Card,
  DatePicker,
  Descriptions,
  Dropdown,
  Form,
  Input,
  InputNumber,
  Modal,
  Popconfirm,
  Result,
  Segmented,
  Select,
  Skeleton,
  Space,
  Table,
  Tag,
  Tooltip,
  Typography,
  Upload,
} from 'antd';
import type { TableProps } from 'antd';
import {
  ArrowLeftOutlined,
  CheckOutlined,
  CloseCircleOutlined,
  DownloadOutlined,
  FormOutlined,
  InfoCircleOutlined,
  PlusOutlined,
  PrinterOutlined,
  RollbackOutlined,
  SaveOutlined,
  SendOutlined,
  UndoOutlined,
  UploadOutlined,
} from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useBlocker, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { Dayjs } from 'dayjs';
import {
  ADJUSTMENT_REASONS,
  currentBook,
  decideStocktake,
  enterCounts,
  formatPacks,
  getStocktake,
  importSheet,
  listStockInstitutions,
  productLine,
  sheetUrl,
  splittable,
  toPacks,
  type AdjustmentReason,
  type CellProblem,
  type CountLine,
  type Decision,
  type Stocktake,
  type StocktakeLine,
} from '../../api/stocktake';
import { searchEntries } from '../../api/formulary';
import { ApiError } from '../../api/problem';
import type { SearchHit } from '../../api/types';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { useDebounced } from '../../lib/hooks';
import { consortiumToday, DATE_FORMAT, formatDate, formatDateTime, formatPack } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import SearchBox from '../../components/SearchBox';
import { CountProgress, StocktakeStatusTag } from './Stocktakes';

/** What the counter typed for a line: packs and loose units, and the cause of a difference. */
interface Draft {
  packs: number | null;
  units: number | null;
  /** Undefined: the saved cause stands. */
  reason?: AdjustmentReason | null;
  /** The lot's book when filled "as on the book" (what moved since the start included). */
  bookNow?: number;
}

type View = 'all' | 'uncounted' | 'differences' | 'unsaved';

const PAGE_SIZES = [50, 100, 200, 500];

/** Base units per input "pack": the pack where it splits, else one unit. */
const perPack = (l: StocktakeLine) => (splittable(l.product) ? l.product.pack_size : 1);

function draftCount(l: StocktakeLine, d: Draft | undefined): number | null {
  if (!d) return l.counted ?? null;
  if (d.packs == null && d.units == null) return null;
  return (d.packs ?? 0) * perPack(l) + (d.units ?? 0);
}

/**
 * The book the count is measured against: the frozen book plus what moved since (known once
 * counted, or once filled from the book of now).
 */
const expected = (l: StocktakeLine, d?: Draft) => d?.bookNow ?? l.book_quantity + (l.moved_since ?? 0);

/** What moved since the start: the server's once counted, else what the fill found. */
const movedOf = (l: StocktakeLine, d?: Draft) =>
  l.moved_since ?? (d?.bookNow != null ? d.bookNow - l.book_quantity : null);

function liveDiff(l: StocktakeLine, d: Draft | undefined): number | null {
  if (!d) return l.counted == null ? null : (l.difference ?? l.counted - expected(l));
  const c = draftCount(l, d);
  return c == null ? null : c - expected(l, d);
}

/** The cause sent with a count: none without a difference; only "correction" for more than the book. */
function liveReason(l: StocktakeLine, d: Draft | undefined, diff: number | null): AdjustmentReason | null {
  if (diff == null || diff === 0) return null;
  if (diff > 0) return 'correction';
  const r = d && d.reason !== undefined ? d.reason : (l.reason ?? null);
  return r ?? null;
}

function isChanged(l: StocktakeLine, d: Draft | undefined): boolean {
  if (!d) return false;
  const c = draftCount(l, d);
  if (c == null) return false;
  return c !== l.counted || liveReason(l, d, c - expected(l, d)) !== (l.reason ?? null);
}

const draftOf = (l: StocktakeLine, quantity: number): Draft => {
  const [packs, units] = toPacks(quantity, l.product);
  return { packs, units };
};

/** The count inputs of a line: packs and loose units (whole packs only at the central warehouse). */
function CountInput({
  line,
  draft,
  wholePacks,
  onChange,
  onEnter,
}: {
  line: StocktakeLine;
  draft: Draft | undefined;
  wholePacks: boolean;
  onChange: (d: Draft) => void;
  onEnter: () => void;
}) {
  const p = line.product;
  const split = splittable(p);
  const shown: Draft = draft ?? (line.counted == null ? { packs: null, units: null } : draftOf(line, line.counted));
  const keyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      onEnter();
    }
  };
  return (
    <Space.Compact size="small" data-line-input={line.id}>
      <InputNumber
        min={0}
        precision={0}
        controls={false}
        style={{ width: split ? 84 : 110 }}
        value={shown.packs}
        suffix={split ? p.pack_unit : p.base_unit}
        onChange={(v) => onChange({ ...shown, reason: draft?.reason, bookNow: draft?.bookNow, packs: v ?? null })}
        onKeyDown={keyDown}
        onFocus={(e) => e.target.select()}
        data-testid="count-packs"
        aria-label={split ? p.pack_unit : p.base_unit}
      />
      {split && !wholePacks ? (
        <InputNumber
          min={0}
          precision={0}
          controls={false}
          style={{ width: 80 }}
          value={shown.units}
          suffix={p.base_unit}
          onChange={(v) => onChange({ ...shown, reason: draft?.reason, bookNow: draft?.bookNow, units: v ?? null })}
          onKeyDown={keyDown}
          onFocus={(e) => e.target.select()}
          data-testid="count-units"
          aria-label={p.base_unit}
        />
      ) : null}
      {split && wholePacks && shown.units ? (
        <Tag color="error" style={{ marginInlineStart: 4 }}>
          +{shown.units}
          {p.base_unit}
        </Tag>
      ) : null}
    </Space.Compact>
  );
}

/** A lot on the shelf the sheet did not have: product, lot, expiry, counted. */
function FoundLotModal({
  open,
  onClose,
  stocktake,
  level,
  wholePacks,
  onSaved,
  onError,
}: {
  open: boolean;
  onClose: () => void;
  stocktake: Stocktake;
  level?: SearchHit['entry']['level_scope'];
  wholePacks: boolean;
  onSaved: (s: Stocktake) => void;
  onError: (err: unknown) => boolean;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ lot_no: string; expiry: Dayjs; packs?: number; units?: number }>();
  const [hit, setHit] = useState<SearchHit | null>(null);
  const [pickError, setPickError] = useState(false);
  const save = useMutation({
    mutationFn: (v: { entry_id: number; lot_no: string; expiry: string; counted: number }) =>
      enterCounts(stocktake.id, [], [{ ...v, reason: 'correction' }]),
    onSuccess: (s) => {
      onSaved(s);
      onClose();
    },
    onError: (err) => {
      if (onError(err)) onClose();
    },
  });
  useEffect(() => {
    if (open) {
      form.resetFields();
      setHit(null);
      setPickError(false);
      save.reset();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open]);
  const e = hit?.entry;
  const split = e ? e.pack_size > 1 && e.base_unit !== e.pack_unit : false;
  return (
    <Modal
      open={open}
      title={t('stock.stocktake.found.title')}
      okText={t('stock.stocktake.found.add')}
      cancelText={t('common.cancel')}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={save.isPending}
      okButtonProps={{ 'data-testid': 'found-confirm' } as never}
      width={640}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">{t('stock.stocktake.found.hint')}</Typography.Paragraph>
      <ErrorAlert error={save.error} />
      <Form
        form={form}
        layout="vertical"
        onFinish={(v) => {
          if (!e) {
            setPickError(true);
            return;
          }
          const counted = (v.packs ?? 0) * (split ? (e.pack_size ?? 1) : 1) + (v.units ?? 0);
          save.mutate({ entry_id: e.id, lot_no: v.lot_no.trim(), expiry: v.expiry.format(DATE_FORMAT), counted });
        }}
      >
        <Form.Item
          label={t('stock.stocktake.product')}
          required
          validateStatus={pickError && !e ? 'error' : undefined}
          help={pickError && !e ? t('stock.stocktake.found.pickProduct') : e ? `${formatPack(e)} · ${e.manufacturer}` : t('stock.stocktake.found.searchHint')}
        >
          <div data-testid="found-product">
            <SearchBox
              width="100%"
              level={level}
              onSubmit={() => undefined}
              onPick={(h) => {
                setHit(h);
                setPickError(false);
              }}
            />
          </div>
        </Form.Item>
        <Space size={12} wrap align="start">
          <Form.Item
            name="lot_no"
            label={t('stock.stocktake.lot')}
            rules={[{ required: true, whitespace: true, message: t('stock.stocktake.found.lotRequired') }]}
          >
            <Input maxLength={40} style={{ width: 180 }} data-testid="found-lot" />
          </Form.Item>
          <Form.Item
            name="expiry"
            label={t('stock.stocktake.expiry')}
            rules={[{ required: true, message: t('stock.stocktake.found.expiryRequired') }]}
          >
            <DatePicker format={DATE_FORMAT} style={{ width: 150 }} data-testid="found-expiry" />
          </Form.Item>
          <Form.Item
            label={t('stock.stocktake.counted')}
            required
            extra={t('stock.stocktake.found.reasonNote')}
          >
            <Space.Compact>
              <Form.Item
                name="packs"
                noStyle
                rules={[
                  ({ getFieldValue }) => ({
                    validator: async () => {
                      if (!(getFieldValue('packs') > 0 || getFieldValue('units') > 0)) {
                        throw new Error(t('stock.stocktake.found.countRequired'));
                      }
                    },
                  }),
                ]}
              >
                <InputNumber
                  min={0}
                  precision={0}
                  controls={false}
                  style={{ width: 100 }}
                  suffix={e ? (split ? e.pack_unit : e.base_unit) : undefined}
                  data-testid="found-packs"
                />
              </Form.Item>
              {split && !wholePacks ? (
                <Form.Item name="units" noStyle>
                  <InputNumber min={0} precision={0} controls={false} style={{ width: 90 }} suffix={e?.base_unit} data-testid="found-units" />
                </Form.Item>
              ) : null}
            </Space.Compact>
          </Form.Item>
        </Space>
      </Form>
    </Modal>
  );
}

/** The problems of an imported sheet, by row and column as the user fixes them in Excel. */
function SheetProblems({ problems, onClose }: { problems: CellProblem[]; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Alert
      type="error"
      showIcon
      closable={{ onClose }}
      style={{ marginBottom: 12 }}
      title={t('stock.stocktake.import.problems', { count: problems.length })}
      description={
        <Table<CellProblem & { k: number }>
          size="small"
          rowKey="k"
          data-testid="import-problems"
          dataSource={problems.map((p, k) => ({ ...p, k }))}
          pagination={problems.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
          onRow={() => ({ 'data-testid': 'import-problem-row' }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { title: t('stock.stocktake.import.row'), dataIndex: 'row', width: 70, render: (r: number) => <span className="num">{r}</span> },
            { title: t('stock.stocktake.import.column'), dataIndex: 'column', width: 180 },
            { title: t('stock.stocktake.import.message'), dataIndex: 'message' },
          ]}
        />
      }
    />
  );
}

type DecisionModal = Exclude<Decision, 'submit'> | null;

export default function StocktakeDetail() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const { message, modal } = App.useApp();
  const queryClient = useQueryClient();
  const id = Number(useParams().id);

  const query = useQuery({
    queryKey: ['stocktake', id],
    queryFn: () => getStocktake(id),
    enabled: Number.isFinite(id) && id > 0,
  });
  const institutions = useQuery({ queryKey: ['stock-institutions'], queryFn: listStockInstitutions, staleTime: 5 * 60_000 });
  const st = query.data;
  const inst = institutions.data?.find((i) => i.id === st?.institution_id);

  const [drafts, setDrafts] = useState<Record<number, Draft>>({});
  const [view, setView] = useState<View>('all');
  const [text, setText] = useState('');
  const q = useDebounced(text.trim(), 200);
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(PAGE_SIZES[0]);
  const [focusLine, setFocusLine] = useState<number | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [problems, setProblems] = useState<CellProblem[] | null>(null);
  const [foundOpen, setFoundOpen] = useState(false);
  const [deciding, setDeciding] = useState<DecisionModal>(null);
  const [noteForm] = Form.useForm<{ note?: string }>();
  const draftsRef = useRef(drafts);
  draftsRef.current = drafts;

  const items = useMemo(() => st?.items ?? [], [st]);
  const status = st?.status;
  const mayRecord = can(me, 'record_stock') && !!inst?.may_record;
  const editable = status === 'counting' && mayRecord;
  const wholePacks = inst?.level === 'lead';
  const mine = st?.submitted_by_id != null && st.submitted_by_id === me.id;
  const mayApprove = can(me, 'approve_stock');
  const mayCancel = (can(me, 'record_stock') || mayApprove) && (status === 'counting' || status === 'submitted');

  const changedLines = useMemo(() => items.filter((l) => isChanged(l, drafts[l.id])), [items, drafts]);
  const dirty = editable && changedLines.length > 0;

  // Products the search names by pinyin initials, names or codes (the formulary's search).
  const search = useQuery({
    queryKey: ['stocktake-search', q],
    queryFn: ({ signal }) => searchEntries({ q, limit: 50 }, signal),
    enabled: q.length > 0,
    staleTime: 60_000,
  });

  // The rows a filter selects are fixed when it is chosen (and when the sheet is saved), so a
  // row does not vanish from "uncounted" while its count is being typed.
  const visible = useMemo(() => {
    const d = draftsRef.current;
    const needle = q.toLowerCase();
    const hitIds = new Set((search.data?.items ?? []).map((h) => h.entry.id));
    return items.filter((l) => {
      if (needle) {
        const p = l.product;
        const local = [p.name_zh, p.name_en, l.lot_no, p.manufacturer].some((s) => s.toLowerCase().includes(needle));
        if (!local && !hitIds.has(l.entry_id)) return false;
      }
      switch (view) {
        case 'uncounted':
          return draftCount(l, d[l.id]) == null;
        case 'differences': {
          const diff = liveDiff(l, d[l.id]);
          return diff != null && diff !== 0;
        }
        case 'unsaved':
          return isChanged(l, d[l.id]);
        default:
          return true;
      }
    });
  }, [items, view, q, search.data]);

  useEffect(() => setPage(1), [view, q]);

  const counts = useMemo(() => {
    let uncounted = 0;
    let differences = 0;
    let missingReason = 0;
    for (const l of items) {
      const d = drafts[l.id];
      const diff = liveDiff(l, d);
      if (draftCount(l, d) == null) uncounted++;
      if (diff != null && diff !== 0) {
        differences++;
        if (!liveReason(l, d, diff)) missingReason++;
      }
    }
    return { uncounted, differences, missingReason };
  }, [items, drafts]);

  // Enter moves to the next row's count: open its page, then focus its first input.
  useEffect(() => {
    if (focusLine == null) return;
    const input = document.querySelector<HTMLInputElement>(`[data-line-input="${focusLine}"] input`);
    if (input) {
      input.focus();
      input.select();
      setFocusLine(null);
    }
  });
  const moveFrom = (line: StocktakeLine) => {
    const i = visible.findIndex((l) => l.id === line.id);
    const next = visible[i + 1];
    if (!next) {
      (document.activeElement as HTMLElement | null)?.blur();
      return;
    }
    const nextPage = Math.floor((i + 1) / pageSize) + 1;
    if (nextPage !== page) setPage(nextPage);
    setFocusLine(next.id);
  };

  // Unsaved counts are not lost by leaving the page.
  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname);
  useEffect(() => {
    if (blocker.state !== 'blocked') return;
    modal.confirm({
      title: t('stock.stocktake.leaveTitle'),
      content: t('stock.stocktake.leaveBody', { count: changedLines.length }),
      okText: t('stock.stocktake.leaveOk'),
      cancelText: t('stock.stocktake.stay'),
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

  const applied = (s: Stocktake) => {
    queryClient.setQueryData(['stocktake', s.id], s);
    void queryClient.invalidateQueries({ queryKey: ['stocktakes'] });
    void queryClient.invalidateQueries({ queryKey: ['stock'] });
  };

  /** A 409 (someone else moved the stocktake on): reload and say so. True when handled. */
  const conflict = (err: unknown): boolean => {
    if (err instanceof ApiError && err.status === 409) {
      void message.warning({ content: `${t('stock.stocktake.reloaded')} ${err.detail}`, duration: 8 });
      void query.refetch();
      void queryClient.invalidateQueries({ queryKey: ['stocktakes'] });
      return true;
    }
    return false;
  };
  const failed = (err: unknown) => {
    if (!conflict(err)) setActionError(err);
  };

  const countLines = (): CountLine[] =>
    changedLines.map((l) => {
      const d = drafts[l.id];
      const counted = draftCount(l, d)!;
      return { line_id: l.id, counted, reason: liveReason(l, d, counted - expected(l, d)) };
    });

  const save = useMutation({
    mutationFn: (counts: CountLine[]) => enterCounts(id, counts),
    onMutate: () => setActionError(null),
    onSuccess: (s, counts) => {
      applied(s);
      setDrafts({});
      void message.success(t('stock.stocktake.saved', { count: counts.length }));
    },
    onError: failed,
  });

  const decide = useMutation({
    mutationFn: async ({ decision, note }: { decision: Decision; note?: string }) => {
      let version = st!.version;
      // Submitting saves what was typed first.
      if (decision === 'submit' && changedLines.length > 0) {
        const saved = await enterCounts(id, countLines());
        applied(saved);
        setDrafts({});
        version = saved.version;
      }
      return decideStocktake(id, decision, version, note);
    },
    onMutate: () => setActionError(null),
    onSuccess: (s, { decision }) => {
      applied(s);
      setDeciding(null);
      noteForm.resetFields();
      void message.success(t(`stock.stocktake.done.${decision}`, { id: s.id }));
    },
    onError: (err) => {
      setDeciding(null);
      failed(err);
    },
  });

  const upload = useMutation({
    mutationFn: (file: File) => importSheet(id, file),
    onMutate: () => {
      setActionError(null);
      setProblems(null);
    },
    onSuccess: (r) => {
      if (r.problems.length > 0 || !r.applied) {
        setProblems(r.problems);
        return;
      }
      setDrafts({});
      void query.refetch();
      void queryClient.invalidateQueries({ queryKey: ['stocktakes'] });
      void message.success(t('stock.stocktake.import.applied', { count: r.counted }));
    },
    onError: failed,
  });

  const chooseFile = (file: File) => {
    if (changedLines.length === 0) {
      upload.mutate(file);
      return;
    }
    modal.confirm({
      title: t('stock.stocktake.import.discardTitle'),
      content: t('stock.stocktake.import.discardBody', { count: changedLines.length }),
      okText: t('stock.stocktake.import.discardOk'),
      cancelText: t('common.cancel'),
      onOk: () => upload.mutate(file),
    });
  };

  const fillable = visible.filter((l) => draftCount(l, drafts[l.id]) == null);
  // "As on the book" is the book of now: what was dispensed since the start is not a difference.
  const fill = useMutation({
    mutationFn: () => currentBook(st!.institution_id),
    onMutate: () => setActionError(null),
    onSuccess: (book) => {
      setDrafts((prev) => {
        const next = { ...prev };
        for (const l of fillable) {
          if (draftCount(l, next[l.id]) != null) continue;
          const now = l.moved_since != null ? expected(l) : (book.get(l.lot_id) ?? l.book_quantity);
          next[l.id] = { ...draftOf(l, now), bookNow: now };
        }
        return next;
      });
      void message.info(t('stock.stocktake.filled', { count: fillable.length }));
    },
    onError: failed,
  });

  const submit = () => {
    if (counts.uncounted > 0) {
      void message.error({ content: t('stock.stocktake.notAllCounted', { count: counts.uncounted }), duration: 6 });
      setView('uncounted');
      return;
    }
    if (counts.missingReason > 0) {
      void message.error({ content: t('stock.stocktake.reasonsMissing', { count: counts.missingReason }), duration: 6 });
      setView('differences');
      return;
    }
    decide.mutate({ decision: 'submit' });
  };

  if (!Number.isFinite(id) || id <= 0 || (query.error instanceof ApiError && query.error.status === 404)) {
    return (
      <Result
        status="404"
        title={t('stock.stocktake.notFound')}
        extra={
          <Button onClick={() => void navigate('/stock/stocktakes')}>{t('stock.stocktake.backToList')}</Button>
        }
      />
    );
  }
  if (!st) {
    return (
      <>
        <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />
        <Skeleton active paragraph={{ rows: 8 }} />
      </>
    );
  }

  const anyMoved = items.some((l) => movedOf(l, drafts[l.id]) != null);
  const movedLines = items.filter((l) => (movedOf(l, drafts[l.id]) ?? 0) !== 0).length;
  const today = consortiumToday().format(DATE_FORMAT);
  const reasonLabel = (r: AdjustmentReason) => t(`stock.stocktake.reason.${r}`);

  const columns: TableProps<StocktakeLine>['columns'] = [
    {
      title: '#',
      key: 'no',
      width: 50,
      fixed: 'left',
      render: (_: unknown, l) => <span className="num muted">{items.indexOf(l) + 1}</span>,
    },
    {
      title: t('stock.stocktake.product'),
      key: 'product',
      width: 230,
      fixed: 'left',
      render: (_: unknown, l) => (
        <div>
          <Typography.Text strong data-testid="line-product">
            {l.product.name_zh}
          </Typography.Text>{' '}
          <span>{l.product.strength}</span>
          {l.product.cold_chain ? (
            <Tag color="blue" style={{ marginInlineStart: 6 }}>
              {t('stock.stocktake.coldChain')}
            </Tag>
          ) : null}
          <div className="muted" style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
            {l.product.dosage_form} · {formatPack(l.product)} · {l.product.manufacturer}
          </div>
        </div>
      ),
    },
    {
      title: t('stock.stocktake.lot'),
      dataIndex: 'lot_no',
      width: 130,
      render: (v: string) => (
        <span data-testid="line-lot" style={{ wordBreak: 'break-all' }}>
          {v}
        </span>
      ),
    },
    {
      title: t('stock.stocktake.expiry'),
      dataIndex: 'expiry',
      width: 100,
      render: (v: string) => (
        <span className="num" style={v < today ? { color: '#c0392b' } : undefined}>
          {formatDate(v)}
          {v < today ? <div style={{ fontSize: 12 }}>{t('stock.stocktake.expired')}</div> : null}
        </span>
      ),
    },
    {
      title: t('stock.stocktake.book'),
      key: 'book',
      width: 90,
      align: 'right',
      render: (_: unknown, l) => (
        <Tooltip title={`${l.book_quantity}${l.product.base_unit}`}>
          <span className="num" data-testid="line-book" data-quantity={l.book_quantity}>
            {l.book_packs}
          </span>
        </Tooltip>
      ),
    },
    ...(anyMoved
      ? [
          {
            title: (
              <Tooltip title={t('stock.stocktake.movedHint')}>
                {t('stock.stocktake.moved')} <InfoCircleOutlined />
              </Tooltip>
            ),
            key: 'moved',
            width: 110,
            align: 'right' as const,
            render: (_: unknown, l: StocktakeLine) => {
              const moved = movedOf(l, drafts[l.id]);
              return moved == null ? (
                <span className="muted">—</span>
              ) : moved === 0 ? (
                <span className="muted">0</span>
              ) : (
                <span className="num" data-testid="line-moved" style={{ color: '#ad6800' }}>
                  {formatPacks(moved, l.product, true)}
                </span>
              );
            },
          },
        ]
      : []),
    {
      title: wholePacks ? t('stock.stocktake.countedWhole') : t('stock.stocktake.counted'),
      key: 'counted',
      width: editable ? 190 : 110,
      render: (_: unknown, l) => {
        if (editable) {
          return (
            <CountInput
              line={l}
              draft={drafts[l.id]}
              wholePacks={wholePacks}
              onChange={(d) => setDrafts((prev) => ({ ...prev, [l.id]: d }))}
              onEnter={() => moveFrom(l)}
            />
          );
        }
        return l.counted == null ? (
          <span className="muted">{t('stock.stocktake.notCounted')}</span>
        ) : (
          <span className="num" data-testid="line-counted">
            {formatPacks(l.counted, l.product)}
          </span>
        );
      },
    },
    {
      title: t('stock.stocktake.difference'),
      key: 'difference',
      width: 90,
      align: 'right',
      render: (_: unknown, l) => {
        const diff = liveDiff(l, drafts[l.id]);
        if (diff == null) return <span className="muted">—</span>;
        if (diff === 0) return <span className="muted" data-testid="line-diff" data-diff={0}>0</span>;
        return (
          <Tooltip title={`${diff > 0 ? '+' : ''}${diff}${l.product.base_unit}`}>
            <Typography.Text strong type={diff < 0 ? 'danger' : 'success'} className="num" data-testid="line-diff" data-diff={diff}>
              {formatPacks(diff, l.product, true)}
            </Typography.Text>
          </Tooltip>
        );
      },
    },
    {
      title: t('stock.stocktake.reasonTitle'),
      key: 'reason',
      width: 130,
      render: (_: unknown, l) => {
        const d = drafts[l.id];
        const diff = liveDiff(l, d);
        if (diff == null || diff === 0) return null;
        const reason = liveReason(l, d, diff);
        if (!editable || diff > 0) {
          return reason ? (
            <span data-testid="line-reason">{reasonLabel(reason)}</span>
          ) : (
            <Typography.Text type="danger">{t('stock.stocktake.reasonNeeded')}</Typography.Text>
          );
        }
        return (
          <Select
            size="small"
            style={{ width: 120 }}
            value={reason ?? undefined}
            status={reason ? undefined : 'error'}
            placeholder={t('stock.stocktake.pickReason')}
            onChange={(r: AdjustmentReason) =>
              setDrafts((prev) => ({
                ...prev,
                [l.id]: { ...(prev[l.id] ?? draftOf(l, l.counted ?? 0)), reason: r },
              }))
            }
            options={ADJUSTMENT_REASONS.map((r) => ({ value: r, label: reasonLabel(r) }))}
            data-testid="count-reason"
          />
        );
      },
    },
    // Who counted matters to the reviewer; the counter at work needs the room.
    ...(editable
      ? []
      : [
          {
            title: t('stock.stocktake.countedBy'),
            key: 'counted_by',
            width: 130,
            render: (_: unknown, l: StocktakeLine) =>
              l.counted_at ? (
                <div className="muted">
                  {l.counted_by}
                  <div>{formatDateTime(l.counted_at)}</div>
                </div>
              ) : null,
          },
        ]),
  ];

  const decisionLabel =
    status === 'approved'
      ? t('stock.stocktake.approvedBy')
      : status === 'cancelled'
        ? t('stock.stocktake.cancelledBy')
        : t('stock.stocktake.returnedBy');
  const noteLabel = status === 'cancelled' ? t('stock.stocktake.cancelNote') : t('stock.stocktake.returnNote');

  const exportMenu = (
    <Dropdown
      menu={{
        items: (['xlsx', 'csv'] as const).map((f) => ({
          key: f,
          label: (
            <a href={sheetUrl(id, f)} download data-testid={`export-${f}`}>
              {t(`stock.stocktake.export.${f}`)}
            </a>
          ),
        })),
      }}
    >
      <Button icon={<DownloadOutlined />} data-testid="export-sheet">
        {t('stock.stocktake.export.title')}
      </Button>
    </Dropdown>
  );

  return (
    <>
      <PageTitle
        title={
          <Space>
            <Button type="text" icon={<ArrowLeftOutlined />} onClick={() => void navigate('/stock/stocktakes')} aria-label={t('common.back')} />
            <span data-testid="stocktake-title">{t('stock.stocktake.detailTitle', { id: st.id, institution: st.institution_name })}</span>
            <span data-testid="detail-status">
              <StocktakeStatusTag status={st.status} />
            </span>
          </Space>
        }
        extra={
          <Space wrap>
            {exportMenu}
            <Link to={`/stock/stocktakes/${id}/print`}>
              <Button icon={<PrinterOutlined />} data-testid="print-sheet">
                {t('common.print')}
              </Button>
            </Link>
            {status === 'submitted' && mayApprove ? (
              <>
                {!mine ? (
                  <Button type="primary" icon={<CheckOutlined />} onClick={() => setDeciding('approve')} data-testid="approve">
                    {t('stock.stocktake.approve')}
                  </Button>
                ) : null}
                <Button icon={<RollbackOutlined />} onClick={() => setDeciding('return')} data-testid="return">
                  {t('stock.stocktake.return')}
                </Button>
              </>
            ) : null}
            {mayCancel ? (
              <Button danger icon={<CloseCircleOutlined />} onClick={() => setDeciding('cancel')} data-testid="cancel-stocktake">
                {t('stock.stocktake.cancel')}
              </Button>
            ) : null}
          </Space>
        }
      />

      <Card size="small" style={{ marginBottom: 12 }}>
        <Descriptions size="small" column={{ xs: 1, md: 2, xl: 3 }} data-testid="stocktake-header">
          <Descriptions.Item label={t('stock.stocktake.institution')}>
            {st.institution_name}
            {inst ? <Tag style={{ marginInlineStart: 6 }}>{t(`enum.level.${inst.level}`)}</Tag> : null}
          </Descriptions.Item>
          <Descriptions.Item label={t('stock.stocktake.started')}>
            {st.started_by ?? '—'} · {formatDateTime(st.started_at)}
          </Descriptions.Item>
          <Descriptions.Item label={t('stock.stocktake.progress')}>
            <CountProgress s={st} />
          </Descriptions.Item>
          {st.submitted_at ? (
            <Descriptions.Item label={status === 'counting' ? t('stock.stocktake.lastSubmitted') : t('stock.stocktake.submitted')}>
              {st.submitted_by ?? '—'} · {formatDateTime(st.submitted_at)}
            </Descriptions.Item>
          ) : null}
          {st.decided_at ? (
            <Descriptions.Item label={decisionLabel}>
              <span data-testid="decided-by">
                {st.decided_by ?? '—'} · {formatDateTime(st.decided_at)}
              </span>
            </Descriptions.Item>
          ) : null}
          <Descriptions.Item label={t('stock.stocktake.note')}>{st.note || '—'}</Descriptions.Item>
          {st.decision_note ? (
            <Descriptions.Item label={noteLabel}>
              <span data-testid="decision-note">{st.decision_note}</span>
            </Descriptions.Item>
          ) : null}
        </Descriptions>
      </Card>

      <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />
      <ErrorAlert error={actionError} />
      {status === 'counting' && st.decision_note ? (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          data-testid="returned-alert"
          title={t('stock.stocktake.returnedAlert', { note: st.decision_note })}
        />
      ) : null}
      {status === 'submitted' ? (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 12 }}
          data-testid="second-person"
          title={
            mine && mayApprove
              ? t('stock.stocktake.secondPersonMine')
              : mayApprove
                ? t('stock.stocktake.secondPersonYou')
                : t('stock.stocktake.secondPerson')
          }
        />
      ) : null}
      {status === 'approved' ? (
        <Alert type="success" showIcon style={{ marginBottom: 12 }} title={t('stock.stocktake.approvedAlert', { count: st.differences })} />
      ) : null}
      {status === 'cancelled' ? (
        <Alert type="info" showIcon style={{ marginBottom: 12 }} title={t('stock.stocktake.cancelledAlert')} />
      ) : null}
      <ErrorAlert error={institutions.error} onRetry={() => void institutions.refetch()} />
      {status === 'counting' && institutions.data && !mayRecord ? (
        <Alert type="info" showIcon style={{ marginBottom: 12 }} title={t('stock.stocktake.readOnly')} />
      ) : null}
      {movedLines > 0 ? (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 12 }}
          data-testid="moved-alert"
          title={t('stock.stocktake.movedAlert', { count: movedLines })}
        />
      ) : null}
      {problems ? <SheetProblems problems={problems} onClose={() => setProblems(null)} /> : null}

      <Card size="small">
        <Space wrap style={{ marginBottom: 12, width: '100%', justifyContent: 'space-between' }}>
          <Space wrap>
            <Segmented<View>
              value={view}
              onChange={setView}
              data-testid="line-filter"
              options={[
                { value: 'all', label: `${t('stock.stocktake.view.all')} ${items.length}` },
                { value: 'uncounted', label: <span data-testid="view-uncounted">{`${t('stock.stocktake.view.uncounted')} ${counts.uncounted}`}</span> },
                { value: 'differences', label: <span data-testid="view-differences">{`${t('stock.stocktake.view.differences')} ${counts.differences}`}</span> },
                ...(editable ? [{ value: 'unsaved' as const, label: `${t('stock.stocktake.view.unsaved')} ${changedLines.length}` }] : []),
              ]}
            />
            <Input.Search
              allowClear
              style={{ width: 260 }}
              value={text}
              onChange={(e) => setText(e.target.value)}
              placeholder={t('stock.stocktake.searchPlaceholder')}
              loading={search.isFetching}
              data-testid="line-search"
            />
          </Space>
          {editable ? (
            <Space wrap>
              <Popconfirm
                title={t('stock.stocktake.fillConfirm', { count: fillable.length })}
                description={t('stock.stocktake.fillHint')}
                okText={t('common.ok')}
                cancelText={t('common.cancel')}
                onConfirm={() => fill.mutate()}
                okButtonProps={{ 'data-testid': 'fill-confirm' } as never}
                disabled={fillable.length === 0}
              >
                <Button icon={<FormOutlined />} disabled={fillable.length === 0} loading={fill.isPending} data-testid="fill-book">
                  {t('stock.stocktake.fill', { count: fillable.length })}
                </Button>
              </Popconfirm>
              <Button icon={<PlusOutlined />} onClick={() => setFoundOpen(true)} data-testid="found-lot-open">
                {t('stock.stocktake.found.button')}
              </Button>
              <Upload
                accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                showUploadList={false}
                beforeUpload={(f) => {
                  chooseFile(f as File);
                  return false;
                }}
              >
                <Button icon={<UploadOutlined />} loading={upload.isPending} data-testid="import-sheet">
                  {t('stock.stocktake.import.button')}
                </Button>
              </Upload>
              {changedLines.length > 0 ? (
                <Popconfirm
                  title={t('stock.stocktake.discardConfirm', { count: changedLines.length })}
                  okText={t('common.ok')}
                  cancelText={t('common.cancel')}
                  onConfirm={() => setDrafts({})}
                >
                  <Button icon={<UndoOutlined />} data-testid="discard">
                    {t('stock.stocktake.discard')}
                  </Button>
                </Popconfirm>
              ) : null}
              <Button
                type="primary"
                icon={<SaveOutlined />}
                disabled={changedLines.length === 0}
                loading={save.isPending}
                onClick={() => save.mutate(countLines())}
                data-testid="save-counts"
              >
                {changedLines.length > 0 ? t('stock.stocktake.saveN', { count: changedLines.length }) : t('stock.stocktake.save')}
              </Button>
              <Popconfirm
                title={t('stock.stocktake.submitConfirm')}
                description={
                  changedLines.length > 0
                    ? t('stock.stocktake.submitSaves', { count: changedLines.length })
                    : t('stock.stocktake.submitHint', { count: counts.differences })
                }
                okText={t('stock.stocktake.submit')}
                cancelText={t('common.cancel')}
                onConfirm={submit}
                okButtonProps={{ 'data-testid': 'submit-confirm' } as never}
              >
                <Button icon={<SendOutlined />} loading={decide.isPending && decide.variables?.decision === 'submit'} data-testid="submit">
                  {t('stock.stocktake.submit')}
                </Button>
              </Popconfirm>
            </Space>
          ) : null}
        </Space>
        {editable ? <div className="muted" style={{ marginBottom: 8 }}>{wholePacks ? t('stock.stocktake.keyboardHintWhole') : t('stock.stocktake.keyboardHint')}</div> : null}
        <Table<StocktakeLine>
          size="small"
          rowKey="id"
          columns={columns}
          dataSource={visible}
          scroll={{ x: 1100 }}
          sticky={{ offsetHeader: 52 }}
          locale={{
            emptyText:
              items.length === 0
                ? t('stock.stocktake.noLines')
                : view === 'uncounted' && !q
                  ? t('stock.stocktake.allCounted')
                  : t('stock.stocktake.noMatch'),
          }}
          rowClassName={(l) => (isChanged(l, drafts[l.id]) ? 'stocktake-changed' : '')}
          onRow={(l) =>
            ({
              'data-testid': 'line-row',
              'data-lot': l.lot_no,
              'data-line': l.id,
            }) as React.HTMLAttributes<HTMLElement>
          }
          pagination={{
            current: page,
            pageSize,
            pageSizeOptions: PAGE_SIZES,
            showSizeChanger: true,
            hideOnSinglePage: visible.length <= PAGE_SIZES[0],
            showTotal: (total) => t('common.total', { count: total }),
            onChange: (p, s) => {
              setPage(s !== pageSize ? 1 : p);
              setPageSize(s);
            },
          }}
        />
      </Card>
      <style>{'.stocktake-changed > td { background: #fffbe6 !important; }'}</style>

      <FoundLotModal
        open={foundOpen}
        onClose={() => setFoundOpen(false)}
        stocktake={st}
        level={inst?.level}
        wholePacks={wholePacks}
        onSaved={(s) => {
          applied(s);
          void message.success(t('stock.stocktake.found.saved'));
        }}
        onError={conflict}
      />

      <Modal
        open={deciding != null}
        title={deciding ? t(`stock.stocktake.decideTitle.${deciding}`, { id: st.id }) : ''}
        okText={deciding ? t(`stock.stocktake.${deciding === 'cancel' ? 'cancel' : deciding}`) : ''}
        cancelText={t('common.cancel')}
        okButtonProps={{ danger: deciding === 'cancel', 'data-testid': 'decide-confirm' } as never}
        confirmLoading={decide.isPending}
        onCancel={() => setDeciding(null)}
        onOk={() => noteForm.submit()}
        destroyOnHidden
      >
        {deciding === 'approve' ? (
          <Typography.Paragraph>
            {t('stock.stocktake.approveBody', { lines: st.lines, count: st.differences })}
          </Typography.Paragraph>
        ) : null}
        {deciding === 'approve' && st.differences > 0 ? (
          <ul style={{ paddingLeft: 18, maxHeight: 220, overflow: 'auto' }} data-testid="approve-differences">
            {items
              .filter((l) => l.difference)
              .map((l) => (
                <li key={l.id}>
                  {productLine(l.product)} · {l.lot_no}
                  {t('common.colon')}
                  <Typography.Text type={l.difference! < 0 ? 'danger' : 'success'}>{formatPacks(l.difference!, l.product, true)}</Typography.Text>
                  {l.reason ? <Tag style={{ marginInlineStart: 6 }}>{reasonLabel(l.reason)}</Tag> : null}
                </li>
              ))}
          </ul>
        ) : null}
        <Form form={noteForm} layout="vertical" onFinish={(v) => deciding && decide.mutate({ decision: deciding, note: v.note })}>
          {deciding === 'return' || deciding === 'cancel' ? (
            <Form.Item
              name="note"
              label={deciding === 'return' ? t('stock.stocktake.returnNote') : t('stock.stocktake.cancelNote')}
              rules={[{ required: true, whitespace: true, message: t('stock.stocktake.noteRequired') }]}
            >
              <Input.TextArea rows={3} maxLength={500} data-testid="decide-note" />
            </Form.Item>
          ) : null}
        </Form>
        {deciding === 'cancel' ? <Typography.Text type="secondary">{t('stock.stocktake.cancelBody')}</Typography.Text> : null}
      </Modal>
    </>
  );
}
