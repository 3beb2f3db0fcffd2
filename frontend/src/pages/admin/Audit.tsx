import { useState } from 'react';
import { Button, Card, DatePicker, Form, Input, Select, Space, Table, Tag, Typography, Row, Col } from 'antd';
import { SearchOutlined } from '@ant-design/icons';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { Dayjs } from 'dayjs';
import { listAudit, type AuditQuery } from '../../api/admin';
import type { AuditEntry } from '../../api/types';
import { DATE_FORMAT, formatDateTime } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';

interface FilterValues {
  action?: string;
  object_type?: string;
  object_id?: string;
  range?: [Dayjs | null, Dayjs | null] | null;
}

/** Every audited action and object type the web app names in words (i18n `audit.*`). */
function useAuditWords() {
  const { t, i18n } = useTranslation();
  const tree = (key: string) => (i18n.getResource(i18n.language, 'translation', key) ?? {}) as Record<string, unknown>;
  const actions = Object.entries(tree('audit.action')).flatMap(([group, v]) =>
    Object.keys(v as Record<string, string>).map((name) => `${group}.${name}`),
  );
  const objects = Object.keys(tree('audit.object'));
  // An action or object this build does not know yet is shown as its code, not hidden.
  const action = (code: string) => (i18n.exists(`audit.action.${code}`) ? t(`audit.action.${code}`) : code);
  const object = (code: string) => (i18n.exists(`audit.object.${code}`) ? t(`audit.object.${code}`) : code);
  return { actions, objects, action, object };
}

function Json({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  return <pre className="json-block">{JSON.stringify(value, null, 2)}</pre>;
}

export default function Audit() {
  const { t } = useTranslation();
  const [filters, setFilters] = useState<AuditQuery>({});
  const [form] = Form.useForm<FilterValues>();
  const words = useAuditWords();

  const list = useInfiniteQuery({
    queryKey: ['audit', filters],
    queryFn: ({ pageParam }) => listAudit({ ...filters, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];

  const apply = (v: FilterValues) => {
    const [from, to] = v.range ?? [null, null];
    setFilters({
      action: v.action?.trim() || undefined,
      object_type: v.object_type?.trim() || undefined,
      object_id: v.object_id?.trim() || undefined,
      // The server filters by instant: whole local days, end exclusive.
      from: from ? from.startOf('day').toISOString() : undefined,
      to: to ? to.add(1, 'day').startOf('day').toISOString() : undefined,
    });
  };

  return (
    <>
      <PageTitle title={t('admin.audit')} />
      <Card size="small" style={{ marginBottom: 12 }} className="no-print">
        <Form<FilterValues> form={form} layout="inline" onFinish={apply} data-testid="audit-filters">
          <Form.Item name="action" label={t('admin.action')}>
            <Select
              allowClear
              showSearch={{ optionFilterProp: 'label' }}
              style={{ width: 240 }}
              data-testid="audit-filter-action"
              options={words.actions.map((a) => ({ value: a, label: words.action(a) }))}
            />
          </Form.Item>
          <Form.Item name="object_type" label={t('admin.objectType')}>
            <Select
              allowClear
              style={{ width: 180 }}
              options={words.objects.map((o) => ({ value: o, label: words.object(o) }))}
            />
          </Form.Item>
          <Form.Item name="object_id" label={t('admin.objectId')}>
            <Input allowClear style={{ width: 100 }} />
          </Form.Item>
          <Form.Item name="range" label={t('admin.dateRange')}>
            <DatePicker.RangePicker format={DATE_FORMAT} allowEmpty={[true, true]} />
          </Form.Item>
          <Form.Item>
            <Space>
              <Button type="primary" htmlType="submit" icon={<SearchOutlined />}>
                {t('common.search')}
              </Button>
              <Button
                onClick={() => {
                  form.resetFields();
                  setFilters({});
                }}
              >
                {t('common.reset')}
              </Button>
            </Space>
          </Form.Item>
        </Form>
      </Card>
      <Card size="small">
        <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
        <Table<AuditEntry>
          size="small"
          rowKey="id"
          loading={list.isPending}
          dataSource={items}
          pagination={false}
          scroll={{ x: 900 }}
          expandable={{
            expandedRowRender: (a) => (
              <Row gutter={12}>
                <Col xs={24} md={12}>
                  <Typography.Text strong>{t('admin.before')}</Typography.Text>
                  <Json value={a.before} />
                </Col>
                <Col xs={24} md={12}>
                  <Typography.Text strong>{t('admin.after')}</Typography.Text>
                  <Json value={a.after} />
                </Col>
                {a.request_id ? (
                  <Col span={24} className="muted" style={{ marginTop: 6 }}>
                    {t('admin.requestId')}: <code>{a.request_id}</code>
                  </Col>
                ) : null}
              </Row>
            ),
            rowExpandable: (a) => a.before != null || a.after != null || !!a.request_id,
          }}
          onRow={() => ({ 'data-testid': 'audit-row' }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { title: t('admin.at'), dataIndex: 'at', width: 150, render: formatDateTime },
            { title: t('admin.actor'), dataIndex: 'actor_username', width: 210, render: (u: string | null) => u ?? '—' },
            {
              title: t('admin.action'),
              dataIndex: 'action',
              width: 220,
              render: (a: string) => (
                <Tag color="blue" title={a} data-testid="audit-action">
                  {words.action(a)}
                </Tag>
              ),
            },
            {
              title: t('admin.objectType'),
              key: 'obj',
              width: 180,
              render: (_: unknown, a) => (
                <span>
                  {words.object(a.object_type)}
                  {a.object_id != null ? <span className="muted"> #{String(a.object_id)}</span> : null}
                </span>
              ),
            },
            { title: t('admin.reason'), dataIndex: 'reason', ellipsis: true, render: (r: string | null) => r ?? '' },
          ]}
          footer={
            list.hasNextPage
              ? () => (
                  <Button size="small" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
                    {t('common.loadMore')}
                  </Button>
                )
              : undefined
          }
        />
      </Card>
    </>
  );
}
