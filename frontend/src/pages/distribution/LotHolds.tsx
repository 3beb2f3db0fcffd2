import { useEffect, useMemo, useState } from 'react';
import { Alert, App, Button, Card, Form, Input, Modal, Segmented, Select, Space, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import { LockOutlined, UnlockOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import {
  LOT_HOLDS_KEY,
  holdLot,
  holdTextOk,
  isOpen,
  listLotHolds,
  openParam,
  releaseLot,
  type HoldState,
  type LotHold,
} from '../../api/lotHolds';
import { listStock, useStockInstitutions, type ProductBrief } from '../../api/stockList';
import { productLabel } from '../../api/contracts';
import type { SearchHit } from '../../api/types';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { formatDate, formatDateTime } from '../../lib/format';
import { formatPacks } from '../../lib/packs';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import SearchBox from '../../components/SearchBox';
import ProductCell from '../../components/stock/ProductCell';

const k = (key: string) => `distribution.lotHolds.${key}`;

/** A lot chosen elsewhere (a receipt's line): the hold dialog asks only why. */
export interface HoldPreset {
  lotId: number;
  lotNo: string;
  expiry: string;
  product: ProductBrief;
}

/**
 * 冻结批号: a lot at the central warehouse put on quality hold, saying why. Without a preset the
 * product is searched in the formulary and one of its lots in the central warehouse's stock is
 * picked (lots on hold already are marked).
 */
export function HoldModal({ preset, open, onClose }: { preset: HoldPreset | null; open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ lot: number; reason: string }>();
  const [hit, setHit] = useState<SearchHit | null>(null);
  const [searchKey, setSearchKey] = useState(0);
  const institutions = useStockInstitutions();
  const warehouse = (institutions.data ?? []).find((i) => i.level === 'lead');
  const entryId = hit?.entry.id;
  const lots = useQuery({
    queryKey: ['stock', 'list', { institution_id: warehouse?.id, entry_id: entryId, hold: true }],
    queryFn: ({ signal }) => listStock({ institution_id: warehouse!.id, entry_id: entryId!, limit: 200 }, signal),
    enabled: open && !preset && !!warehouse && entryId != null,
  });
  const held = useQuery({
    queryKey: [LOT_HOLDS_KEY, 'open-lots'],
    queryFn: ({ signal }) => listLotHolds({ open: true, limit: 200 }, signal),
    enabled: open,
  });
  const heldLots = useMemo(() => new Set((held.data?.items ?? []).map((h) => h.lot_id)), [held.data]);
  const hold = useMutation({
    mutationFn: (v: { lot: number; reason: string }) => holdLot(v.lot, v.reason),
    onSuccess: (h) => {
      void queryClient.invalidateQueries({ queryKey: [LOT_HOLDS_KEY] });
      void message.success(t(k('held'), { lot: h.lot_no }));
      onClose();
    },
  });
  useEffect(() => {
    if (open) {
      hold.reset();
      setHit(null);
      setSearchKey((n) => n + 1);
      form.resetFields();
      if (preset) form.setFieldsValue({ lot: preset.lotId });
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open]);
  const lotOptions = (lots.data?.items ?? []).map((l) => ({
    value: l.lot_id,
    disabled: heldLots.has(l.lot_id),
    label: (
      <span data-testid="hold-lot-option" data-lot={l.lot_id}>
        {t(k('lotOption'), { lot: l.lot_no, expiry: formatDate(l.expiry), quantity: l.packs })}
        {heldLots.has(l.lot_id) ? (
          <Tag color="red" style={{ marginInlineStart: 6 }}>
            {t(k('alreadyHeld'))}
          </Tag>
        ) : null}
      </span>
    ),
  }));
  return (
    <Modal
      open={open}
      title={t(k('holdTitle'))}
      onCancel={onClose}
      onOk={() =>
        void form.validateFields().then(
          (v) => hold.mutate({ lot: v.lot, reason: v.reason.trim() }),
          () => undefined, // the form says what is missing
        )
      }
      okText={t(k('holdOk'))}
      okButtonProps={{ danger: true, loading: hold.isPending, 'data-testid': 'hold-confirm' } as never}
      cancelText={t('common.cancel')}
      destroyOnHidden
      width={560}
    >
      <Form form={form} layout="vertical">
        {preset ? (
          <>
          <Form.Item name="lot" hidden>
            <Input />
          </Form.Item>
          <Form.Item label={t(k('lot'))}>
            <div data-testid="hold-preset" data-lot={preset.lotId}>
              <ProductCell product={preset.product} />
              <div>
                {t(k('lotPreset'), { lot: preset.lotNo, expiry: formatDate(preset.expiry) })}
                {heldLots.has(preset.lotId) ? (
                  <Tag color="red" style={{ marginInlineStart: 6 }} data-testid="hold-preset-held">
                    {t(k('alreadyHeld'))}
                  </Tag>
                ) : null}
              </div>
            </div>
          </Form.Item>
          </>
        ) : (
          <>
            <Form.Item label={t(k('product'))} extra={t(k('productHint'))} required>
              <div data-testid="hold-product">
                <SearchBox
                  key={searchKey}
                  width="100%"
                  onSubmit={() => undefined}
                  onPick={(h) => {
                    setHit(h);
                    form.setFieldsValue({ lot: undefined });
                  }}
                />
              </div>
              {institutions.data && !warehouse ? <Alert type="warning" showIcon title={t(k('noWarehouse'))} style={{ marginTop: 8 }} /> : null}
            </Form.Item>
            <Form.Item
              name="lot"
              label={warehouse ? t(k('lotAt'), { name: warehouse.name }) : t(k('lot'))}
              rules={[{ required: true, message: hit ? t(k('lotRequired')) : t(k('productRequired')) }]}
            >
              <Select
                placeholder={t(k('lotPlaceholder'))}
                disabled={!hit}
                loading={lots.isFetching}
                options={lotOptions}
                notFoundContent={lots.isFetching ? undefined : t(k('noLots'))}
                data-testid="hold-lot"
              />
            </Form.Item>
          </>
        )}
        <Form.Item
          name="reason"
          label={t(k('reason'))}
          rules={[{ validator: (_, v: string | undefined) => (holdTextOk(v) ? Promise.resolve() : Promise.reject(new Error(t(k('reasonRequired'))))) }]}
        >
          <Input.TextArea rows={3} maxLength={1000} showCount placeholder={t(k('reasonPlaceholder'))} data-testid="hold-reason" />
        </Form.Item>
      </Form>
      <ErrorAlert error={hold.error ?? lots.error} />
    </Modal>
  );
}

/** 解除冻结: the lot is fit again, saying why. */
function ReleaseModal({ hold, onClose }: { hold: LotHold | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ note: string }>();
  const release = useMutation({
    mutationFn: (v: { lot: number; note: string }) => releaseLot(v.lot, v.note),
    onSuccess: (h) => {
      void queryClient.invalidateQueries({ queryKey: [LOT_HOLDS_KEY] });
      void message.success(t(k('released'), { lot: h.lot_no }));
      onClose();
    },
  });
  useEffect(() => {
    if (hold) release.reset();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [hold]);
  return (
    <Modal
      open={!!hold}
      title={hold ? t(k('releaseTitle'), { lot: hold.lot_no }) : ''}
      onCancel={onClose}
      onOk={() =>
        void form.validateFields().then(
          (v) => hold && release.mutate({ lot: hold.lot_id, note: v.note.trim() }),
          () => undefined, // the form says what is missing
        )
      }
      okText={t(k('releaseOk'))}
      okButtonProps={{ loading: release.isPending, 'data-testid': 'release-confirm' } as never}
      cancelText={t('common.cancel')}
      destroyOnHidden
      afterClose={() => form.resetFields()}
    >
      {hold ? (
        <p className="muted">
          {productLabel(hold.product)} · {hold.lot_no} · {formatDate(hold.expiry)}
          <br />
          {t(k('col.reason'))}
          {t('common.colon')}
          {hold.reason}
        </p>
      ) : null}
      <Form form={form} layout="vertical">
        <Form.Item
          name="note"
          label={t(k('releaseNote'))}
          rules={[{ validator: (_, v: string | undefined) => (holdTextOk(v) ? Promise.resolve() : Promise.reject(new Error(t(k('releaseRequired'))))) }]}
        >
          <Input.TextArea rows={3} maxLength={1000} showCount autoFocus placeholder={t(k('releasePlaceholder'))} data-testid="release-note" />
        </Form.Item>
      </Form>
      <ErrorAlert error={release.error} />
    </Modal>
  );
}

/** 质量冻结: lots held (open) and released, with hold and release for those who may. */
export default function LotHolds() {
  const { t } = useTranslation();
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const raw = params.get('state');
  const state: HoldState = raw === 'released' || raw === 'all' ? raw : 'open';
  const mayHold = can(me, 'hold_lots');
  const [holding, setHolding] = useState(false);
  const [releasing, setReleasing] = useState<LotHold | null>(null);

  const query = { open: openParam(state) };
  const list = useInfiniteQuery({
    queryKey: [LOT_HOLDS_KEY, 'list', query],
    queryFn: ({ pageParam, signal }) => listLotHolds({ ...query, cursor: pageParam, limit: 50 }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];

  const columns: TableProps<LotHold>['columns'] = [
    { title: t(k('col.product')), key: 'product', render: (_: unknown, h) => <ProductCell product={h.product} /> },
    {
      title: t(k('col.lot')),
      dataIndex: 'lot_no',
      width: 130,
      render: (lot: string) => (
        <span className="num" data-testid="hold-lot-no">
          {lot}
        </span>
      ),
    },
    { title: t(k('col.expiry')), dataIndex: 'expiry', width: 110, render: (d: string) => formatDate(d) },
    {
      title: t(k('col.quantity')),
      dataIndex: 'warehouse_quantity',
      width: 120,
      align: 'right',
      render: (n: number, h) => (
        <span className="num" data-testid="hold-quantity" data-value={n}>
          {formatPacks(n, h.product)}
        </span>
      ),
    },
    {
      title: t(k('col.reason')),
      dataIndex: 'reason',
      render: (reason: string, h) => (
        <div>
          <div data-testid="hold-reason-text">{reason}</div>
          <div className="muted">
            {h.held_by ?? '—'} · {formatDateTime(h.held_at)}
          </div>
        </div>
      ),
    },
    {
      title: t(k('col.state')),
      key: 'state',
      width: 230,
      render: (_: unknown, h) =>
        isOpen(h) ? (
          <Tag color="red" icon={<LockOutlined />} data-testid="hold-state" data-open="true">
            {t(k('open'))}
          </Tag>
        ) : (
          <div>
            <Tag color="green" icon={<UnlockOutlined />} data-testid="hold-state" data-open="false">
              {t(k('releasedTag'))}
            </Tag>
            {h.release_note ? <div data-testid="hold-release-note">{h.release_note}</div> : null}
            <div className="muted">
              {h.released_by ?? '—'} · {formatDateTime(h.released_at)}
            </div>
          </div>
        ),
    },
  ];
  if (mayHold) {
    columns.push({
      title: t('common.actions'),
      key: 'actions',
      width: 120,
      render: (_: unknown, h) =>
        isOpen(h) ? (
          <Button size="small" icon={<UnlockOutlined />} onClick={() => setReleasing(h)} data-testid="hold-release">
            {t(k('release'))}
          </Button>
        ) : null,
    });
  }

  return (
    <>
      <PageTitle
        title={t(k('title'))}
        sub={t(k('sub'))}
        extra={
          mayHold ? (
            <Button type="primary" danger icon={<LockOutlined />} onClick={() => setHolding(true)} data-testid="hold-new">
              {t(k('hold'))}
            </Button>
          ) : null
        }
      />
      <Card size="small">
        <Space wrap size={[12, 8]} style={{ marginBottom: 12 }}>
          <Segmented<HoldState>
            value={state}
            onChange={(v) => setParams(v === 'open' ? {} : { state: v }, { replace: true })}
            data-testid="filter-hold-state"
            options={(['open', 'released', 'all'] as const).map((s) => ({
              value: s,
              label: <span data-testid={`filter-hold-${s}`}>{t(k(`filter.${s}`))}</span>,
            }))}
          />
        </Space>
        <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
        <Table<LotHold>
          size="small"
          rowKey="id"
          columns={columns}
          dataSource={items}
          loading={list.isPending && !list.error}
          pagination={false}
          scroll={{ x: 1000 }}
          sticky={{ offsetHeader: 52 }}
          data-testid="holds-table"
          locale={{ emptyText: list.isPending ? ' ' : state === 'open' ? t(k('empty')) : t(k('emptyAll')) }}
          onRow={(h) =>
            ({ 'data-testid': 'hold-row', 'data-id': h.id, 'data-lot': h.lot_id, 'data-open': isOpen(h) ? 'true' : 'false' }) as React.HTMLAttributes<HTMLElement>
          }
          footer={
            items.length
              ? () => (
                  <Space>
                    <Typography.Text type="secondary">
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
      {mayHold ? <HoldModal preset={null} open={holding} onClose={() => setHolding(false)} /> : null}
      {mayHold ? <ReleaseModal hold={releasing} onClose={() => setReleasing(null)} /> : null}
    </>
  );
}
