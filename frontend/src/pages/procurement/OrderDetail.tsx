import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Alert, App, Button, Card, Descriptions, Empty, Form, Input, Modal, Result, Skeleton, Space, Tag, Tooltip, Typography } from 'antd';
import {
  ArrowLeftOutlined,
  CheckOutlined,
  CloseCircleFilled,
  DeleteOutlined,
  DownloadOutlined,
  FileExcelOutlined,
  RollbackOutlined,
  SendOutlined,
  SwapOutlined,
  UploadOutlined,
  WarningFilled,
} from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import {
  ORDERS_KEY,
  approveOrder,
  approvedTotal,
  getOrder,
  isEditable,
  linesInput,
  loadUsed,
  newIdempotencyKey,
  orderKey,
  parseQuantity,
  planAdjustments,
  putOrderLines,
  reasonOk,
  returnOrder,
  roundUnits,
  submitOrder,
  type AdjustProblem,
  type LineEdit,
  type Order,
  type OrderLine,
  type OrderLineInput,
  orderXlsxUrl,
} from '../../api/orders';
import { productLabel } from '../../api/contracts';
import { ApiError, describeError, isStale } from '../../api/problem';
import type { SearchHit } from '../../api/types';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { formatDateTime, formatMoney, formatPack } from '../../lib/format';
import { formatPacks } from '../../lib/packs';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import SearchBox from '../../components/SearchBox';
import ProductCell from '../../components/stock/ProductCell';
import { CycleCell, OrderStatusTag } from './Orders';
import OrderImport from './OrderImport';

const k = (key: string) => `procurement.orders.${key}`;

const qtySel = (row: number) => `input[data-testid="line-quantity"][data-row="${row}"]`;
const approveSel = (row: number) => `input[data-testid="line-approve-qty"][data-row="${row}"]`;
const reasonSel = (row: number) => `input[data-testid="line-reason"][data-row="${row}"]`;

function focusSel(sel: string) {
  const el = document.querySelector<HTMLInputElement>(sel);
  if (el) {
    el.focus();
    el.select();
  }
}

function focusRow(row: number) {
  focusSel(qtySel(row));
}

interface RowActions {
  /** Commit a cell's text (null = follow the suggestion); resolves whether it was accepted. */
  commit: (entryId: number, text: string) => void;
  remove: (entryId: number) => void;
  /** Put the VBP-selected product of the line's generic in its place, keeping the quantity (O5). */
  switchVbp: (entryId: number) => void;
}

/** The reviewer's edit of a line changes its quantity (a number other than the ordered one). */
function editChanges(l: Pick<OrderLine, 'quantity'>, edit: LineEdit | undefined): boolean {
  if (!edit) return false;
  const q = parseQuantity(edit.quantity);
  return q != null && !Number.isNaN(q) && q !== l.quantity;
}

/** Months of stock, red below one month, amber below two. */
function MonthsCell({ months }: { months: string | null | undefined }) {
  if (months == null || months === '') return <span className="muted">—</span>;
  const n = Number(months);
  const color = n < 1 ? '#cf1322' : n < 2 ? '#d48806' : undefined;
  return (
    <span className="num" style={{ color, fontWeight: color ? 600 : undefined }} data-testid="line-months">
      {months}
    </span>
  );
}

/**
 * O5: the generic has a volume-based-procured (集采中选) product; a line still open to change
 * offers it in the line's place.
 */
function VbpNotice({
  line: l,
  canSwitch,
  inOrder,
  busy,
  onSwitch,
}: {
  line: OrderLine;
  canSwitch: boolean;
  inOrder: boolean;
  busy: boolean;
  onSwitch: (entryId: number) => void;
}) {
  const { t } = useTranslation();
  const alt = l.vbp_alternative;
  if (!alt) return null;
  const ap = alt.product;
  const details = (
    <>
      {t(k('vbp.notice'))}
      {t('common.colon')}
      <strong data-testid="line-vbp-name">{productLabel(ap)}</strong>
      {' '}
      {[ap.dosage_form, ap.manufacturer, formatPack(ap)].filter(Boolean).join(' · ')}
      {' · '}
      {t(k('vbp.price'), { price: formatMoney(alt.price), unit: ap.pack_unit })}
      {' · '}
      {alt.contract_no}
    </>
  );
  if (!canSwitch) {
    // Read only (submitted, or no right to order): a mark, the details on hover.
    return (
      <div style={{ marginTop: 2 }} data-testid="line-vbp" data-alternative={alt.entry_id}>
        <Tooltip title={details}>
          <Tag color="cyan" style={{ cursor: 'help' }}>
            {t(k('vbp.tag'))} · {t(k('vbp.short'))}
          </Tag>
        </Tooltip>
      </div>
    );
  }
  return (
    <div className="og-vbp" data-testid="line-vbp" data-alternative={alt.entry_id}>
      <Tag color="cyan" className="og-vbp-tag">
        {t(k('vbp.tag'))}
      </Tag>
      <span>
        {t(k('vbp.notice'))}
        {t('common.colon')}
        <strong data-testid="line-vbp-name">{productLabel(ap)}</strong>
        <span className="muted">
          {' '}
          {[ap.dosage_form, ap.manufacturer, formatPack(ap)].filter(Boolean).join(' · ')}
          {' · '}
          {t(k('vbp.price'), { price: formatMoney(alt.price), unit: ap.pack_unit })}
          {' · '}
          {alt.contract_no}
        </span>
      </span>
      {inOrder ? (
        <span className="muted" data-testid="line-vbp-in-order">
          {t(k('vbp.already'))}
        </span>
      ) : canSwitch ? (
        <Button
          size="small"
          icon={<SwapOutlined />}
          loading={busy}
          onClick={() => onSwitch(l.entry_id)}
          data-testid="line-vbp-switch"
        >
          {t(k('vbp.switch'))}
        </Button>
      ) : null}
    </div>
  );
}

