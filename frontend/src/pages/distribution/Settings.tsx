import { useEffect, useState } from 'react';
import { App, Button, Form, InputNumber, Modal, Space, Tag, Tooltip } from 'antd';
import { EditOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import {
  CONFIRM_WITHIN_DAYS,
  DISTRIBUTION_SETTINGS_KEY,
  MIN_SHELF_DAYS,
  getDistributionSettings,
  putDistributionSettings,
  type DistributionSettings,
} from '../../api/receipts';
import { MIN_ALLOCATE_DAYS } from '../../api/backOrders';
import { isStale } from '../../api/problem';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import ErrorAlert from '../../components/ErrorAlert';

const P = 'distribution.receipts.settings';
/** The allocation setting's texts live with allocation (D2). */
const A = 'distribution.backOrders.settings';

type Values = Pick<DistributionSettings, 'min_shelf_days' | 'confirm_within_days' | 'min_allocate_days'>;

const whole = (v: unknown, b: { min: number; max: number }) => typeof v === 'number' && Number.isInteger(v) && v >= b.min && v <= b.max;

/** The distribution settings, changed by those who may (against the version read). */
function SettingsModal({ settings, open, onClose }: { settings: DistributionSettings; open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const save = useMutation({
    mutationFn: (v: Values) => putDistributionSettings({ ...v, version: settings.version }),
    onSuccess: (s) => {
      void message.success(t(`${P}.saved`));
      queryClient.setQueryData(DISTRIBUTION_SETTINGS_KEY, s);
      onClose();
    },
    onError: (err) => {
      if (isStale(err)) void queryClient.invalidateQueries({ queryKey: DISTRIBUTION_SETTINGS_KEY });
    },
  });
  useEffect(() => {
    if (open) {
      form.setFieldsValue({
        min_shelf_days: settings.min_shelf_days,
        confirm_within_days: settings.confirm_within_days,
        min_allocate_days: settings.min_allocate_days,
      });
      save.reset();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open]);
  const range = (b: { min: number; max: number }) => ({
    validator: (_: unknown, v: unknown) => (whole(v, b) ? Promise.resolve() : Promise.reject(new Error(t(`${P}.range`, b)))),
  });
  return (
    <Modal
      open={open}
      title={t(`${P}.title`)}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={save.isPending}
      okButtonProps={{ 'data-testid': 'dist-settings-save' } as never}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" onFinish={(v) => save.mutate(v)}>
        <Form.Item name="min_shelf_days" label={t(`${P}.minShelfLabel`)} extra={t(`${P}.minShelfHint`)} rules={[range(MIN_SHELF_DAYS)]}>
          <InputNumber style={{ width: 160 }} suffix={t(`${P}.days`)} data-testid="dist-settings-min-shelf" autoFocus />
        </Form.Item>
        <Form.Item
          name="confirm_within_days"
          label={t(`${P}.confirmLabel`)}
          extra={t(`${P}.confirmHint`)}
          rules={[range(CONFIRM_WITHIN_DAYS)]}
        >
          <InputNumber style={{ width: 160 }} suffix={t(`${P}.days`)} data-testid="dist-settings-confirm-days" />
        </Form.Item>
        <Form.Item
          name="min_allocate_days"
          label={t(`${A}.minAllocateLabel`)}
          extra={t(`${A}.minAllocateHint`)}
          rules={[range(MIN_ALLOCATE_DAYS)]}
        >
          <InputNumber style={{ width: 160 }} suffix={t(`${P}.days`)} data-testid="dist-settings-min-allocate" />
        </Form.Item>
      </Form>
      <ErrorAlert error={save.error} />
    </Modal>
  );
}

export type SettingTag = 'minShelf' | 'confirm' | 'minAllocate';

/**
 * The settings receipt, allocation and delivery read, as tags in a page's title (the minimum
 * shelf life goods must have left at receipt; the days a member has to confirm a delivery; the
 * shelf life a lot must have left to be allocated), with an edit button for those who set them —
 * as the expiry page shows its near-expiry window. `show` picks the tags a page shows.
 */
export default function DistributionSettingsTags({ show = ['minShelf', 'confirm', 'minAllocate'] }: { show?: readonly SettingTag[] }) {
  const { t } = useTranslation();
  const me = useMe();
  const [editing, setEditing] = useState(false);
  const settings = useQuery({ queryKey: DISTRIBUTION_SETTINGS_KEY, queryFn: getDistributionSettings, staleTime: 60_000 });
  const s = settings.data;
  if (!s) return null;
  return (
    <Space size={4} wrap data-testid="dist-settings">
      {show.includes('minShelf') ? (
        <Tooltip title={t(`${P}.minShelfHint`)}>
          <Tag color="orange" style={{ marginRight: 0, padding: '2px 8px' }} data-testid="dist-settings-min-shelf-tag" data-value={s.min_shelf_days}>
            {t(`${P}.minShelf`, { days: s.min_shelf_days })}
          </Tag>
        </Tooltip>
      ) : null}
      {show.includes('minAllocate') ? (
        <Tooltip title={t(`${A}.minAllocateHint`)}>
          <Tag color="gold" style={{ marginRight: 0, padding: '2px 8px' }} data-testid="dist-settings-min-allocate-tag" data-value={s.min_allocate_days}>
            {t(`${A}.minAllocate`, { days: s.min_allocate_days })}
          </Tag>
        </Tooltip>
      ) : null}
      {show.includes('confirm') ? (
        <Tooltip title={t(`${P}.confirmHint`)}>
          <Tag style={{ marginRight: 0, padding: '2px 8px' }} data-testid="dist-settings-confirm-tag" data-value={s.confirm_within_days}>
            {t(`${P}.confirmWithin`, { days: s.confirm_within_days })}
          </Tag>
        </Tooltip>
      ) : null}
      {can(me, 'set_distribution_settings') ? (
        <Button size="small" type="link" icon={<EditOutlined />} onClick={() => setEditing(true)} data-testid="dist-settings-edit">
          {t(`${P}.edit`)}
        </Button>
      ) : null}
      <SettingsModal settings={s} open={editing} onClose={() => setEditing(false)} />
    </Space>
  );
}
