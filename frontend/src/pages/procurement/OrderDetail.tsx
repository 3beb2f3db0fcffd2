import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Alert, App, Button, Card, Descriptions, Empty, Input, Modal, Result, Skeleton, Space, Tag, Tooltip, Typography } from 'antd';
import { ArrowLeftOutlined, CloseCircleFilled, DeleteOutlined, DownloadOutlined, SendOutlined, WarningFilled } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import {
  ORDERS_KEY,
  getOrder,
  linesInput,
  loadUsed,
  orderKey,
  parseQuantity,
  putOrderLines,
  roundUnits,
  submitOrder,
  type Order,
  type OrderLine,
  type OrderLineInput,
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

const k = (key: string) => `procurement.orders.${key}`;

const qtySel = (row: number) => `input[data-testid="line-quantity"][data-row="${row}"]`;

function focusRow(row: number) {
  const el = document.querySelector<HTMLInputElement>(qtySel(row));
  if (el) {
    el.focus();
    el.select();
  }
}

interface RowActions {
  /** Commit a cell's text (null = follow the suggestion); resolves whether it was accepted. */
  commit: (entryId: number, text: string) => void;
  remove: (entryId: number) => void;
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
 * One line of the grid. Memoised: typing in a cell re-renders that line only. The cell keeps its
 * own text while focused; the order's answer replaces it after a save.
 */
const LineRow = memo(function LineRow({
  line: l,
  row,
  readOnly,
  saving,
  error,
  actions,
}: {
  line: OrderLine;
  row: number;
  readOnly: boolean;
  saving: boolean;
  error: string | undefined;
  actions: RowActions;
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
  const problem = local ?? (Number.isNaN(parsed) ? t(k('grid.badQuantity')) : parsed === 0 ? t(k('grid.zeroQuantity')) : null);
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
  return (
    <tr data-testid="order-line" data-entry={l.entry_id} data-typed={l.typed ? 'true' : 'false'} className={error || problem ? 'og-problem' : l.quantity <= 0 ? 'og-zero' : ''}>
      <td className="og-narrow">
        <span className="num muted">{row + 1}</span>
      </td>
      <td>
        <ProductCell product={p} />
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
      <td className="og-qty">
        {readOnly ? (
          <span data-testid="line-quantity-view" data-value={l.quantity} style={{ fontWeight: l.typed ? 700 : 400 }}>
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
              status={problem ? 'error' : undefined}
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
        {problem && !readOnly ? <div style={{ color: '#c0392b', fontSize: 12 }}>{problem}</div> : null}
        {saving ? <div className="muted" style={{ fontSize: 12 }}>{t(k('grid.saving'))}</div> : null}
      </td>
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
      </td>
      <td className="og-nowrap">{l.contract_no ?? <span className="muted">—</span>}</td>
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
.og-table tr:hover > td { background: #fafcff; }
.og-table tr.og-problem > td { background: #fff1f0; }
.og-table tr.og-zero > td { color: #8c8c8c; }
.og-table .og-follow input::placeholder { color: #8c8c8c; opacity: 1; }
.og-table .og-typed input { font-weight: 700; }
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
        {order.note ? <Descriptions.Item label={t(k('detail.note'))}>{order.note}</Descriptions.Item> : null}
      </Descriptions>
    </Card>
  );
}

function OrderGrid({ order, readOnly }: { order: Order; readOnly: boolean }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const key = orderKey(order.id);
  const [error, setError] = useState<unknown>(null);
  const [lineErrors, setLineErrors] = useState<Record<number, string>>({});
  const [saving, setSaving] = useState<number | null>(null);
  const [searchKey, setSearchKey] = useState(0);
  const [confirming, setConfirming] = useState(false);
  const submitKey = useRef<string | null>(null);
  const chain = useRef<Promise<unknown>>(Promise.resolve());

  /** The line a refusal (O2) names by its product ("阿卡波糖 50mg: …"), marked in the grid. */
  const markNamed = useCallback(
    (e: unknown, fallback: number | null) => {
      if (!(e instanceof ApiError) || e.rule !== 'O2') return;
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

  /** The order changed since it was read (or was submitted): reload it and say so. */
  const reloadStale = useCallback(async () => {
    await queryClient.invalidateQueries({ queryKey: key });
    void queryClient.invalidateQueries({ queryKey: [ORDERS_KEY] });
    void message.warning(t(k('stale')));
  }, [queryClient, key, message, t]);

  /**
   * Saves run one after another, each with the version the previous one returned (fast typing:
   * Enter, type, Enter), each building its lines from the order as last answered.
   */
  const enqueue = useCallback(
    (change: (o: Order) => OrderLineInput[] | null, entryId: number | null, send?: (o: Order) => Promise<Order>) => {
      const run = async () => {
        const o = current();
        if (o.status !== 'draft') return;
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
    }),
    [enqueue],
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
      submitKey.current ??= crypto.randomUUID();
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

  const lines = order.lines;
  const zeros = lines.filter((l) => l.quantity <= 0).length;

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
                <th className="og-num">{t(k('grid.price'))}</th>
                <th>{t(k('grid.contractNo'))}</th>
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
                />
              ))}
              {lines.length === 0 ? (
                <tr>
                  <td colSpan={13}>
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
              {t(k('footer.total'))}
              {t('common.colon')}
              <strong className="num" data-testid="order-total" data-value={order.total}>
                {formatMoney(order.total)}
              </strong>
            </span>
          </Tooltip>
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
      <style>{GRID_CSS}</style>
    </>
  );
}

export default function OrderDetail() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const id = Number(useParams().id);
  const mayOrder = can(me, 'place_orders');
  const query = useQuery({ queryKey: orderKey(id), queryFn: () => getOrder(id), enabled: Number.isFinite(id) && id > 0 });
  const order = query.data;

  const back = (
    <Button type="text" icon={<ArrowLeftOutlined />} onClick={() => void navigate('/procurement/orders')} aria-label={t(k('detail.back'))} />
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
  const readOnly = order.status !== 'draft' || !mayOrder;
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
        sub={
          readOnly ? (
            <span data-testid="order-readonly">
              {order.status !== 'draft' ? t(k('detail.readOnlySubmitted')) : t(k('detail.readOnlyNoRight'))}
            </span>
          ) : undefined
        }
      />
      <OrderHeader order={order} />
      <OrderGrid key={order.id} order={order} readOnly={readOnly} />
    </>
  );
}