/**
 * One line of the grid. Memoised: typing in a cell re-renders that line only. The cell keeps its
 * own text while focused; the order's answer replaces it after a save.
 *
 * While the lead hospital reviews (`reviewing`), two more cells: the approved quantity (the
 * ordered one until changed) and, once it differs, the reason the member will read (O4). Once
 * reviewed (`reviewed`), the approved quantity beside the ordered one, with the reason.
 */
const LineRow = memo(function LineRow({
  line: l,
  row,
  readOnly,
  saving,
  error,
  actions,
  reviewing,
  reviewed,
  showVbp,
  vbpInOrder,
  edit,
  problem,
  onEdit,
}: {
  line: OrderLine;
  row: number;
  readOnly: boolean;
  saving: boolean;
  error: string | undefined;
  actions: RowActions;
  reviewing: boolean;
  reviewed: boolean;
  showVbp: boolean;
  vbpInOrder: boolean;
  edit: LineEdit | undefined;
  problem: AdjustProblem | undefined;
  onEdit: (lineId: number, edit: LineEdit) => void;
}) {
  const { t } = useTranslation();
  const shown = l.typed ? String(l.quantity) : '';
  const [text, setText] = useState(shown);
  const [local, setLocal] = useState<string | null>(null);
  // The server's value replaces the cell unless it is being edited.
  useEffect(() => setText(shown), [shown]);
  const p = l.product;
  const amc = roundUnits(l.amc);
  const parsed = parseQuantity(text);
  const problemText = local ?? (Number.isNaN(parsed) ? t(k('grid.badQuantity')) : parsed === 0 ? t(k('grid.zeroQuantity')) : null);
  const commit = () => {
    if (text === shown) return;
    const v = parseQuantity(text);
    if (Number.isNaN(v) || v === 0) {
      setLocal(Number.isNaN(v) ? t(k('grid.badQuantity')) : t(k('grid.zeroQuantity')));
      return;
    }
    setLocal(null);
    actions.commit(l.entry_id, text);
  };
  const move = (to: number) => {
    commit();
    focusRow(to);
  };
  // The review's cells.
  const approveText = edit?.quantity ?? String(l.quantity);
  const changed = reviewing && editChanges(l, edit);
  const struck = changed && parseQuantity(approveText) === 0;
  const setApprove = (quantity: string) => onEdit(l.id, { quantity, reason: edit?.reason ?? '' });
  const adjusted = reviewed && l.approved != null && l.approved !== l.quantity;
  const compact = reviewing || reviewed;
  const rowClass =
    error || (problemText && !readOnly) || problem
      ? 'og-problem'
      : changed || adjusted
        ? 'og-adjusted'
        : l.quantity <= 0 || (reviewed && l.approved === 0)
          ? 'og-zero'
          : '';
  return (
    <tr
      data-testid="order-line"
      data-entry={l.entry_id}
      data-line={l.id}
      data-typed={l.typed ? 'true' : 'false'}
      data-adjusted={changed || adjusted ? 'true' : 'false'}
      className={rowClass}
    >
      <td className="og-narrow">
        <span className="num muted">{row + 1}</span>
      </td>
      <td>
        <ProductCell product={p} />
        {l.uncovered ? (
          <Tag color="red" style={{ marginTop: 2 }} data-testid="line-uncovered">
            {t(k('approved.uncovered'))}
          </Tag>
        ) : null}
        {showVbp && l.vbp_alternative ? (
          <VbpNotice line={l} canSwitch={!readOnly} inOrder={vbpInOrder} busy={saving} onSwitch={actions.switchVbp} />
        ) : null}
        {error ? (
          <div style={{ color: '#c0392b', fontSize: 12 }} data-testid="line-error">
            {error}
          </div>
        ) : null}
      </td>
      <td className="og-nowrap">{formatPack(p)}</td>
      <td className="og-num" data-testid="line-on-hand">
        {formatPacks(l.on_hand, p)}
      </td>
      <td className="og-num">{l.in_transit ? formatPacks(l.in_transit, p) : <span className="muted">—</span>}</td>
      <td className="og-num" title={`${l.amc}${p.base_unit}`}>
        {amc == null ? '—' : formatPacks(amc, p)}
      </td>
      <td className="og-num">
        <MonthsCell months={l.months_of_stock} />
      </td>
      <td className="og-num">
        <span className="num" data-testid="line-suggested" data-value={l.suggested}>
          {l.suggested}
        </span>
        <span className="muted">{p.pack_unit}</span>
      </td>
      <td className={readOnly ? 'og-num' : 'og-qty'}>
        {readOnly ? (
          <span
            data-testid="line-quantity-view"
            data-value={l.quantity}
            className={adjusted ? 'og-was' : undefined}
            style={{ fontWeight: l.typed && !adjusted ? 700 : 400 }}
          >
            <span className="num">{l.quantity}</span>
            {p.pack_unit}
            {l.typed ? null : (
              <Tag style={{ marginInlineStart: 6 }} className="og-mark">
                {t(k('grid.suggestMark'))}
              </Tag>
            )}
          </span>
        ) : (
          <Space.Compact size="small" style={{ width: '100%' }}>
            <Input
              size="small"
              inputMode="numeric"
              autoComplete="off"
              value={text}
              placeholder={String(l.suggested)}
              status={problemText ? 'error' : undefined}
              onChange={(e) => {
                setText(e.target.value);
                setLocal(null);
              }}
              onFocus={(e) => e.target.select()}
              onBlur={commit}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === 'ArrowDown') {
                  e.preventDefault();
                  move(row + 1);
                } else if (e.key === 'ArrowUp') {
                  e.preventDefault();
                  move(row - 1);
                } else if (e.key === 'Escape') {
                  setText(shown);
                  setLocal(null);
                }
              }}
              suffix={
                l.typed || text ? (
                  <Tooltip title={t(k('grid.clear'))}>
                    <CloseCircleFilled
                      className="og-clear"
                      role="button"
                      aria-label={t(k('grid.clear'))}
                      data-testid="line-clear"
                      onMouseDown={(e) => e.preventDefault()}
                      onClick={() => {
                        setText('');
                        setLocal(null);
                        if (l.typed) actions.commit(l.entry_id, '');
                      }}
                    />
                  </Tooltip>
                ) : (
                  <span className="og-mark" data-testid="line-suggest-mark">
                    {t(k('grid.suggestMark'))}
                  </span>
                )
              }
              className={l.typed ? 'og-typed' : 'og-follow'}
              style={{ textAlign: 'right' }}
              aria-label={`${productLabel(p)} ${t(k('grid.quantity'))}`}
              data-testid="line-quantity"
              data-row={row}
              data-entry={l.entry_id}
              data-typed={l.typed ? 'true' : 'false'}
              data-value={l.quantity}
            />
          </Space.Compact>
        )}
        {problemText && !readOnly ? <div style={{ color: '#c0392b', fontSize: 12 }}>{problemText}</div> : null}
        {saving ? <div className="muted" style={{ fontSize: 12 }}>{t(k('grid.saving'))}</div> : null}
      </td>
      {reviewing ? (
        <>
          <td className="og-qty">
            <Input
              size="small"
              inputMode="numeric"
              autoComplete="off"
              value={approveText}
              status={problem === 'quantity' || problem === 'tooMany' ? 'error' : changed ? 'warning' : undefined}
              onChange={(e) => setApprove(e.target.value)}
              onFocus={(e) => e.target.select()}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  // A changed quantity asks for its reason next; else the next line.
                  if (changed && !reasonOk(edit?.reason)) focusSel(reasonSel(row));
                  else focusSel(approveSel(row + 1));
                } else if (e.key === 'ArrowDown') {
                  e.preventDefault();
                  focusSel(approveSel(row + 1));
                } else if (e.key === 'ArrowUp') {
                  e.preventDefault();
                  focusSel(approveSel(row - 1));
                } else if (e.key === 'Escape') {
                  onEdit(l.id, { quantity: String(l.quantity), reason: '' });
                }
              }}
              suffix={<span className="og-mark">{p.pack_unit}</span>}
              className={changed ? 'og-typed' : 'og-follow'}
              styles={{ input: { textAlign: 'right' } }}
              aria-label={`${productLabel(p)} ${t(k('review.approvedQty'))}`}
              data-testid="line-approve-qty"
              data-row={row}
              data-line={l.id}
              data-entry={l.entry_id}
              data-changed={changed ? 'true' : 'false'}
            />
            {struck ? (
              <div className="og-mark" style={{ color: '#cf1322' }}>
                {t(k('review.strike'))}
              </div>
            ) : null}
            {problem === 'quantity' || problem === 'tooMany' ? (
              <div style={{ color: '#c0392b', fontSize: 12 }} data-testid="line-review-problem">
                {t(k(`review.problem.${problem}`))}
              </div>
            ) : null}
          </td>
          <td className={changed ? 'og-reason og-reason-on' : 'og-reason'}>
            {changed ? (
              <Input
                size="small"
                autoComplete="off"
                maxLength={500}
                value={edit?.reason ?? ''}
                placeholder={t(k('review.reasonPlaceholder'))}
                status={problem === 'reason' ? 'error' : undefined}
                onChange={(e) => onEdit(l.id, { quantity: approveText, reason: e.target.value })}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === 'ArrowDown') {
                    e.preventDefault();
                    focusSel(approveSel(row + 1));
                  } else if (e.key === 'ArrowUp') {
                    e.preventDefault();
                    focusSel(approveSel(row - 1));
                  }
                }}
                aria-label={`${productLabel(p)} ${t(k('review.reason'))}`}
                data-testid="line-reason"
                data-row={row}
                data-line={l.id}
              />
            ) : (
              <span className="muted">—</span>
            )}
            {problem === 'reason' ? (
              <div style={{ color: '#c0392b', fontSize: 12 }} data-testid="line-review-problem">
                {t(k('review.problem.reason'))}
              </div>
            ) : null}
          </td>
        </>
      ) : null}
      {reviewed ? (
        <td className="og-approved">
          <span data-testid="line-approved" data-value={l.approved ?? ''} style={{ fontWeight: adjusted ? 700 : 400 }}>
            <span className="num">{l.approved ?? '—'}</span>
            {l.approved != null ? p.pack_unit : null}
          </span>
          {adjusted ? (
            <Tag color="orange" style={{ marginInlineStart: 6 }} data-testid="line-adjusted">
              {t(k('approved.adjusted'))}
            </Tag>
          ) : null}
          {l.adjust_reason ? (
            <div className="og-adjust-reason" data-testid="line-adjust-reason">
              {l.adjust_reason}
            </div>
          ) : null}
        </td>
      ) : null}
      <td className="og-num">
        {l.price != null ? (
          <span className="num" data-testid="line-price">
            {formatMoney(l.price)}
          </span>
        ) : (
          <Tag color="orange" data-testid="line-unpriced">
            {t(k('grid.noContract'))}
          </Tag>
        )}
        {/* With the review's columns the contract goes under the price, to keep the grid on screen. */}
        {compact && l.contract_no ? <div className="muted">{l.contract_no}</div> : null}
      </td>
      {compact ? null : <td className="og-nowrap">{l.contract_no ?? <span className="muted">—</span>}</td>}
      <td className="og-num">
        {l.amount != null ? (
          <span className="num" data-testid="line-amount">
            {formatMoney(l.amount)}
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      {readOnly ? null : (
        <td className="og-narrow">
          <Button
            size="small"
            type="text"
            danger
            icon={<DeleteOutlined />}
            tabIndex={-1}
            onClick={() => actions.remove(l.entry_id)}
            aria-label={`${t(k('grid.remove'))} ${productLabel(p)}`}
            data-testid="line-remove"
          />
        </td>
      )}
    </tr>
  );
});

