import { memo, useCallback, useMemo, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { Alert, App, Button, Card, DatePicker, Empty, Input, Modal, Result, Skeleton, Space, Tag, Tooltip, Typography } from 'antd';
import { ArrowLeftOutlined, BarcodeOutlined, DeleteOutlined, ImportOutlined, SplitCellsOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs, { type Dayjs } from 'dayjs';
import { Link, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { getPurchaseOrder, purchaseOrderKey, PURCHASE_ORDERS_KEY, type PurchaseLine, type PurchaseOrder } from '../../api/purchaseOrders';
import {
  DISTRIBUTION_SETTINGS_KEY,
  RECEIPTS_KEY,
  addDays,
  addTraceCodes,
  checkRows,
  createReceipt,
  firstOfLine,
  getDistributionSettings,
  initialRows,
  isBlank,
  isReceivable,
  nextCell,
  parseDate,
  placeFieldErrors,
  receiptBody,
  removeRow,
  rowsNamed,
  splitRow,
  type CodesAdded,
  type PlacedErrors,
  type ReceiveRow,
  type RowField,
  type RowIssue,
} from '../../api/receipts';
import { productLabel } from '../../api/contracts';
import { parseQuantity } from '../../api/orders';
import { ApiError } from '../../api/problem';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { DATE_FORMAT, consortiumToday, formatPack } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import ProductCell from '../../components/stock/ProductCell';
import { PoStatusTag } from '../procurement/PurchaseOrders';

const k = (key: string) => `distribution.receipts.receive.${key}`;

/** Each cell's test id; the cell is found again by it and its row index (Enter moves the focus). */
const CELL_ID: Record<RowField, string> = {
  lot_no: 'rcv-lot',
  expiry: 'rcv-expiry',
  quantity: 'rcv-quantity',
  damaged: 'rcv-damaged',
  damage_note: 'rcv-damage-note',
  trace_codes: 'rcv-scan',
};

function focusCell(row: number, field: RowField) {
  const el = document.querySelector<HTMLInputElement>(`input[data-testid="${CELL_ID[field]}"][data-row="${row}"]`);
  if (el) {
    el.focus();
    el.select();
  }
}

/** Problems shown as soon as the cell says them; the others once the row is left (or on sending). */
const AT_ONCE = new Set<RowIssue['problem']>(['expiryBad', 'expired', 'shortDated', 'badNumber', 'tooMany', 'tooManyCodes', 'lotTooLong']);

interface RowActions {
  change: (key: string, patch: Partial<ReceiveRow>) => void;
  /**
   * Enter in a cell: the next one (see `nextCell`), focused at once, within the key's event — a
   * scanner types on without waiting, and what it types must land in the next cell. `damaged` is
   * the damaged cell's text as it stands (it decides whether the damage note comes next).
   */
  next: (row: number, field: RowField, damaged?: string) => void;
  /** What was scanned into a row's trace-code cell. */
  scan: (key: string, raw: string) => CodesAdded;
  removeCode: (key: string, code: string) => void;
  split: (key: string) => void;
  remove: (key: string) => void;
  left: (key: string) => void;
}

/** Enter, not while an input method is composing (a Chinese damage note). */
const isEnter = (e: React.KeyboardEvent) => e.key === 'Enter' && !e.nativeEvent.isComposing;

function CellProblem({ text, testId = 'rcv-problem' }: { text: string | null | undefined; testId?: string }) {
  if (!text) return null;
  return (
    <div className="rg-problem-text" data-testid={testId}>
      {text}
    </div>
  );
}

/**
 * One lot of one purchase order line. Memoised: typing in a cell re-renders its row only. The
 * first row of a line shows the product and what is outstanding; a split row says it is the same.
 */
const RowView = memo(function RowView({
  row: r,
  index,
  line,
  first,
  siblings,
  issues,
  showAll,
  server,
  named,
  actions,
}: {
  row: ReceiveRow;
  index: number;
  line: PurchaseLine | undefined;
  first: boolean;
  siblings: number;
  issues: RowIssue[] | undefined;
  showAll: boolean;
  server: PlacedErrors['rows'][string] | undefined;
  named: string | undefined;
  actions: RowActions;
}) {
  const { t } = useTranslation();
  const [scanText, setScanText] = useState('');
  const [scanNote, setScanNote] = useState<string[]>([]);
  const p = line?.product;
  const unit = p?.pack_unit ?? '';
  const label = p ? productLabel(p) : '';
  const shown = (issues ?? []).filter((i) => showAll || AT_ONCE.has(i.problem));
  const problem = (field: RowField) => {
    const i = shown.find((x) => x.field === field);
    return server?.[field] ?? (i ? t(k(`problem.${i.problem}`), i.params) : null);
  };
  const cellStatus = (field: RowField) => (problem(field) ? ('error' as const) : undefined);
  const keyDown = (field: RowField) => (e: React.KeyboardEvent<HTMLInputElement>) => {
    if (!isEnter(e)) return;
    e.preventDefault();
    if (field === 'expiry') {
      const d = parseDate(e.currentTarget.value);
      if (d && d !== e.currentTarget.value) actions.change(r.key, { expiry: d });
    }
    actions.next(index, field, field === 'damaged' ? e.currentTarget.value : undefined);
  };
  const common = (field: RowField) => ({
    size: 'small' as const,
    autoComplete: 'off',
    status: cellStatus(field),
    onKeyDown: keyDown(field),
    'data-testid': CELL_ID[field],
    'data-row': index,
    'data-line': r.poLineId,
  });
  const typed = parseQuantity(r.quantity);
  const good = typed == null || Number.isNaN(typed) ? 0 : typed;
  const over = r.codes.length > good;
  const scan = (raw: string) => {
    setScanText('');
    const res = actions.scan(r.key, raw);
    // Refused scans stay said (the latest first, a few of them): a quick scanner must not lose one.
    if (res.refused.length) setScanNote((n) => [...res.refused.map((x) => t(k(`code.${x.problem}`), { code: x.raw })).reverse(), ...n].slice(0, 3));
  };
  const rowProblem = !!named || !!server?.row || shown.length > 0 || !!server;
  return (
    <tr
      data-testid="rcv-row"
      data-row={index}
      data-key={r.key}
      data-line={r.poLineId}
      data-entry={line?.entry_id}
      data-problem={rowProblem ? 'true' : 'false'}
      className={[rowProblem ? 'rg-problem' : isBlank(r) ? 'rg-blank' : '', first ? 'rg-first' : 'rg-split'].join(' ')}
      onBlur={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) actions.left(r.key);
      }}
    >
      <td className="rg-narrow">
        <span className="num muted">{index + 1}</span>
      </td>
      <td className="rg-product">
        {first && p ? (
          <>
            <ProductCell product={p} />
            <div className="muted">{formatPack(p)}</div>
          </>
        ) : (
          <span className="muted" data-testid="rcv-split-mark">
            {t(k('grid.sameLine'))}
          </span>
        )}
        <CellProblem text={named ?? server?.row} testId="rcv-row-problem" />
      </td>
      <td className="rg-num">
        {first && line ? (
          <span data-testid="rcv-outstanding" data-value={line.outstanding}>
            <span className="num">{line.outstanding}</span>
            {unit}
          </span>
        ) : null}
      </td>
      <td className="rg-lot">
        <Input
          {...common('lot_no')}
          maxLength={60}
          value={r.lotNo}
          placeholder={t(k('grid.lotPlaceholder'))}
          onChange={(e) => actions.change(r.key, { lotNo: e.target.value })}
          aria-label={`${label} ${t(k('grid.lot'))}`}
        />
        <CellProblem text={problem('lot_no')} />
      </td>
      <td className="rg-date">
        <Input
          {...common('expiry')}
          inputMode="numeric"
          value={r.expiry}
          placeholder={t(k('grid.expiryPlaceholder'))}
          onChange={(e) => actions.change(r.key, { expiry: e.target.value })}
          onBlur={() => {
            const d = parseDate(r.expiry);
            if (d && d !== r.expiry) actions.change(r.key, { expiry: d });
          }}
          aria-label={`${label} ${t(k('grid.expiry'))}`}
        />
        <CellProblem text={problem('expiry')} />
      </td>
      <td className="rg-qty">
        <Input
          {...common('quantity')}
          inputMode="numeric"
          value={r.quantity}
          suffix={<span className="rg-unit">{unit}</span>}
          onFocus={(e) => e.target.select()}
          onChange={(e) => actions.change(r.key, { quantity: e.target.value })}
          styles={{ input: { textAlign: 'right' } }}
          aria-label={`${label} ${t(k('grid.quantity'))}`}
        />
        <CellProblem text={problem('quantity')} />
      </td>
      <td className="rg-qty rg-damaged">
        <Input
          {...common('damaged')}
          inputMode="numeric"
          value={r.damaged}
          placeholder="0"
          suffix={<span className="rg-unit">{unit}</span>}
          onFocus={(e) => e.target.select()}
          onChange={(e) => actions.change(r.key, { damaged: e.target.value })}
          styles={{ input: { textAlign: 'right' } }}
          aria-label={`${label} ${t(k('grid.damaged'))}`}
        />
        <CellProblem text={problem('damaged')} />
      </td>
      <td className="rg-note">
        <Input
          {...common('damage_note')}
          maxLength={1000}
          value={r.damageNote}
          placeholder={t(k('grid.damageNotePlaceholder'))}
          onChange={(e) => actions.change(r.key, { damageNote: e.target.value })}
          aria-label={`${label} ${t(k('grid.damageNote'))}`}
        />
        <CellProblem text={problem('damage_note')} />
      </td>
      <td className="rg-codes">
        <Input
          {...common('trace_codes')}
          value={scanText}
          prefix={<BarcodeOutlined className="muted" />}
          placeholder={t(k('grid.scanPlaceholder'))}
          onChange={(e) => setScanText(e.target.value)}
          onKeyDown={(e) => {
            if (!isEnter(e)) return;
            e.preventDefault();
            // A scan ends with Enter: the code joins the list and the cell waits for the next
            // pack. An Enter on an empty cell goes on to the next row.
            const raw = e.currentTarget.value;
            if (raw.trim()) scan(raw);
            else actions.next(index, 'trace_codes');
          }}
          onBlur={(e) => {
            if (e.currentTarget.value.trim()) scan(e.currentTarget.value);
          }}
          aria-label={`${label} ${t(k('grid.codes'))}`}
        />
        <div className="rg-code-head">
          <span
            className={over ? 'rg-count rg-count-over' : r.codes.length > 0 && r.codes.length === good ? 'rg-count rg-count-full' : 'rg-count'}
            data-testid="rcv-code-count"
            data-codes={r.codes.length}
            data-packs={good}
          >
            {t(k('grid.codesCount'), { codes: r.codes.length, packs: good })}
          </span>
          {r.codes.length > 0 ? (
            <a className="rg-clear-codes" onClick={() => actions.change(r.key, { codes: [] })} data-testid="rcv-codes-clear">
              {t(k('grid.clearCodes'))}
            </a>
          ) : null}
        </div>
        {r.codes.length > 0 ? (
          <div className="rg-code-list">
            {r.codes.map((c) => (
              <Tag
                key={c}
                closable
                onClose={(e) => {
                  e.preventDefault();
                  actions.removeCode(r.key, c);
                }}
                className="rg-code"
                data-testid="rcv-code"
                data-code={c}
              >
                {c}
              </Tag>
            ))}
          </div>
        ) : null}
        {scanNote.map((n, i) => (
          <CellProblem key={i} text={n} testId="rcv-scan-problem" />
        ))}
        {scanNote.length > 0 ? (
          <a className="rg-clear-codes" onClick={() => setScanNote([])} data-testid="rcv-scan-problem-clear">
            {t(k('grid.dismiss'))}
          </a>
        ) : null}
        <CellProblem text={problem('trace_codes')} />
      </td>
      <td className="rg-narrow">
        <Space size={0}>
          <Tooltip title={t(k('grid.splitHint'))}>
            <Button
              size="small"
              type="text"
              icon={<SplitCellsOutlined />}
              tabIndex={-1}
              onClick={() => actions.split(r.key)}
              aria-label={`${t(k('grid.split'))} ${label}`}
              data-testid="rcv-split"
            >
              {t(k('grid.split'))}
            </Button>
          </Tooltip>
          <Tooltip title={siblings > 1 ? t(k('grid.remove')) : t(k('grid.clear'))}>
            <Button
              size="small"
              type="text"
              danger
              icon={<DeleteOutlined />}
              tabIndex={-1}
              disabled={siblings <= 1 && isBlank(r)}
              onClick={() => actions.remove(r.key)}
              aria-label={`${siblings > 1 ? t(k('grid.remove')) : t(k('grid.clear'))} ${label}`}
              data-testid="rcv-remove"
            />
          </Tooltip>
        </Space>
      </td>
    </tr>
  );
});

const GRID_CSS = `
.rg-scroll { overflow-x: auto; }
.rg-table { width: 100%; min-width: 1120px; border-collapse: separate; border-spacing: 0; }
.rg-table th { position: sticky; top: 0; z-index: 3; background: #fafafa; font-weight: 600; text-align: start;
  padding: 8px 6px; border-bottom: 1px solid #f0f0f0; white-space: nowrap; }
.rg-table th.rg-num { text-align: end; }
.rg-table td { padding: 5px 6px; border-bottom: 1px solid #f0f0f0; vertical-align: top; }
.rg-table tr.rg-split > td { border-top: 1px dashed #e8e8e8; }
.rg-table td.rg-narrow { width: 1%; white-space: nowrap; }
.rg-table td.rg-num { text-align: end; white-space: nowrap; font-variant-numeric: tabular-nums; padding-top: 9px; }
.rg-table td.rg-product { min-width: 180px; max-width: 260px; }
.rg-table td.rg-lot { width: 130px; }
.rg-table td.rg-date { width: 124px; }
.rg-table td.rg-qty { width: 96px; }
.rg-table td.rg-note { width: 130px; }
.rg-table td.rg-codes { width: 230px; }
.rg-table tr.rg-blank > td { color: #8c8c8c; }
.rg-table tr.rg-problem > td { background: #fff1f0; }
.rg-table tr:hover > td { background: #fafcff; }
.rg-table tr.rg-problem:hover > td { background: #ffece8; }
.rg-unit { color: #8c8c8c; font-size: 11px; }
.rg-problem-text { color: #c0392b; font-size: 12px; line-height: 1.4; margin-top: 2px; white-space: normal; }
.rg-code-head { display: flex; justify-content: space-between; gap: 8px; margin-top: 2px; font-size: 12px; }
.rg-count { color: #8c8c8c; }
.rg-count-full { color: #389e0d; }
.rg-count-over { color: #cf1322; font-weight: 600; }
.rg-code-list { max-height: 84px; overflow-y: auto; margin-top: 2px; }
.rg-code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 11px; margin: 0 4px 2px 0; }
.rg-clear-codes { font-size: 12px; }
`;

function ReceiveGrid({ po, minShelfDays }: { po: PurchaseOrder; minShelfDays: number | null }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const today = consortiumToday();
  const [rows, setRows] = useState<ReceiveRow[]>(() => initialRows(po.lines));
  const [receivedOn, setReceivedOn] = useState<Dayjs>(today);
  const [invoiceNo, setInvoiceNo] = useState('');
  const [note, setNote] = useState('');
  const [left, setLeft] = useState<Set<string>>(new Set());
  const [attempted, setAttempted] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [placed, setPlaced] = useState<PlacedErrors>({ rows: {}, header: {}, rest: [] });
  const [named, setNamed] = useState<Record<string, string>>({});
  const [stale, setStale] = useState(false);
  const rowsRef = useRef(rows);
  rowsRef.current = rows;

  const lines = useMemo(() => new Map(po.lines.map((l) => [l.id ?? 0, l])), [po.lines]);
  const day = receivedOn.format(DATE_FORMAT);
  const check = useMemo(() => checkRows(rows, po.lines, { receivedOn: day, minShelfDays }), [rows, po.lines, day, minShelfDays]);
  const siblings = useMemo(() => {
    const m = new Map<number, number>();
    for (const r of rows) m.set(r.poLineId, (m.get(r.poLineId) ?? 0) + 1);
    return m;
  }, [rows]);

  /** An edit takes back what the server said about the row. */
  const clearRow = useCallback((key: string) => {
    setPlaced((p) => {
      if (!p.rows[key]) return p;
      const { [key]: _drop, ...rest } = p.rows;
      return { ...p, rows: rest };
    });
    setNamed((m) => {
      if (!(key in m)) return m;
      const { [key]: _drop, ...rest } = m;
      return rest;
    });
  }, []);

  const actions: RowActions = useMemo(
    () => ({
      change: (key, patch) => {
        setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
        clearRow(key);
      },
      next: (row, field, damaged) => {
        const rs = damaged == null ? rowsRef.current : rowsRef.current.map((r, i) => (i === row ? { ...r, damaged } : r));
        const to = nextCell(rs, row, field);
        if (to) focusCell(to.row, to.field);
      },
      scan: (key, raw) => {
        const rs = rowsRef.current;
        const taken = new Set(rs.filter((r) => r.key !== key).flatMap((r) => r.codes));
        const own = rs.find((r) => r.key === key)?.codes ?? [];
        const res = addTraceCodes(own, raw, taken);
        if (res.added.length) {
          setRows((cur) => cur.map((r) => (r.key === key ? { ...r, codes: [...r.codes, ...res.added.filter((c) => !r.codes.includes(c))] } : r)));
          clearRow(key);
        }
        return res;
      },
      removeCode: (key, code) => {
        setRows((rs) => rs.map((r) => (r.key === key ? { ...r, codes: r.codes.filter((c) => c !== code) } : r)));
        clearRow(key);
      },
      split: (key) => {
        const { rows: next, at } = splitRow(rowsRef.current, key);
        // The new row is there before it is focused (what is typed next goes into it).
        flushSync(() => setRows(next));
        if (at >= 0) focusCell(at, 'lot_no');
      },
      remove: (key) => {
        setRows((rs) => removeRow(rs, key));
        clearRow(key);
      },
      left: (key) => setLeft((s) => (s.has(key) ? s : new Set(s).add(key))),
    }),
    [clearRow],
  );

  const sentRef = useRef<string[]>([]);
  const submit = useMutation({
    mutationFn: () => {
      const { body, sent } = receiptBody(po, rowsRef.current, { receivedOn: day, invoiceNo, note });
      sentRef.current = sent;
      return createReceipt(body);
    },
    onSuccess: (r) => {
      setConfirming(false);
      void queryClient.invalidateQueries({ queryKey: purchaseOrderKey(po.id) });
      void queryClient.invalidateQueries({ queryKey: [PURCHASE_ORDERS_KEY] });
      void queryClient.invalidateQueries({ queryKey: [RECEIPTS_KEY] });
      void queryClient.invalidateQueries({ queryKey: ['stock'] });
      void message.success(t(k('done'), { no: r.receipt_no }));
      void navigate(`/procurement/purchase-orders/${po.id}`, { state: { receipt: r } });
    },
    onError: (e) => {
      setConfirming(false);
      if (e instanceof ApiError && e.status === 409) {
        // Someone received or closed it meanwhile: read it again, keep what was typed.
        setStale(true);
        setError(null);
        void queryClient.invalidateQueries({ queryKey: purchaseOrderKey(po.id) });
        void queryClient.invalidateQueries({ queryKey: [PURCHASE_ORDERS_KEY] });
        void message.warning(t(k('stale')));
        return;
      }
      if (e instanceof ApiError && e.errors.length > 0) {
        const p = placeFieldErrors(e.errors, sentRef.current);
        setPlaced(p);
        setError(new ApiError(e.status, { ...e.problem, errors: p.rest }));
        return;
      }
      setError(e);
      if (e instanceof ApiError && e.rule) {
        const keys = rowsNamed(e.detail, rowsRef.current, (id) => lines.get(id)?.product);
        setNamed(Object.fromEntries(keys.map((key) => [key, `${e.rule}: ${e.detail}`])));
      }
    },
  });

  const trySubmit = () => {
    setAttempted(true);
    setStale(false);
    if (check.rows === 0) {
      void message.error(t(k('footer.nothing')));
      setTimeout(() => focusCell(0, 'lot_no'), 0);
      return;
    }
    const wrong = Object.keys(check.issues);
    if (wrong.length > 0) {
      void message.error(t(k('footer.fix'), { count: wrong.length }));
      const at = rows.findIndex((r) => r.key === wrong[0]);
      const field = check.issues[wrong[0]][0].field;
      if (at >= 0) setTimeout(() => focusCell(at, field), 0);
      return;
    }
    setError(null);
    setConfirming(true);
  };

  const first = minShelfDays != null ? addDays(day, minShelfDays) : null;
  const invoice = invoiceNo.trim();

  return (
    <>
      {stale ? (
        <Alert type="warning" showIcon style={{ marginBottom: 12 }} data-testid="rcv-stale" title={t(k('stale'))} closable onClose={() => setStale(false)} />
      ) : null}
      <div data-testid="rcv-error" data-rule={error instanceof ApiError ? (error.rule ?? '') : ''}>
        <ErrorAlert error={error} />
      </div>
      <Card size="small" style={{ marginBottom: 12 }}>
        <div className="rcv-header">
          <label className="rcv-field">
            <span className="rcv-label">{t(k('header.receivedOn'))}</span>
            <DatePicker
              value={receivedOn}
              allowClear={false}
              format={DATE_FORMAT}
              onChange={(d) => d && setReceivedOn(d)}
              disabledDate={(d) => d.isAfter(today, 'day') || d.isBefore(dayjs(po.created_at), 'day')}
              status={placed.header.received_on ? 'error' : undefined}
              data-testid="rcv-received-on"
            />
            <CellProblem text={placed.header.received_on} />
          </label>
          <label className="rcv-field">
            <span className="rcv-label">{t(k('header.invoiceNo'))}</span>
            <Input
              style={{ width: 220 }}
              maxLength={64}
              autoComplete="off"
              value={invoiceNo}
              placeholder={t(k('header.invoicePlaceholder'))}
              status={placed.header.invoice_no ? 'error' : undefined}
              onChange={(e) => setInvoiceNo(e.target.value)}
              onKeyDown={(e) => {
                if (isEnter(e)) {
                  e.preventDefault();
                  focusCell(0, 'lot_no');
                }
              }}
              data-testid="rcv-invoice"
            />
            <span className="muted rcv-hint" data-testid="rcv-invoice-hint">
              {invoice ? t(k('header.invoiceWith')) : t(k('header.invoiceHint'))}
            </span>
            <CellProblem text={placed.header.invoice_no} />
          </label>
          <label className="rcv-field rcv-field-wide">
            <span className="rcv-label">{t(k('header.note'))}</span>
            <Input
              maxLength={1000}
              autoComplete="off"
              value={note}
              placeholder={t(k('header.notePlaceholder'))}
              onChange={(e) => setNote(e.target.value)}
              onKeyDown={(e) => {
                if (isEnter(e)) e.preventDefault();
              }}
              data-testid="rcv-note"
            />
            <CellProblem text={placed.header.note} />
          </label>
        </div>
        {first ? (
          <div className="muted" style={{ marginTop: 8, fontSize: 12 }} data-testid="rcv-shelf-hint" data-first={first}>
            {t(k('header.shelfHint'), { days: minShelfDays, day, first })}
          </div>
        ) : null}
      </Card>
      <Card size="small" styles={{ body: { padding: 12 } }}>
        <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 8 }}>
          {t(k('grid.hint'))}
        </Typography.Paragraph>
        <div className="rg-scroll">
          <table className="rg-table" data-testid="rcv-grid">
            <thead>
              <tr>
                <th>{t(k('grid.no'))}</th>
                <th>{t(k('grid.product'))}</th>
                <th className="rg-num">{t(k('grid.outstanding'))}</th>
                <th>{t(k('grid.lot'))}</th>
                <th>{t(k('grid.expiry'))}</th>
                <th>{t(k('grid.quantity'))}</th>
                <th>{t(k('grid.damaged'))}</th>
                <th>{t(k('grid.damageNote'))}</th>
                <th>{t(k('grid.codes'))}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <RowView
                  key={r.key}
                  row={r}
                  index={i}
                  line={lines.get(r.poLineId)}
                  first={firstOfLine(rows, i)}
                  siblings={siblings.get(r.poLineId) ?? 1}
                  issues={check.issues[r.key]}
                  showAll={attempted || left.has(r.key)}
                  server={placed.rows[r.key]}
                  named={named[r.key]}
                  actions={actions}
                />
              ))}
              {rows.length === 0 ? (
                <tr>
                  <td colSpan={10}>
                    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t(k('grid.nothingOutstanding'))} />
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
        </div>
        <div className="rcv-footer" data-testid="rcv-summary" data-rows={check.rows} data-good={check.good} data-damaged={check.damaged} data-codes={check.codes}>
          <Typography.Text type="secondary">{t(k('footer.rows'), { count: check.rows })}</Typography.Text>
          <span>
            {t(k('footer.good'))}
            {t('common.colon')}
            <strong className="num">{check.good}</strong>
          </span>
          <span>
            {t(k('footer.damaged'))}
            {t('common.colon')}
            <strong className="num" style={{ color: check.damaged > 0 ? '#d46b08' : undefined }}>
              {check.damaged}
            </strong>
          </span>
          <span>
            {t(k('footer.codes'))}
            {t('common.colon')}
            <strong className="num">{check.codes}</strong>
          </span>
          <Button type="primary" icon={<ImportOutlined />} onClick={trySubmit} loading={submit.isPending} data-testid="rcv-submit">
            {t(k('footer.submit'))}
          </Button>
        </div>
      </Card>
      <Modal
        open={confirming}
        title={t(k('confirm.title'))}
        onCancel={() => setConfirming(false)}
        onOk={() => submit.mutate()}
        okText={t(k('confirm.ok'))}
        okButtonProps={{ loading: submit.isPending, autoFocus: true, 'data-testid': 'rcv-confirm' } as never}
        cancelText={t('common.cancel')}
      >
        <p data-testid="rcv-confirm-body">
          {t(k('confirm.body'), { no: po.po_no, rows: check.rows, good: check.good, damaged: check.damaged, codes: check.codes })}
        </p>
        <p>
          {invoice ? (
            <span data-testid="rcv-confirm-invoice">{t(k('confirm.invoice'), { no: invoice })}</span>
          ) : (
            <Tag color="orange" data-testid="rcv-confirm-invoice-pending">
              {t(k('confirm.invoicePending'))}
            </Tag>
          )}
          <span className="muted" style={{ marginInlineStart: 8 }}>
            {t(k('confirm.day'), { day })}
          </span>
        </p>
        <p className="muted">{t(k('confirm.stock'))}</p>
      </Modal>
      <style>{GRID_CSS}</style>
      <style>{`
.rcv-header { display: flex; flex-wrap: wrap; gap: 12px 24px; align-items: flex-start; }
.rcv-field { display: flex; flex-direction: column; gap: 4px; }
.rcv-field-wide { flex: 1; min-width: 240px; }
.rcv-label { font-size: 13px; color: rgba(0,0,0,.65); }
.rcv-hint { font-size: 12px; max-width: 300px; }
.rcv-footer { display: flex; gap: 16px; align-items: center; justify-content: flex-end; flex-wrap: wrap; margin-top: 12px; }
`}</style>
    </>
  );
}

