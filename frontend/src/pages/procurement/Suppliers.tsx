import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, App, Button, Card, Drawer, Empty, Form, Input, Segmented, Space, Switch, Table, Tag, Tooltip, Typography } from 'antd';
import type { TableProps } from 'antd';
import { ClearOutlined, EditOutlined, PlusOutlined, SearchOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import {
  createSupplier,
  getSupplier,
  listSuppliers,
  normalizeUscc,
  supplierField,
  supplierFieldErrors,
  supplierInput,
  updateSupplier,
  USCC_LENGTH,
  type Supplier,
  type SupplierQuery,
} from '../../api/suppliers';
import { ApiError, isStale } from '../../api/problem';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { formatDateTime } from '../../lib/format';
import { useDebounced } from '../../lib/hooks';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';

const PAGE = 50;
/** The sticky header sits below the app's own sticky header (theme: headerHeight 52). */
const HEADER_OFFSET = 52;
const MONO: React.CSSProperties = {
  fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
  letterSpacing: 0.5,
};

/** The form's fields (a refusal naming only these is shown under them, not again above). */
const FIELDS = ['name', 'uscc', 'order_email', 'invoice_email', 'contact', 'phone'] as const;

type ActiveChoice = 'all' | 'active' | 'inactive';

interface Values {
  name: string;
  uscc: string;
  order_email: string;
  invoice_email?: string | null;
  contact?: string | null;
  phone?: string | null;
  active: boolean;
}

const k = (key: string) => `procurement.suppliers.${key}`;

/** Filters in the URL (a link can be shared; back returns to the same list). */
function useSupplierFilters() {
  const [params, setParams] = useSearchParams();
  const query: SupplierQuery = useMemo(() => {
    const active = params.get('active');
    return {
      q: params.get('q')?.trim() || undefined,
      active: active === 'true' ? true : active === 'false' ? false : undefined,
    };
  }, [params]);
  const set = (patch: Partial<Record<'q' | 'active', string | undefined>>, replace = false) => {
    setParams(
      () => {
        // From the address as it is now, not as of the last render: a filter picked while the
        // typed search is still being written must not be undone by it.
        const next = new URLSearchParams(window.location.search);
        for (const [key, v] of Object.entries(patch)) {
          if (v === undefined || v === '') next.delete(key);
          else next.set(key, v);
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
function SupplierSearch({ value, onChange }: { value: string; onChange: (q: string) => void }) {
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
    if (value.trim() !== written.current.trim()) {
      written.current = value;
      setText(value);
    }
  }, [value]);
  return (
    <Input
      allowClear
      prefix={<SearchOutlined className="muted" />}
      placeholder={t(k('searchPlaceholder'))}
      style={{ width: 280 }}
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
      data-testid="supplier-search"
    />
  );
}

export function SupplierStatusTag({ active }: { active: boolean }) {
  const { t } = useTranslation();
  return (
    <Tag color={active ? 'green' : 'default'} data-testid="supplier-status" data-active={String(active)} style={{ marginInlineEnd: 0 }}>
      {active ? t(k('filter.active')) : t(k('filter.inactive'))}
    </Tag>
  );
}

/** The add / change drawer. `editing` is the supplier as read, or 'new'. */
function SupplierDrawer({
  editing,
  onClose,
  onEditing,
}: {
  editing: Supplier | 'new' | null;
  onClose: () => void;
  onEditing: (s: Supplier) => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [conflict, setConflict] = useState(false);
  const uscc = Form.useWatch('uscc', form) ?? '';
  const isNew = editing === 'new';

  const save = useMutation({
    mutationFn: (v: Values) => {
      const input = supplierInput(v);
      if (editing === 'new' || !editing) return createSupplier(input);
      return updateSupplier(editing.id, { version: editing.version, active: v.active, supplier: input });
    },
    onSuccess: (s) => {
      void message.success(t(k(isNew ? 'created' : 'saved'), { name: s.name }));
      void queryClient.invalidateQueries({ queryKey: ['suppliers'] });
      onClose();
    },
    onError: (err) => {
      if (isStale(err)) {
        // Changed by someone else since it was read: the list shows the change, the form offers it.
        setConflict(true);
        void message.warning(t(k('staleToast')));
        void queryClient.invalidateQueries({ queryKey: ['suppliers'] });
        return;
      }
      // A wrong check character, a code already used, a wrong address: under the field.
      const fields = supplierFieldErrors(err, FIELDS);
      if (fields.length) form.setFields(fields as { name: (typeof FIELDS)[number]; errors: string[] }[]);
    },
  });

  const reload = useMutation({
    mutationFn: (id: number) => getSupplier(id),
    onSuccess: (fresh) => onEditing(fresh),
  });

  useEffect(() => {
    if (editing === null) return;
    save.reset();
    reload.reset();
    setConflict(false);
    form.resetFields();
    form.setFieldsValue(
      editing === 'new'
        ? { name: '', uscc: '', order_email: '', invoice_email: '', contact: '', phone: '', active: true }
        : {
            name: editing.name,
            uscc: editing.uscc,
            order_email: editing.order_email,
            invoice_email: editing.invoice_email ?? '',
            contact: editing.contact ?? '',
            phone: editing.phone ?? '',
            active: editing.active,
          },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [editing]);

  const err = save.error;
  const allPlaced =
    err instanceof ApiError && err.errors.length > 0 && err.errors.every((e) => (FIELDS as readonly string[]).includes(supplierField(e.field)));
  const count = normalizeUscc(uscc).length;

  return (
    <Drawer
      open={editing !== null}
      size={520}
      title={
        isNew ? (
          t(k('new'))
        ) : editing ? (
          <span>
            {t(k('editTitle'))} · {editing.name}
          </span>
        ) : (
          ''
        )
      }
      onClose={onClose}
      forceRender
      data-testid="supplier-form"
      extra={
        <Space>
          <Button onClick={onClose} data-testid="supplier-form-cancel">
            {t(k('form.cancel'))}
          </Button>
          <Button type="primary" loading={save.isPending} onClick={() => form.submit()} data-testid="supplier-form-save">
            {t(k('form.save'))}
          </Button>
        </Space>
      }
    >
      {conflict ? (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          title={t(k('stale'))}
          data-testid="supplier-form-stale"
          action={
            editing && editing !== 'new' ? (
              <Button size="small" loading={reload.isPending} onClick={() => reload.mutate(editing.id)} data-testid="supplier-form-reload">
                {t(k('reloadRecord'))}
              </Button>
            ) : undefined
          }
        />
      ) : (
        <ErrorAlert error={allPlaced ? null : (err ?? reload.error)} />
      )}
      <Form<Values> form={form} layout="vertical" onFinish={(v) => save.mutate(v)} requiredMark>
        <Form.Item name="name" label={t(k('form.name'))} rules={[{ required: true, whitespace: true, message: t(k('form.nameRequired')) }]}>
          <Input maxLength={100} placeholder={t(k('form.namePlaceholder'))} autoComplete="off" data-testid="supplier-form-name" />
        </Form.Item>
        <Form.Item
          name="uscc"
          label={t(k('form.uscc'))}
          extra={t(k('form.usccHelp'))}
          normalize={(v: string | undefined) => normalizeUscc(v)}
          rules={[{ required: true, message: t(k('form.usccRequired')) }]}
        >
          <Input
            maxLength={40}
            placeholder={t(k('form.usccPlaceholder'))}
            autoComplete="off"
            spellCheck={false}
            styles={{ input: MONO }}
            data-testid="supplier-form-uscc"
            suffix={
              <span
                className="num"
                data-testid="supplier-form-uscc-count"
                data-count={count}
                style={{
                  fontSize: 12,
                  color: count === 0 ? 'rgba(0,0,0,0.35)' : count === USCC_LENGTH ? '#389e0d' : '#d46b08',
                }}
              >
                {t(k('form.usccCount'), { count })}
              </span>
            }
          />
        </Form.Item>
        <Form.Item
          name="order_email"
          label={t(k('form.orderEmail'))}
          extra={t(k('form.orderEmailHelp'))}
          rules={[{ required: true, whitespace: true, message: t(k('form.orderEmailRequired')) }]}
        >
          <Input maxLength={254} type="email" autoComplete="off" placeholder="orders@example.com" data-testid="supplier-form-order-email" />
        </Form.Item>
        <Form.Item name="invoice_email" label={t(k('form.invoiceEmail'))} extra={t(k('form.invoiceEmailHelp'))}>
          <Input maxLength={254} type="email" autoComplete="off" placeholder={t(k('form.optional'))} data-testid="supplier-form-invoice-email" />
        </Form.Item>
        <div style={{ display: 'grid', gridTemplateColumns: '1fr 1fr', columnGap: 12 }}>
          <Form.Item name="contact" label={t(k('form.contact'))}>
            <Input maxLength={50} autoComplete="off" placeholder={t(k('form.optional'))} data-testid="supplier-form-contact" />
          </Form.Item>
          <Form.Item name="phone" label={t(k('form.phone'))}>
            <Input maxLength={40} autoComplete="off" placeholder={t(k('form.optional'))} data-testid="supplier-form-phone" />
          </Form.Item>
        </div>
        <Form.Item name="active" label={t(k('form.active'))} valuePropName="checked" extra={t(k('form.activeHelp'))} hidden={isNew}>
          <Switch checkedChildren={t(k('filter.active'))} unCheckedChildren={t(k('filter.inactive'))} data-testid="supplier-form-active" />
        </Form.Item>
      </Form>
      {editing && editing !== 'new' ? (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t(k('updatedAt'), { at: formatDateTime(editing.updated_at) })}
        </Typography.Text>
      ) : null}
    </Drawer>
  );
}

export default function Suppliers() {
  const { t } = useTranslation();
  const me = useMe();
  const mayManage = can(me, 'manage_procurement');
  const { query, set, clear, raw } = useSupplierFilters();
  const [editing, setEditing] = useState<Supplier | 'new' | null>(null);
  const filtered = !!(query.q || query.active !== undefined);

  const list = useInfiniteQuery({
    queryKey: ['suppliers', query],
    queryFn: ({ pageParam, signal }) => listSuppliers({ ...query, cursor: pageParam, limit: PAGE }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);

  const activeChoice: ActiveChoice = query.active === true ? 'active' : query.active === false ? 'inactive' : 'all';
  const dash = <span className="muted">—</span>;

  const columns: TableProps<Supplier>['columns'] = [
    {
      title: t(k('col.name')),
      dataIndex: 'name',
      render: (name: string, s) => (
        <span data-testid="supplier-name" style={{ fontWeight: 500, color: s.active ? undefined : 'rgba(0,0,0,0.45)' }}>
          {name}
        </span>
      ),
    },
    {
      title: t(k('col.uscc')),
      dataIndex: 'uscc',
      width: 184,
      render: (v: string) => (
        <Typography.Text copyable={{ text: v }} style={{ ...MONO, whiteSpace: 'nowrap' }} data-testid="supplier-uscc">
          {v}
        </Typography.Text>
      ),
    },
    {
      title: t(k('col.orderEmail')),
      dataIndex: 'order_email',
      width: 190,
      ellipsis: true,
      render: (v: string) => (
        <span title={v} data-testid="supplier-order-email">
          {v}
        </span>
      ),
    },
    {
      title: t(k('col.invoiceEmail')),
      dataIndex: 'invoice_email',
      width: 190,
      ellipsis: true,
      render: (v: string | null) => (v ? <span title={v}>{v}</span> : dash),
    },
    {
      // Contact and phone together: one column fewer, the table fits a county hospital's screen.
      title: `${t(k('col.contact'))} / ${t(k('col.phone'))}`,
      key: 'contact',
      width: 140,
      render: (_: unknown, s) =>
        s.contact || s.phone ? (
          <div>
            <div data-testid="supplier-contact">{s.contact || dash}</div>
            <div className="num" style={{ fontSize: 12, color: 'rgba(0,0,0,0.55)' }} data-testid="supplier-phone">
              {s.phone || dash}
            </div>
          </div>
        ) : (
          dash
        ),
    },
    {
      title: (
        <Tooltip title={t(k('contractsHint'))}>
          <span>{t(k('col.contracts'))}</span>
        </Tooltip>
      ),
      dataIndex: 'current_contracts',
      width: 80,
      align: 'right',
      render: (n: number) => (
        <span className="num" data-testid="supplier-contracts" style={{ color: n === 0 ? 'rgba(0,0,0,0.45)' : undefined }}>
          {n}
        </span>
      ),
    },
    {
      title: t(k('col.status')),
      dataIndex: 'active',
      width: 70,
      render: (a: boolean) => <SupplierStatusTag active={a} />,
    },
    ...(mayManage
      ? [
          {
            title: t(k('col.actions')),
            key: 'actions',
            width: 84,
            fixed: 'right' as const,
            render: (_: unknown, s: Supplier) => (
              <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(s)} data-testid="supplier-edit">
                {t(k('edit'))}
              </Button>
            ),
          },
        ]
      : []),
  ];

  const emptyText = list.isPending ? (
    ' '
  ) : filtered ? (
    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t(k('emptyFiltered'))}>
      <Button size="small" icon={<ClearOutlined />} onClick={clear}>
        {t(k('clearFilters'))}
      </Button>
    </Empty>
  ) : (
    <Empty
      image={Empty.PRESENTED_IMAGE_SIMPLE}
      description={
        <>
          <div>{t(k('empty'))}</div>
          {mayManage ? <div className="muted">{t(k('emptyHint'))}</div> : null}
        </>
      }
    />
  );

  return (
    <>
      <PageTitle
        title={t(k('title'))}
        sub={t(k('sub'))}
        extra={
          mayManage ? (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="supplier-new">
              {t(k('new'))}
            </Button>
          ) : null
        }
      />
      <Card size="small" variant="outlined" styles={{ body: { padding: 12 } }}>
        <Space wrap size={[8, 8]} style={{ marginBottom: 10, width: '100%' }} className="no-print">
          <SupplierSearch value={raw} onChange={(q) => set({ q: q || undefined }, true)} />
          <Segmented<ActiveChoice>
            value={activeChoice}
            onChange={(v) => set({ active: v === 'all' ? undefined : v === 'active' ? 'true' : 'false' })}
            options={(['all', 'active', 'inactive'] as const).map((v) => ({
              value: v,
              label: <span data-testid={`supplier-filter-${v}`}>{t(k(`filter.${v}`))}</span>,
            }))}
            aria-label={t(k('filter.label'))}
            data-testid="supplier-filter"
          />
          {filtered ? (
            <Button type="link" size="small" icon={<ClearOutlined />} onClick={clear} data-testid="supplier-clear-filters">
              {t(k('clearFilters'))}
            </Button>
          ) : null}
        </Space>
        <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
        <Table<Supplier>
          size="small"
          rowKey="id"
          columns={columns}
          dataSource={items}
          loading={list.isPending || (list.isFetching && !list.isFetchingNextPage)}
          pagination={false}
          scroll={{ x: mayManage ? 1060 : 980 }}
          sticky={{ offsetHeader: HEADER_OFFSET }}
          locale={{ emptyText }}
          onRow={(s) =>
            ({
              'data-testid': 'supplier-row',
              'data-id': s.id,
              'data-uscc': s.uscc,
              'data-active': String(s.active),
            }) as React.HTMLAttributes<HTMLElement>
          }
          footer={() => (
            <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 12, flexWrap: 'wrap' }}>
              <Typography.Text type="secondary" data-testid="supplier-summary">
                {t(k('summary'), { shown: items.length })}
                {list.hasNextPage ? t(k('summaryMore')) : null}
              </Typography.Text>
              {list.hasNextPage ? (
                <Button
                  size="small"
                  className="no-print"
                  loading={list.isFetchingNextPage}
                  onClick={() => void list.fetchNextPage()}
                  data-testid="supplier-load-more"
                >
                  {t('common.loadMore')}
                </Button>
              ) : items.length > 0 ? (
                <span className="muted">{t('common.noMore')}</span>
              ) : null}
            </div>
          )}
        />
      </Card>
      {mayManage ? <SupplierDrawer editing={editing} onClose={() => setEditing(null)} onEditing={(s) => setEditing(s)} /> : null}
    </>
  );
}