const GRID_CSS = `
.og-table { width: 100%; border-collapse: separate; border-spacing: 0; }
.og-table th { position: sticky; top: 52px; z-index: 3; background: #fafafa; font-weight: 600; text-align: start;
  padding: 8px 6px; border-bottom: 1px solid #f0f0f0; white-space: nowrap; }
.og-table th.og-num { text-align: end; }
.og-table td { padding: 5px 6px; border-bottom: 1px solid #f0f0f0; vertical-align: middle; }
.og-table td.og-narrow { width: 1%; white-space: nowrap; }
.og-table td.og-nowrap { white-space: nowrap; }
.og-table td.og-num { text-align: end; white-space: nowrap; font-variant-numeric: tabular-nums; }
.og-table td.og-qty { width: 130px; }
.og-table td.og-reason-on { min-width: 170px; }
.og-table td.og-approved { text-align: end; min-width: 110px; font-variant-numeric: tabular-nums; }
.og-table .og-adjust-reason { text-align: start; font-size: 12px; color: #ad4e00; white-space: normal; max-width: 260px; margin-inline-start: auto; }
.og-table .og-was { text-decoration: line-through; color: #8c8c8c; }
.og-table tr:hover > td { background: #fafcff; }
.og-table tr.og-problem > td { background: #fff1f0; }
.og-table tr.og-adjusted > td { background: #fffbe6; }
.og-table tr.og-zero > td { color: #8c8c8c; }
.og-table .og-follow input::placeholder { color: #8c8c8c; opacity: 1; }
.og-table .og-typed input { font-weight: 700; }
.og-vbp { margin-top: 4px; padding: 3px 6px; background: #e6fffb; border: 1px solid #87e8de; border-radius: 4px;
  font-size: 12px; line-height: 1.6; max-width: 420px; }
.og-vbp .og-vbp-tag { margin-inline-end: 4px; font-size: 11px; line-height: 16px; padding: 0 4px; }
.og-vbp .ant-btn { margin-inline-start: 6px; }
.og-mark { color: #8c8c8c; font-size: 11px; }
.og-clear { color: #bfbfbf; cursor: pointer; }
.og-clear:hover { color: #8c8c8c; }
`;