/** 收货入库: the goods of a purchase order received into the central warehouse, a row per lot. */
export default function Receive() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const id = Number(useParams().id);
  const query = useQuery({
    queryKey: purchaseOrderKey(id),
    queryFn: () => getPurchaseOrder(id),
    enabled: Number.isFinite(id) && id > 0,
  });
  const settings = useQuery({
    queryKey: DISTRIBUTION_SETTINGS_KEY,
    queryFn: getDistributionSettings,
    enabled: can(me, 'read_distribution'),
    staleTime: 60_000,
  });
  const po = query.data;
  const backTo = `/procurement/purchase-orders/${id}`;
  const back = <Button type="text" icon={<ArrowLeftOutlined />} onClick={() => void navigate(backTo)} aria-label={t(k('back'))} />;

  if (query.error instanceof ApiError && (query.error.status === 404 || query.error.status === 403)) {
    return (
      <Result
        status="404"
        title={t('procurement.purchaseOrders.detail.notFound')}
        extra={
          <Link to="/procurement/purchase-orders">
            <Button>{t('procurement.purchaseOrders.detail.back')}</Button>
          </Link>
        }
      />
    );
  }
  if (!po) {
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
  return (
    <>
      <PageTitle
        title={
          <Space>
            {back}
            <span data-testid="rcv-title">{t(k('title'), { no: po.po_no })}</span>
            <PoStatusTag status={po.status} />
          </Space>
        }
        sub={po.supplier_name}
      />
      {isReceivable(po.status) ? (
        <ReceiveGrid key={po.id} po={po} minShelfDays={settings.data?.min_shelf_days ?? null} />
      ) : (
        <Result
          status="info"
          data-testid="rcv-not-receivable"
          title={t(k('notReceivable'), { no: po.po_no, status: t(`procurement.purchaseOrders.status.${po.status}`) })}
          extra={
            <Link to={backTo}>
              <Button>{t(k('back'))}</Button>
            </Link>
          }
        />
      )}
    </>
  );
}
