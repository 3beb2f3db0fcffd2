import { useState } from 'react';
import { Alert, App, Button, Card, Drawer, Form, Input, Modal, Select, Space, Switch, Table, Tag, Tooltip } from 'antd';
import { EditOutlined, KeyOutlined, LockOutlined, PlusOutlined, UnlockOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { createUser, listInstitutions, listUsers, updateUser } from '../../api/admin';
import { applyFieldErrors, placedInForm, describeError, isStale } from '../../api/problem';
import type { Role, User } from '../../api/types';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { ROLES } from '../../lib/enums';
import { formatDateTime } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import { useConsortiumScope } from './common';

/** The form's fields (a refusal naming only these is shown under them, not again above). */
const CREATE_FIELDS = ['username', 'password', 'display_name', 'institution_id', 'roles'];

const ROLE_COLOR: Partial<Record<Role, string>> = {
  system_admin: 'magenta',
  consortium_admin: 'purple',
  committee: 'geekblue',
  auditor: 'gold',
};

interface CreateValues {
  username: string;
  display_name: string;
  institution_id: number;
  roles: Role[];
  password: string;
}
interface EditValues {
  display_name: string;
  roles: Role[];
  active: boolean;
}

export default function Users() {
  const { t } = useTranslation();
  const me = useMe();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const { consortiumId, picker } = useConsortiumScope();
  const editable = can(me, 'manage_organisation');
  const sys = can(me, 'manage_consortia');
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<User | null>(null);
  const [resetting, setResetting] = useState<User | null>(null);
  const [conflict, setConflict] = useState(false);
  const [createForm] = Form.useForm<CreateValues>();
  const [editForm] = Form.useForm<EditValues>();
  const [resetForm] = Form.useForm<{ password: string }>();

  const enabled = consortiumId !== undefined || !sys;
  const list = useQuery({
    queryKey: ['users', consortiumId ?? null],
    queryFn: () => listUsers(sys ? consortiumId : undefined),
    enabled,
  });
  const institutions = useQuery({
    queryKey: ['institutions', consortiumId ?? null],
    queryFn: () => listInstitutions(sys ? consortiumId : undefined),
    enabled: enabled && editable,
  });

  // A consortium administrator does not hand out system administration.
  const roleOptions = ROLES.filter((r) => sys || r !== 'system_admin').map((r) => ({ value: r, label: t(`enum.role.${r}`) }));
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['users'] });
  const onConflict = (err: unknown) => {
    if (isStale(err)) setConflict(true);
  };

  const create = useMutation({
    mutationFn: (v: CreateValues) =>
      createUser({ ...v, username: v.username.trim(), display_name: v.display_name.trim() }),
    onSuccess: () => {
      void message.success(t('common.saved'));
      setCreating(false);
      createForm.resetFields();
      refresh();
    },
    // A taken username is shown under the field.
    onError: (err) => applyFieldErrors(createForm, err, CREATE_FIELDS),
  });
  const edit = useMutation({
    mutationFn: (v: EditValues) =>
      updateUser(editing!.id, { version: editing!.version, display_name: v.display_name.trim(), roles: v.roles, active: v.active }),
    onSuccess: () => {
      void message.success(t('common.saved'));
      setEditing(null);
      refresh();
    },
    onError: onConflict,
  });
  const reset = useMutation({
    mutationFn: (v: { password: string }) => updateUser(resetting!.id, { version: resetting!.version, password: v.password }),
    onSuccess: () => {
      void message.success(t('admin.resetDone'));
      setResetting(null);
      resetForm.resetFields();
      refresh();
    },
    onError: onConflict,
  });

  const unlock = useMutation({
    mutationFn: (u: User) => updateUser(u.id, { version: u.version, unlock: true }),
    onSuccess: () => {
      void message.success(t('common.saved'));
      refresh();
    },
    onError: (err) => {
      void message.error(isStale(err) ? t('common.conflict') : describeError(err));
      refresh();
    },
  });

  const openEdit = (u: User) => {
    edit.reset();
    setConflict(false);
    setEditing(u);
    editForm.setFieldsValue({ display_name: u.display_name, roles: u.roles, active: u.active });
  };
  const reloadEditing = async () => {
    const fresh = await list.refetch();
    const u = editing ? fresh.data?.items.find((x) => x.id === editing.id) : undefined;
    if (u) openEdit(u);
  };

  const passwordRules = [
    { required: true, message: t('auth.passwordRequired') },
    { min: 10, message: t('auth.passwordTooShort') },
  ];

  return (
    <>
      <PageTitle
        title={t('admin.users')}
        sub={!editable ? t('common.readOnly') : undefined}
        extra={
          <Space>
            {picker}
            {editable ? (
              <Button
                type="primary"
                icon={<PlusOutlined />}
                disabled={!consortiumId}
                onClick={() => {
                  create.reset();
                  setCreating(true);
                }}
                data-testid="user-create"
              >
                {t('admin.newUser')}
              </Button>
            ) : null}
          </Space>
        }
      />
      <Card size="small">
        <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
        <Table<User>
          size="small"
          rowKey="id"
          loading={list.isFetching}
          dataSource={list.data?.items ?? []}
          pagination={(list.data?.items.length ?? 0) > 50 ? { pageSize: 50, showSizeChanger: false } : false}
          onRow={(u) => ({ 'data-testid': `user-row-${u.username}` }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { title: t('admin.username'), dataIndex: 'username', width: 210, render: (u: string) => <code style={{ whiteSpace: 'nowrap' }}>{u}</code> },
            { title: t('admin.displayName'), dataIndex: 'display_name', width: 150 },
            { title: t('admin.institution'), dataIndex: 'institution_name' },
            {
              title: t('admin.roles'),
              dataIndex: 'roles',
              render: (roles: Role[]) => (
                <Space size={2} wrap>
                  {roles.map((r) => (
                    <Tag key={r} color={ROLE_COLOR[r]} style={{ marginInlineEnd: 0 }}>
                      {t(`enum.role.${r}`)}
                    </Tag>
                  ))}
                </Space>
              ),
            },
            {
              title: t('common.status'),
              key: 'status',
              width: 150,
              render: (_: unknown, u) => (
                <Space size={2}>
                  {u.active ? <Tag color="green">{t('common.active')}</Tag> : <Tag>{t('common.inactive')}</Tag>}
                  {u.locked_until && new Date(u.locked_until) > new Date() ? (
                    <Tooltip title={`${t('admin.lockedUntil')} ${formatDateTime(u.locked_until)}`}>
                      <Tag color="red" icon={<LockOutlined />}>
                        {t('auth.locked')}
                      </Tag>
                    </Tooltip>
                  ) : null}
                </Space>
              ),
            },
            ...(editable
              ? [
                  {
                    title: t('common.actions'),
                    key: 'a',
                    width: 260,
                    render: (_: unknown, u: User) => (
                      <Space size={4}>
                        <Button size="small" icon={<EditOutlined />} onClick={() => openEdit(u)} data-testid={`user-edit-${u.username}`}>
                          {t('common.edit')}
                        </Button>
                        <Button
                          size="small"
                          icon={<KeyOutlined />}
                          onClick={() => {
                            reset.reset();
                            setConflict(false);
                            setResetting(u);
                          }}
                        >
                          {t('admin.resetPassword')}
                        </Button>
                        {u.locked_until && new Date(u.locked_until) > new Date() ? (
                          <Button size="small" icon={<UnlockOutlined />} loading={unlock.isPending} onClick={() => unlock.mutate(u)}>
                            {t('admin.unlock')}
                          </Button>
                        ) : null}
                      </Space>
                    ),
                  },
                ]
              : []),
          ]}
        />
      </Card>

      <Modal
        open={creating}
        title={t('admin.newUser')}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        onCancel={() => setCreating(false)}
        onOk={() => createForm.submit()}
        confirmLoading={create.isPending}
        destroyOnHidden
      >
        <ErrorAlert error={placedInForm(create.error, CREATE_FIELDS) ? null : create.error} />
        <Form<CreateValues> form={createForm} layout="vertical" onFinish={(v) => create.mutate(v)} initialValues={{ roles: [] }}>
          <Form.Item name="username" label={t('admin.username')} rules={[{ required: true, whitespace: true }, { pattern: /^[A-Za-z0-9._-]{3,64}$/, message: t('admin.usernameRule') }]}>
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="display_name" label={t('admin.displayName')} rules={[{ required: true, whitespace: true }]}>
            <Input maxLength={50} />
          </Form.Item>
          <Form.Item name="institution_id" label={t('admin.institution')} rules={[{ required: true }]}>
            <Select
              showSearch={{ optionFilterProp: 'label' }}
              loading={institutions.isPending}
              options={(institutions.data?.items ?? []).map((i) => ({ value: i.id, label: i.name }))}
            />
          </Form.Item>
          <Form.Item name="roles" label={t('admin.roles')} rules={[{ required: true, type: 'array', min: 1 }]}>
            <Select mode="multiple" options={roleOptions} />
          </Form.Item>
          <Form.Item name="password" label={t('admin.initialPassword')} rules={passwordRules}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        </Form>
      </Modal>

      <Drawer
        open={!!editing}
        size={440}
        title={editing ? `${t('admin.editUser')} · ${editing.username}` : ''}
        onClose={() => setEditing(null)}
        forceRender
        extra={
          <Space>
            <Button onClick={() => setEditing(null)}>{t('common.cancel')}</Button>
            <Button type="primary" loading={edit.isPending} onClick={() => editForm.submit()}>
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
            action={
              <Button size="small" onClick={() => void reloadEditing()}>
                {t('common.reload')}
              </Button>
            }
          />
        ) : (
          <ErrorAlert error={edit.error} />
        )}
        <Form<EditValues> form={editForm} layout="vertical" onFinish={(v) => edit.mutate(v)}>
          <Form.Item name="display_name" label={t('admin.displayName')} rules={[{ required: true, whitespace: true }]}>
            <Input maxLength={50} />
          </Form.Item>
          <Form.Item name="roles" label={t('admin.roles')} rules={[{ required: true, type: 'array', min: 1 }]}>
            <Select mode="multiple" options={roleOptions} />
          </Form.Item>
          <Form.Item name="active" label={t('common.status')} valuePropName="checked">
            <Switch checkedChildren={t('common.active')} unCheckedChildren={t('common.inactive')} />
          </Form.Item>
        </Form>
      </Drawer>

      <Modal
        open={!!resetting}
        title={resetting ? t('admin.resetPasswordTitle', { name: resetting.display_name }) : ''}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        onCancel={() => setResetting(null)}
        onOk={() => resetForm.submit()}
        confirmLoading={reset.isPending}
        destroyOnHidden
      >
        {conflict ? <Alert type="warning" showIcon title={t('common.conflict')} style={{ marginBottom: 12 }} /> : <ErrorAlert error={reset.error} />}
        <Form form={resetForm} layout="vertical" onFinish={(v) => reset.mutate(v)}>
          <Form.Item name="password" label={t('auth.newPassword')} rules={passwordRules}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