function OrderHeader({ order }: { order: Order }) {
  const { t } = useTranslation();
  return (
    <Card size="small" style={{ marginBottom: 12 }}>
      <Descriptions size="small" column={{ xs: 1, md: 2, xl: 4 }} data-testid="order-header">
        <Descriptions.Item label={t(k('detail.institution'))}>
          <span data-testid="header-institution">{order.institution_name}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t(k('detail.cycle'))}>
          <CycleCell order={order} />
        </Descriptions.Item>
        <Descriptions.Item label={t(k('detail.status'))}>
          <OrderStatusTag status={order.status} />
        </Descriptions.Item>
        <Descriptions.Item label={t(k('detail.version'))}>
          <span className="num" data-testid="order-version">
            {order.version}
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t(k('detail.createdBy'))}>
          {order.created_by ?? '—'} · {formatDateTime(order.created_at)}
        </Descriptions.Item>
        {order.submitted_at ? (
          <Descriptions.Item label={t(k('detail.submittedBy'))}>
            <span data-testid="order-submitted">
              {order.submitted_by ?? '—'} · {formatDateTime(order.submitted_at)}
            </span>
          </Descriptions.Item>
        ) : null}
        {order.reviewed_at ? (
          <Descriptions.Item label={t(k('detail.reviewedBy'))}>
            <span data-testid="order-reviewed">
              {order.reviewed_by ?? '—'} · {formatDateTime(order.reviewed_at)}
            </span>
          </Descriptions.Item>
        ) : null}
        {order.note ? <Descriptions.Item label={t(k('detail.note'))}>{order.note}</Descriptions.Item> : null}
      </Descriptions>
    </Card>
  );
}

/** A returned order says why, where the member sees it first (O4). */
function ReturnedNote({ order, mayChange }: { order: Order; mayChange: boolean }) {
  const { t } = useTranslation();
  return (
    <Alert
      type="warning"
      showIcon
      style={{ marginBottom: 12 }}
      data-testid="order-return-note"
      title={<strong>{t(k('returned.title'))}</strong>}
      description={
        <div>
          <div style={{ fontSize: 15, margin: '2px 0 4px' }}>
            {t(k('returned.reason'))}
            {t('common.colon')}
            <strong data-testid="order-return-reason">{order.review_note ?? '—'}</strong>
          </div>
          <div className="muted">
            {order.reviewed_at ? t(k('returned.by'), { name: order.reviewed_by ?? '—', at: formatDateTime(order.reviewed_at) }) : null}
            {order.reviewed_at ? ' · ' : null}
            {mayChange ? t(k('returned.hintMember')) : t(k('returned.hintOther'))}
          </div>
        </div>
      }
    />
  );
}

