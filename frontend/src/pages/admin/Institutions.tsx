import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, Drawer, Form, Input, Select, Space, Switch, Table, Tag } from 'antd';
import { EditOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { createInstitution, listInstitutions, updateInstitution } from '../../api/admin';
import { applyFieldErrors, placedInForm, isStale } from '../../api/problem';
import type { Institution, Level } from '../../api/types';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { LEVELS, options } from '../../lib/enums';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import { useConsortiumScope } from './common';

/** The form's fields (a refusal naming only these is shown under them, not again above). */
const INSTITUTION_FIELDS = ['name', 'code', 'level', 'parent_id', 'contact_emails'];

const LEVEL_COLOR: Record<Level, string> = { lead: 'geekblue', secondary: 'blue', township: 'cyan', village: 'green' };
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface Values {
  name: string;
  code: string;
  level: Level;
  parent_id?: number | null;
  contact_emails: string[];
  active: boolean;
}

export default function Institutions() {
  const { t } = useTranslation();
  const me = useMe();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const { consortiumId, picker } = useConsortiumScope();
  const editable = can(me, 'manage_organisation');
  const sys = can(me, 'manage_consortia');
  const [editing, setEditing] = useState<Institution | 'new' | null>(null);
  const [conflict, setConflict] = useState(false);
  const [form] = Form.useForm<Values>();

  const key = ['institutions', consortiumId ?? null];
  const list = useQuery({
    queryKey: key,
    queryFn: () => listInstitutions(sys ? consortiumId : undefined),
    enabled: consortiumId !== undefined || !sys,
  });
  const items = useMemo(() => list.data?.items ?? [], [list.data]);
  const byId = useMemo(() => new Map(items.map((i) => [i.id, i])), [items]);

  const save = useMutation({
    mutationFn: async (v: Values) => {
      const emails = (v.contact_emails ?? []).map((e) => e.trim()).filter(Boolean);
      if (editing === 'new') {
        return createInstitution({
          consortium_id: sys ? consortiumId : undefined,
          name: v.name.trim(),
          code: v.code.trim(),
          level: v.level,
          parent_id: v.parent_id ?? null,
          contact_emails: emails,
        });
      }
      const inst = editing as Institution;
      return updateInstitution(inst.id, {
        version: inst.version,
        name: v.name.trim(),
        level: v.level,
        parent_id: v.parent_id ?? 0,
        contact_emails: emails,
        active: v.active,
      });
    },
    onSuccess: () => {
      void message.success(t('common.saved'));
      setEditing(null);
      void queryClient.invalidateQueries({ queryKey: ['institutions'] });
    },
    onError: (err) => {
      if (isStale(err)) setConflict(true);
      // A code already used is shown under the field.
      else applyFieldErrors(form, err, INSTITUTION_FIELDS);
    },
  });

  const open = (inst: Institution | 'new') => {
    save.reset();
    setConflict(false);
    setEditing(inst);
    form.setFieldsValue(
      inst === 'new'
        ? { name: '', code: '', level: 'township', parent_id: null, contact_emails: [], active: true }
        : {
            name: inst.name,
            code: inst.code,
            level: inst.level,
            parent_id: inst.parent_id,
            contact_emails: inst.contact_emails,
            active: inst.active,
          },
    );
  };

  const reloadEditing = async () => {
    const fresh = await list.refetch();
    const current = editing !== 'new' && editing ? fresh.data?.items.find((i) => i.id === editing.id) : undefined;
    if (current) open(current);
  };

  return (
    <>
      <PageTitle
        title={t('admin.institutions')}
        sub={!editable ? t('common.readOnly') : undefined}
        extra={
          <Space>
            {picker}
            {editable ? (
              <Button type="primary" icon={<PlusOutlined />} onClick={() => open('new')} disabled={!consortiumId} data-testid="institution-create">
                {t('admin.newInstitution')}
              </Button>
            ) : null}
          </Space>
        }
      />
      <Card size="small">
        <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
        <Table<Institution>
          size="small"
          rowKey="id"
          loading={list.isFetching}
          dataSource={items}
          pagination={items.length > 50 ? { pageSize: 50, showSizeChanger: false } : false}
          onRow={(i) => ({ 'data-testid': `institution-row-${i.id}` }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { title: t('admin.name'), dataIndex: 'name', render: (n: string) => <strong>{n}</strong> },
            { title: t('admin.code'), dataIndex: 'code', width: 130 },
            {
              title: t('admin.level'),
              dataIndex: 'level',
              width: 130,
              render: (l: Level) => <Tag color={LEVEL_COLOR[l]}>{t(`enum.levelShort.${l}`)}</Tag>,
            },
            {
              title: t('admin.parent'),
              dataIndex: 'parent_id',
              render: (p: number | null) => (p ? (byId.get(p)?.name ?? `#${p}`) : '—'),
            },
            {
              title: t('admin.contactEmails'),
              dataIndex: 'contact_emails',
              render: (emails: string[]) => (
                <Space size={2} wrap>
                  {emails.map((e) => (
                    <Tag key={e} style={{ marginInlineEnd: 0 }}>
                      {e}
                    </Tag>
                  ))}
                </Space>
              ),
            },
            {
              title: t('common.status'),
              dataIndex: 'active',
              width: 80,
              render: (a: boolean) => (a ? <Tag color="green">{t('common.active')}</Tag> : <Tag>{t('common.inactive')}</Tag>),
            },
            ...(editable
              ? [
                  {
                    title: t('common.actions'),
                    key: 'a',
                    width: 90,
                    render: (_: unknown, i: Institution) => (
                      <Button size="small" icon={<EditOutlined />} onClick={() => open(i)} data-testid={`institution-edit-${i.id}`}>
                        {t('common.edit')}
                      </Button>
                    ),
                  },
                ]
              : []),
          ]}
        />
      </Card>
      <Drawer
        open={editing !== null}
        size={480}
        title={editing === 'new' ? t('admin.newInstitution') : t('admin.editInstitution')}
        onClose={() => setEditing(null)}
        forceRender
        extra={
          <Space>
            <Button onClick={() => setEditing(null)}>{t('common.cancel')}</Button>
            <Button type="primary" loading={save.isPending} onClick={() => form.submit()} data-testid="institution-save">
              {t('common.save')}
            </Button>
          </Space>
        }
      >
        {conflict ? (
          <Alert
            type="warning"
            showIcon
            style={{ marginBottom: 12 }}
            title={t('common.conflict')}
            data-testid="conflict-alert"
            action={
              <Button size="small" onClick={() => void reloadEditing()}>
                {t('common.reload')}
              </Button>
            }
          />
        ) : (
          <ErrorAlert error={placedInForm(save.error, INSTITUTION_FIELDS) ? null : save.error} />
        )}
        <Form<Values> form={form} layout="vertical" onFinish={(v) => save.mutate(v)}>
          <Form.Item name="name" label={t('admin.name')} rules={[{ required: true, whitespace: true }]}>
            <Input maxLength={100} data-testid="institution-name" />
          </Form.Item>
          <Form.Item name="code" label={t('admin.code')} rules={[{ required: true, whitespace: true }]}>
            <Input maxLength={40} disabled={editing !== 'new'} data-testid="institution-code" />
          </Form.Item>
          <Form.Item name="level" label={t('admin.level')} rules={[{ required: true }]}>
            <Select options={options(t, 'enum.level', LEVELS)} />
          </Form.Item>
          <Form.Item name="parent_id" label={t('admin.parent')}>
            <Select
              allowClear
              showSearch={{ optionFilterProp: 'label' }}
              options={items
                .filter((i) => editing === 'new' || !editing || i.id !== editing.id)
                .map((i) => ({ value: i.id, label: `${i.name}（${t(`enum.levelShort.${i.level}`)}）` }))}
            />
          </Form.Item>
          <Form.Item
            name="contact_emails"
            label={t('admin.contactEmails')}
            extra={t('admin.emailsHint')}
            rules={[
              {
                validator: (_, v: string[] | undefined) => {
                  const bad = (v ?? []).find((e) => !EMAIL.test(e.trim()));
                  return bad ? Promise.reject(new Error(t('admin.invalidEmail', { email: bad }))) : Promise.resolve();
                },
              },
            ]}
          >
            <Select mode="tags" tokenSeparators={[',', ';', ' ', '，', '；']} open={false} suffixIcon={null} />
          </Form.Item>
          {editing !== 'new' ? (
            <Form.Item name="active" label={t('common.status')} valuePropName="checked">
              <Switch checkedChildren={t('common.active')} unCheckedChildren={t('common.inactive')} />
            </Form.Item>
          ) : null}
        </Form>
      </Drawer>
    </>
  );
}
