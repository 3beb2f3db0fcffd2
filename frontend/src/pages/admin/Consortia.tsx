import { useState } from 'react';
import { App, Button, Card, Form, Input, Modal, Table } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { createConsortium, listConsortia } from '../../api/admin';
import type { Consortium } from '../../api/types';
import { applyFieldErrors, placedInForm } from '../../api/problem';
import { formatDateTime } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';

/** The form's fields (a refusal naming only these is shown under them, not again above). */
const CONSORTIUM_FIELDS = ['name', 'code', 'region'];

interface Values {
  name: string;
  code: string;
  region: string;
}

export default function Consortia() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<Values>();
  const list = useQuery({ queryKey: ['consortia'], queryFn: () => listConsortia() });
  const create = useMutation({
    mutationFn: (v: Values) => createConsortium({ name: v.name.trim(), code: v.code.trim(), region: v.region.trim() }),
    onSuccess: (c) => {
      void message.success(`${t('common.saved')}${t('common.colon')}${c.name}`);
      setOpen(false);
      form.resetFields();
      void queryClient.invalidateQueries({ queryKey: ['consortia'] });
    },
    onError: (err) => applyFieldErrors(form, err, CONSORTIUM_FIELDS),
  });

  return (
    <>
      <PageTitle
        title={t('admin.consortia')}
        extra={
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setOpen(true)} data-testid="consortium-create">
            {t('admin.newConsortium')}
          </Button>
        }
      />
      <Card size="small">
        <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
        <Table<Consortium>
          size="small"
          rowKey="id"
          loading={list.isPending}
          dataSource={list.data?.items ?? []}
          pagination={false}
          columns={[
            { title: 'ID', dataIndex: 'id', width: 70 },
            { title: t('admin.name'), dataIndex: 'name' },
            { title: t('admin.code'), dataIndex: 'code', width: 160 },
            { title: t('admin.region'), dataIndex: 'region', width: 200 },
            { title: t('admin.createdAt'), dataIndex: 'created_at', width: 160, render: formatDateTime },
            {
              title: t('common.actions'),
              key: 'a',
              width: 200,
              render: (_: unknown, c) => (
                <span style={{ display: 'inline-flex', gap: 12 }}>
                  <Link to={`/admin/institutions?consortium_id=${c.id}`}>{t('admin.institutions')}</Link>
                  <Link to={`/admin/users?consortium_id=${c.id}`}>{t('admin.users')}</Link>
                </span>
              ),
            },
          ]}
        />
      </Card>
      <Modal
        open={open}
        title={t('admin.newConsortium')}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        onCancel={() => setOpen(false)}
        onOk={() => form.submit()}
        confirmLoading={create.isPending}
        destroyOnHidden
      >
        <ErrorAlert error={placedInForm(create.error, CONSORTIUM_FIELDS) ? null : create.error} />
        <Form<Values> form={form} layout="vertical" onFinish={(v) => create.mutate(v)}>
          <Form.Item name="name" label={t('admin.name')} rules={[{ required: true, whitespace: true }]}>
            <Input placeholder="某县医共体" maxLength={100} />
          </Form.Item>
          <Form.Item name="code" label={t('admin.code')} rules={[{ required: true, whitespace: true }]}>
            <Input placeholder="HJQ-01" maxLength={40} />
          </Form.Item>
          <Form.Item name="region" label={t('admin.region')} rules={[{ required: true, whitespace: true }]}>
            <Input placeholder="内蒙古自治区鄂尔多斯市杭锦旗" maxLength={100} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
