import { App, Button, DatePicker, Form, Input, Modal, Space, Tag, Typography } from 'antd';
import { PauseCircleOutlined, StopOutlined } from '@ant-design/icons';
import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { Dayjs } from 'dayjs';
import { createProposal } from '../api/formulary';
import type { Entry } from '../api/types';
import { consortiumToday, DATE_FORMAT, formatProduct } from '../lib/format';
import { effectiveDateRule } from '../lib/rules';
import ErrorAlert from './ErrorAlert';

type Kind = 'suspend' | 'withdraw';

/**
 * The rows a proposer selected in the list, proposed together: one batch proposal that suspends
 * or withdraws each of them (the committee decides it as one).
 */
export default function BatchProposal({ selected, onClear }: { selected: Entry[]; onClear: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<Kind | null>(null);
  const [form] = Form.useForm<{ reason: string; effective_date: Dayjs }>();
  const create = useMutation({
    mutationFn: (v: { reason: string; effective_date: Dayjs }) =>
      createProposal({
        kind: kind!,
        entry_ids: selected.map((e) => e.id),
        reason: v.reason.trim(),
        effective_date: v.effective_date.format(DATE_FORMAT),
      }),
    onSuccess: (p) => {
      void message.success(t('proposal.submitted', { id: p.id }));
      void queryClient.invalidateQueries({ queryKey: ['proposals'] });
      setKind(null);
      onClear();
      void navigate(`/formulary/proposals?status=pending&highlight=${p.id}`);
    },
  });
  if (selected.length === 0) return null;
  return (
    <>
      <Space className="no-print" data-testid="batch-bar" style={{ marginBottom: 8 }} wrap>
        <Typography.Text strong>{t('batch.selected', { count: selected.length })}</Typography.Text>
        <Button size="small" icon={<PauseCircleOutlined />} onClick={() => setKind('suspend')} data-testid="batch-suspend">
          {t('batch.suspend')}
        </Button>
        <Button size="small" danger icon={<StopOutlined />} onClick={() => setKind('withdraw')} data-testid="batch-withdraw">
          {t('batch.withdraw')}
        </Button>
        <Button size="small" type="link" onClick={onClear}>
          {t('batch.clear')}
        </Button>
      </Space>
      <Modal
        open={kind !== null}
        title={kind ? t(`batch.title.${kind}`, { count: selected.length }) : ''}
        okText={t('common.submit')}
        cancelText={t('common.cancel')}
        confirmLoading={create.isPending}
        onCancel={() => setKind(null)}
        onOk={() => form.submit()}
        okButtonProps={{ 'data-testid': 'batch-submit' } as never}
        destroyOnHidden
      >
        <div style={{ maxHeight: 220, overflow: 'auto', marginBottom: 12 }} data-testid="batch-list">
          {selected.map((e) => (
            <div key={e.id}>
              <Tag>{e.id}</Tag>
              {formatProduct(e)}
            </div>
          ))}
        </div>
        <ErrorAlert error={create.error} />
        <Form form={form} layout="vertical" initialValues={{ effective_date: consortiumToday() }} onFinish={(v) => create.mutate(v)}>
          <Form.Item
            name="reason"
            label={t('proposal.reason')}
            rules={[{ required: true, whitespace: true, min: 2, message: t('proposal.reasonRequired') }]}
          >
            <Input.TextArea rows={2} maxLength={1000} data-testid="batch-reason" />
          </Form.Item>
          <Form.Item
            name="effective_date"
            label={t('proposal.effectiveDate')}
            rules={[{ required: true, message: t('proposal.effectiveRequired') }, effectiveDateRule(t)]}
          >
            <DatePicker format={DATE_FORMAT} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