/** An approved (or purchased) order: who approved it, what was adjusted, its purchase orders. */
function ReviewResult({ order, mayOpenPurchaseOrders }: { order: Order; mayOpenPurchaseOrders: boolean }) {
  const { t } = useTranslation();
  const uncovered = order.lines.filter((l) => l.uncovered).length;
  return (
    <Alert
      type={order.adjusted > 0 || uncovered > 0 ? 'warning' : 'success'}
      showIcon
      style={{ marginBottom: 12 }}
      data-testid="order-review-result"
      title={
        <Space wrap size={[12, 4]}>
          <span>
            {order.reviewed_at ? t(k('approved.by'), { name: order.reviewed_by ?? '—', at: formatDateTime(order.reviewed_at) }) : null}
          </span>
          {order.adjusted > 0 ? (
            <span data-testid="order-adjusted" data-count={order.adjusted}>
              {t(k('approved.adjustedCount'), { count: order.adjusted })}
            </span>
          ) : null}
          {uncovered > 0 ? (
            <Typography.Text type="danger" data-testid="order-uncovered" data-count={uncovered}>
              {t(k('approved.uncoveredCount'), { count: uncovered })}
            </Typography.Text>
          ) : null}
        </Space>
      }
      description={
        <div data-testid="order-purchase-orders">
          {t(k('detail.purchaseOrders'))}
          {t('common.colon')}
          {order.purchase_orders.length === 0 ? (
            <span className="muted">{t(k('approved.noPurchaseOrders'))}</span>
          ) : (
            <Space wrap size={[16, 4]}>
              {order.purchase_orders.map((po) => (
                <span key={po.id}>
                  {mayOpenPurchaseOrders ? (
                    <Link to={`/procurement/purchase-orders/${po.id}`} data-testid="order-po-link" data-id={po.id}>
                      {po.po_no}
                    </Link>
                  ) : (
                    <strong data-testid="order-po" data-id={po.id}>
                      {po.po_no}
                    </strong>
                  )}
                  <span className="muted" style={{ marginInlineStart: 6 }}>
                    {po.supplier_name}
                  </span>
                </span>
              ))}
            </Space>
          )}
        </div>
      }
    />
  );
}

function OrderGrid({ order, readOnly, reviewing }: { order: Order; readOnly: boolean; reviewing: boolean }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const key = orderKey(order.id);
  const [error, setError] = useState<unknown>(null);
  const [lineErrors, setLineErrors] = useState<Record<number, string>>({});
  const [saving, setSaving] = useState<number | null>(null);
  const [searchKey, setSearchKey] = useState(0);
  const [confirming, setConfirming] = useState(false);
  const [edits, setEdits] = useState<Record<number, LineEdit>>({});
  const [attempted, setAttempted] = useState(false);
  const [approving, setApproving] = useState(false);
  const [returning, setReturning] = useState(false);
  const [returnForm] = Form.useForm<{ reason: string }>();
  const submitKey = useRef<string | null>(null);
  const chain = useRef<Promise<unknown>>(Promise.resolve());

  /** The line a refusal (O2, O4) names by its product ("阿卡波糖 50mg: …"), marked in the grid. */
  const markNamed = useCallback(
    (e: unknown, fallback: number | null) => {
      if (!(e instanceof ApiError) || (e.rule !== 'O2' && e.rule !== 'O4')) return;
      let named: number | null = null;
      let len = 0;
      for (const l of (queryClient.getQueryData<Order>(key) ?? order).lines) {
        const label = productLabel(l.product);
        if (label && e.detail.startsWith(label) && label.length > len) {
          named = l.entry_id;
          len = label.length;
        }
      }
      const at = named ?? fallback;
      if (at != null) setLineErrors((m) => ({ ...m, [at]: e.detail }));
    },
    [queryClient, key, order],
  );

  const current = useCallback(() => queryClient.getQueryData<Order>(key) ?? order, [queryClient, key, order]);

  /** The order changed since it was read (submitted, reviewed): reload it and say so. */
  const reloadStale = useCallback(
    async (text: string = k('stale')) => {
      await queryClient.invalidateQueries({ queryKey: key });
      void queryClient.invalidateQueries({ queryKey: [ORDERS_KEY] });
      void message.warning(t(text));
    },
    [queryClient, key, message, t],
  );

  /**
   * Saves run one after another, each with the version the previous one returned (fast typing:
   * Enter, type, Enter), each building its lines from the order as last answered.
   */
  const enqueue = useCallback(
    (change: (o: Order) => OrderLineInput[] | null, entryId: number | null, send?: (o: Order) => Promise<Order>) => {
      const run = async () => {
        const o = current();
        if (!isEditable(o.status)) return;
        const lines = send ? null : change(o);
        if (!send && !lines) return;
        setSaving(entryId);
        try {
          const saved = send ? await send(o) : await putOrderLines(o.id, o.version, lines!);
          queryClient.setQueryData(key, saved);
          void queryClient.invalidateQueries({ queryKey: [ORDERS_KEY] });
          setError(null);
          if (entryId != null) setLineErrors(({ [entryId]: _drop, ...rest }) => rest);
          return saved;
        } catch (e) {
          if (isStale(e) || (e instanceof ApiError && e.status === 409)) await reloadStale();
          else {
            setError(e);
            markNamed(e, entryId);
          }
          return undefined;
        } finally {
          setSaving(null);
        }
      };
      const p = chain.current.then(run, run);
      chain.current = p;
      return p;
    },
    [current, queryClient, key, reloadStale],
  );

  const actions: RowActions = useMemo(
    () => ({
      commit: (entryId, text) => {
        const q = parseQuantity(text);
        void enqueue(
          (o) =>
            linesInput(o.lines).map((l) => (l.entry_id === entryId ? { entry_id: entryId, quantity: q } : l)),
          entryId,
        );
      },
      remove: (entryId) => {
        void enqueue((o) => linesInput(o.lines).filter((l) => l.entry_id !== entryId), null);
      },
      switchVbp: (entryId) => {
        let name = '';
        void enqueue((o) => {
          const from = o.lines.find((l) => l.entry_id === entryId);
          const alt = from?.vbp_alternative;
          if (!from || !alt || o.lines.some((l) => l.entry_id === alt.entry_id)) return null;
          name = productLabel(alt.product);
          // The packs ordered stay: typed in, as the new product has no consumption of its own yet.
          const quantity = from.quantity > 0 ? from.quantity : null;
          return linesInput(o.lines).map((l) => (l.entry_id === entryId ? { entry_id: alt.entry_id, quantity } : l));
        }, entryId).then((saved) => {
          if (saved && name) void message.success(t(k('vbp.switched'), { name }));
        });
      },
    }),
    [enqueue, message, t],
  );

  const addHit = (hit: SearchHit) => {
    setSearchKey((n) => n + 1);
    const id = hit.entry.id;
    const at = current().lines.findIndex((l) => l.entry_id === id);
    if (at >= 0) {
      void message.info(t(k('toolbar.alreadyIn')));
      setTimeout(() => focusRow(at), 0);
      return;
    }
    void enqueue((o) => [...linesInput(o.lines), { entry_id: id, quantity: null }], id).then((saved) => {
      const row = saved ? (saved as Order).lines.findIndex((l) => l.entry_id === id) : -1;
      if (row >= 0) setTimeout(() => focusRow(row), 0);
    });
  };

  const loadUsedMut = useMutation({
    mutationFn: async () => {
      const before = current().lines.length;
      const saved = (await enqueue(() => null, null, (o) => loadUsed(o.id, o.version))) as Order | undefined;
      return saved ? saved.lines.length - before : null;
    },
    onSuccess: (added) => {
      if (added == null) return;
      void (added > 0 ? message.success(t(k('toolbar.loadUsedDone'), { count: added })) : message.info(t(k('toolbar.loadUsedNone'))));
    },
  });

  const submit = useMutation({
    mutationFn: async () => {
      await chain.current; // every save sent first
      const o = current();
      submitKey.current ??= newIdempotencyKey();
      return submitOrder(o.id, o.version, submitKey.current);
    },
    onSuccess: (o) => {
      submitKey.current = null;
      setConfirming(false);
      queryClient.setQueryData(key, o);
      void queryClient.invalidateQueries({ queryKey: [ORDERS_KEY] });
      void message.success(t(k('submit.done')));
    },
    onError: (e) => {
      // A refusal is an answer: a new click is a new intent. A network failure is not: the
      // same key goes again, so the server submits once.
      if (e instanceof ApiError && e.status !== 0) {
        submitKey.current = null;
        setConfirming(false);
        if (e.status === 409) void reloadStale();
        else {
          setError(e);
          markNamed(e, null);
        }
      }
    },
  });

  // ---- review (O4) ----
  const lines = order.lines;
  const plan = useMemo(() => planAdjustments(lines, edits), [lines, edits]);
  const changedCount = useMemo(() => lines.filter((l) => editChanges(l, edits[l.id])).length, [lines, edits]);
  const onEdit = useCallback((lineId: number, edit: LineEdit) => setEdits((m) => ({ ...m, [lineId]: edit })), []);

  /** A review answered: the order as it is now, the queues refreshed. */
  const reviewed = (o: Order, text: string) => {
    queryClient.setQueryData(key, o);
    void queryClient.invalidateQueries({ queryKey: [ORDERS_KEY] });
    setEdits({});
    setAttempted(false);
    setError(null);
    setLineErrors({});
    void message.success(t(text));
  };
  const reviewRefused = (e: unknown) => {
    if (e instanceof ApiError && e.status === 409) void reloadStale(k('review.stale'));
    else {
      setError(e);
      markNamed(e, null);
    }
  };

  const approve = useMutation({
    mutationFn: () => {
      const o = current();
      return approveOrder(o.id, o.version, planAdjustments(o.lines, edits).adjustments);
    },
    onSuccess: (o) => {
      setApproving(false);
      reviewed(o, k('review.approved'));
    },
    onError: (e) => {
      setApproving(false);
      reviewRefused(e);
    },
  });

  const returnMut = useMutation({
    mutationFn: (reason: string) => {
      const o = current();
      return returnOrder(o.id, o.version, reason);
    },
    onSuccess: (o) => {
      setReturning(false);
      reviewed(o, k('review.returned'));
    },
    onError: (e) => {
      setReturning(false);
      reviewRefused(e);
    },
  });

  const tryApprove = () => {
    setAttempted(true);
    setError(null);
    const wrong = Object.keys(plan.problems).map(Number);
    if (wrong.length > 0) {
      void message.error(t(k('review.fixProblems'), { count: wrong.length }));
      const row = lines.findIndex((l) => l.id === wrong[0]);
      const sel = plan.problems[wrong[0]] === 'reason' ? reasonSel(row) : approveSel(row);
      setTimeout(() => focusSel(sel), 0);
      return;
    }
    if (plan.packs <= 0) {
      void message.error(t(k('review.nothing')));
      return;
    }
    setApproving(true);
  };

  const zeros = lines.filter((l) => l.quantity <= 0).length;
  const isReviewed = order.status === 'approved' || order.status === 'purchased';
  // The VBP alternative (O5) matters while the order can still change: the member switches, the
  // reviewer may return it asking to.
  const showVbp = isEditable(order.status) || order.status === 'submitted';
  const entries = useMemo(() => new Set(lines.map((l) => l.entry_id)), [lines]);
  const columns = 13 + (reviewing ? 1 : 0);

  return (
    <>
      <ErrorAlert error={error} style={{ marginBottom: 12 }} />
      <Card size="small" styles={{ body: { padding: 12 } }}>
        {readOnly ? null : (
          <div style={{ display: 'flex', gap: 12, alignItems: 'center', flexWrap: 'wrap', marginBottom: 10 }}>
            <Button
              icon={<DownloadOutlined />}
              loading={loadUsedMut.isPending}
              onClick={() => loadUsedMut.mutate()}
              data-testid="order-load-used"
            >
              {t(k('toolbar.loadUsed'))}
            </Button>
            <div data-testid="line-add">
              <SearchBox key={searchKey} width={340} onSubmit={() => undefined} onPick={addHit} />
            </div>
            {zeros > 0 ? (
              <Tooltip title={t(k('toolbar.removeZeroHint'))}>
                <Button
                  icon={<DeleteOutlined />}
                  onClick={() => void enqueue((o) => linesInput(o.lines.filter((l) => l.quantity > 0)), null)}
                  data-testid="order-remove-zero"
                >
                  {t(k('toolbar.removeZero'), { count: zeros })}
                </Button>
              </Tooltip>
            ) : null}
            <span className="muted" style={{ flex: 1, minWidth: 240, fontSize: 12 }}>
              {t(k('toolbar.addHint'))}
            </span>
            <Button
              type="primary"
              icon={<SendOutlined />}
              disabled={lines.length === 0}
              onClick={() => {
                setError(null);
                setConfirming(true);
              }}
              data-testid="order-submit"
            >
              {t(k('toolbar.submit'))}
            </Button>
          </div>
        )}
        {reviewing ? (
          <div style={{ display: 'flex', gap: 12, alignItems: 'center', flexWrap: 'wrap', marginBottom: 10 }} data-testid="review-toolbar">
            <span className="muted" style={{ flex: 1, minWidth: 240, fontSize: 12 }}>
              {t(k('review.hint'))}
            </span>
            {changedCount > 0 ? (
              <Tag color="orange" data-testid="review-changed" data-count={changedCount}>
                {t(k('review.adjustedCount'), { count: changedCount })}
              </Tag>
            ) : null}
            <Button
              danger
              icon={<RollbackOutlined />}
              onClick={() => {
                setError(null);
                setReturning(true);
              }}
              data-testid="order-return"
            >
              {t(k('review.return'))}
            </Button>
            <Button type="primary" icon={<CheckOutlined />} onClick={tryApprove} loading={approve.isPending} data-testid="order-approve">
              {changedCount > 0 ? t(k('review.approveAdjusted'), { count: changedCount }) : t(k('review.approve'))}
            </Button>
          </div>
        ) : null}
        <div>
          <table className="og-table" data-testid="order-grid">
            <thead>
              <tr>
                <th>{t(k('grid.no'))}</th>
                <th style={{ minWidth: 200 }}>{t(k('grid.product'))}</th>
                <th>{t(k('grid.pack'))}</th>
                <th className="og-num">{t(k('grid.onHand'))}</th>
                <th className="og-num">{t(k('grid.inTransit'))}</th>
                <th className="og-num">{t(k('grid.amc'))}</th>
                <th className="og-num">{t(k('grid.months'))}</th>
                <th className="og-num">{t(k('grid.suggested'))}</th>
                <th>{t(k('grid.quantity'))}</th>
                {reviewing ? (
                  <>
                    <th>{t(k('review.approvedQty'))}</th>
                    <th>{t(k('review.reason'))}</th>
                  </>
                ) : null}
                {isReviewed ? <th className="og-num">{t(k('approved.column'))}</th> : null}
                <th className="og-num">{t(k('grid.price'))}</th>
                {reviewing || isReviewed ? null : <th>{t(k('grid.contractNo'))}</th>}
                <th className="og-num">{t(k('grid.amount'))}</th>
                {readOnly ? null : <th />}
              </tr>
            </thead>
            <tbody>
              {lines.map((l, i) => (
                <LineRow
                  key={l.entry_id}
                  line={l}
                  row={i}
                  readOnly={readOnly}
                  saving={saving === l.entry_id}
                  error={lineErrors[l.entry_id]}
                  actions={actions}
                  reviewing={reviewing}
                  reviewed={isReviewed}
                  showVbp={showVbp}
                  vbpInOrder={!!l.vbp_alternative && entries.has(l.vbp_alternative.entry_id)}
                  edit={edits[l.id]}
                  problem={plan.problems[l.id] === 'reason' && !attempted ? undefined : plan.problems[l.id]}
                  onEdit={onEdit}
                />
              ))}
              {lines.length === 0 ? (
                <tr>
                  <td colSpan={columns}>
                    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t(k('grid.noLines'))} />
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
        </div>
        <div
          style={{ display: 'flex', gap: 16, alignItems: 'center', justifyContent: 'flex-end', flexWrap: 'wrap', marginTop: 12 }}
          data-testid="order-footer"
        >
          <Typography.Text type="secondary">{t(k('footer.lines'), { count: lines.length })}</Typography.Text>
          {order.unpriced > 0 ? (
            <Typography.Text type="warning" data-testid="order-unpriced" data-count={order.unpriced}>
              <WarningFilled /> {t(k('footer.unpriced'), { count: order.unpriced })}
            </Typography.Text>
          ) : null}
          <Tooltip title={t(k('footer.totalHint'))}>
            <span style={{ fontSize: 16 }}>
              {isReviewed ? t(k('approved.total')) : t(k('footer.total'))}
              {t('common.colon')}
              <strong className="num" data-testid="order-total" data-value={order.total}>
                {formatMoney(order.total)}
              </strong>
            </span>
          </Tooltip>
          {reviewing && changedCount > 0 ? (
            <Tooltip title={t(k('footer.totalHint'))}>
              <span style={{ fontSize: 16 }}>
                {t(k('review.approvedTotal'))}
                {t('common.colon')}
                <strong className="num" style={{ color: '#d46b08' }} data-testid="order-approved-total">
                  {formatMoney(approvedTotal(lines, edits))}
                </strong>
              </span>
            </Tooltip>
          ) : null}
        </div>
      </Card>
      <Modal
        open={confirming}
        title={t(k('submit.title'))}
        onCancel={() => setConfirming(false)}
        onOk={() => submit.mutate()}
        okText={t(k('submit.ok'))}
        okButtonProps={{ loading: submit.isPending, 'data-testid': 'order-submit-confirm' } as never}
        cancelText={t('common.cancel')}
      >
        <p>
          {t(k('submit.body'), { count: order.lines.length, total: formatMoney(order.total) })}
          {order.unpriced > 0 ? ` ${t(k('submit.unpriced'), { count: order.unpriced })}` : ''}
        </p>
        {submit.error && !(submit.error instanceof ApiError && submit.error.status !== 0) ? (
          <Alert type="error" showIcon title={t(k('submit.retry'))} description={describeError(submit.error)} />
        ) : null}
      </Modal>
      <Modal
        open={approving}
        title={t(k('review.approveTitle'))}
        onCancel={() => setApproving(false)}
        onOk={() => approve.mutate()}
        okText={t(k('review.approveOk'))}
        okButtonProps={{ loading: approve.isPending, autoFocus: true, 'data-testid': 'order-approve-confirm' } as never}
        cancelText={t('common.cancel')}
      >
        <p data-testid="order-approve-summary">
          {t(k('review.approveBody'), { count: lines.length, total: formatMoney(approvedTotal(lines, edits)) })}
          {plan.adjustments.length > 0 ? ` ${t(k('review.approveAdjustedBody'), { count: plan.adjustments.length })}` : ''}
        </p>
      </Modal>
      <Modal
        open={returning}
        title={t(k('review.returnTitle'))}
        onCancel={() => setReturning(false)}
        onOk={() => void returnForm.validateFields().then((v) => returnMut.mutate(v.reason.trim()))}
        okText={t(k('review.returnOk'))}
        okButtonProps={{ danger: true, loading: returnMut.isPending, 'data-testid': 'order-return-confirm' } as never}
        cancelText={t('common.cancel')}
        destroyOnHidden
        afterClose={() => returnForm.resetFields()}
      >
        <p className="muted" style={{ fontSize: 13 }}>
          {t(k('review.returnBody'))}
        </p>
        <Form form={returnForm} layout="vertical">
          <Form.Item
            name="reason"
            label={t(k('review.returnReason'))}
            rules={[{ validator: (_, v: string | undefined) => (reasonOk(v) ? Promise.resolve() : Promise.reject(new Error(t(k('review.returnRequired'))))) }]}
          >
            <Input.TextArea rows={3} maxLength={500} showCount autoFocus placeholder={t(k('review.returnPlaceholder'))} data-testid="order-return-reason-input" />
          </Form.Item>
        </Form>
      </Modal>
      <style>{GRID_CSS}</style>
    </>
  );
}

export default function OrderDetail() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const location = useLocation();
  const id = Number(useParams().id);
  const mayOrder = can(me, 'place_orders');
  const mayManage = can(me, 'manage_procurement');
  const query = useQuery({ queryKey: orderKey(id), queryFn: () => getOrder(id), enabled: Number.isFinite(id) && id > 0 });
  const [importing, setImporting] = useState(false);
  const order = query.data;
  // Opened from the review queue: back goes there.
  const fromReview = (location.state as { from?: string } | null)?.from === 'review';
  const backTo = fromReview ? '/procurement/review' : '/procurement/orders';

  const back = (
    <Button type="text" icon={<ArrowLeftOutlined />} onClick={() => void navigate(backTo)} aria-label={t(k('detail.back'))} />
  );

  if (query.error instanceof ApiError && (query.error.status === 404 || query.error.status === 403)) {
    return (
      <Result
        status="404"
        title={t(k('detail.notFound'))}
        extra={
          <Link to="/procurement/orders">
            <Button>{t(k('detail.back'))}</Button>
          </Link>
        }
      />
    );
  }
  if (!order) {
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
  const readOnly = !isEditable(order.status) || !mayOrder;
  const reviewing = mayManage && order.status === 'submitted';
  const readOnlyText =
    order.status === 'approved'
      ? t(k('detail.readOnlyApproved'))
      : order.status === 'purchased'
        ? t(k('detail.readOnlyPurchased'))
        : order.status === 'submitted'
          ? t(k('detail.readOnlySubmitted'))
          : t(k('detail.readOnlyNoRight'));
  return (
    <>
      <PageTitle
        title={
          <Space>
            {back}
            <span data-testid="order-title">{t(k('detail.title'), { id: order.id })}</span>
            {order.urgent ? <Tag color="red">{t(k('urgent'))}</Tag> : null}
          </Space>
        }
        extra={
          <Space>
            <Button icon={<FileExcelOutlined />} href={orderXlsxUrl(order.id)} download data-testid="order-export-xlsx">
              {t(k('import.export'))}
            </Button>
            {readOnly ? null : (
              <Button icon={<UploadOutlined />} onClick={() => setImporting(true)} data-testid="order-import">
                {t(k('import.open'))}
              </Button>
            )}
          </Space>
        }
        sub={
          reviewing ? (
            <span data-testid="order-reviewing">{t(k('detail.reviewing'))}</span>
          ) : readOnly ? (
            <span data-testid="order-readonly">{readOnlyText}</span>
          ) : undefined
        }
      />
      {order.status === 'returned' ? <ReturnedNote order={order} mayChange={mayOrder} /> : null}
      {order.status === 'approved' || order.status === 'purchased' ? (
        <ReviewResult order={order} mayOpenPurchaseOrders={can(me, 'read_purchase_orders')} />
      ) : null}
      <OrderHeader order={order} />
      <OrderGrid key={order.id} order={order} readOnly={readOnly} reviewing={reviewing} />
      {readOnly ? null : <OrderImport order={order} open={importing} onClose={() => setImporting(false)} />}
    </>
  );
}
