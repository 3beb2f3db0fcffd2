import { useState } from 'react';
import { App, Button, Card, Col, DatePicker, Form, InputNumber, Row, Space, Tag, Typography } from 'antd';
import { WarningOutlined, CheckCircleOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import dayjs from 'dayjs';
import { getEssentialShare, getSettings, putSettings } from '../../api/formulary';
import type { FormularySettings, ShareGroup } from '../../api/types';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { DATE_FORMAT } from '../../lib/format';
import { rangeRule } from '../../lib/rules';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import ShareBar from '../../components/ShareBar';

const GROUPS: ShareGroup[] = ['primary', 'secondary', 'tertiary'];

function TargetsForm() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: ['formulary-settings'], queryFn: getSettings });
  const [form] = Form.useForm<FormularySettings['essential_targets']>();
  const save = useMutation({
    mutationFn: (v: FormularySettings['essential_targets']) => putSettings({ essential_targets: v }),
    onSuccess: (s) => {
      void message.success(t('share.saved'));
      queryClient.setQueryData(['formulary-settings'], s);
      void queryClient.invalidateQueries({ queryKey: ['essential-share'] });
    },
  });
  return (
    <Card size="small" title={t('share.targets')} loading={settings.isPending}>
      <ErrorAlert error={settings.error ?? save.error} />
      {settings.data ? (
        <Form
          form={form}
          layout="inline"
          initialValues={settings.data.essential_targets}
          onFinish={(v) => save.mutate(v)}
          data-testid="targets-form"
        >
          {GROUPS.map((g) => (
            <Form.Item
              key={g}
              name={g}
              label={t(`enum.shareGroup.${g}`)}
              rules={[{ required: true }, rangeRule(t, t(`enum.shareGroup.${g}`), 0, 100)]}
            >
              <InputNumber step={1} suffix="%" style={{ width: 110 }} data-testid={`target-${g}`} />
            </Form.Item>
          ))}
          <Form.Item>
            <Button type="primary" htmlType="submit" loading={save.isPending}>
              {t('common.save')}
            </Button>
          </Form.Item>
        </Form>
      ) : null}
      <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
        {t('share.targetsHint')}
      </Typography.Paragraph>
    </Card>
  );
}

export default function EssentialShare() {
  const { t } = useTranslation();
  const me = useMe();
  const [asOf, setAsOf] = useState<string | undefined>(undefined);
  const share = useQuery({ queryKey: ['essential-share', asOf ?? null], queryFn: () => getEssentialShare(asOf) });
  const items = [...(share.data?.items ?? [])].sort((a, b) => GROUPS.indexOf(a.group) - GROUPS.indexOf(b.group));

  return (
    <>
      <PageTitle
        title={t('share.title')}
        sub={t('share.intro')}
        extra={
          <DatePicker
            placeholder={t('formulary.asOfToday')}
            format={DATE_FORMAT}
            value={asOf ? dayjs(asOf) : null}
            onChange={(d) => setAsOf(d ? d.format(DATE_FORMAT) : undefined)}
          />
        }
      />
      <ErrorAlert error={share.error} onRetry={() => void share.refetch()} />
      <Space orientation="vertical" size={12} style={{ width: '100%' }}>
        <Card size="small" loading={share.isPending}>
          {items.map((it) => (
            <Row key={it.group} gutter={16} align="middle" style={{ padding: '10px 0', borderBottom: '1px solid #f0f0f0' }} data-testid={`share-${it.group}`}>
              <Col xs={24} md={5}>
                <Typography.Text strong style={{ fontSize: 15 }}>
                  {t(`enum.shareGroup.${it.group}`)}
                </Typography.Text>
                <div style={{ marginTop: 4 }}>
                  {it.below_target ? (
                    <Tag color="error" icon={<WarningOutlined />} data-testid="share-below">
                      {t('share.below')}
                    </Tag>
                  ) : (
                    <Tag color="success" icon={<CheckCircleOutlined />}>
                      {t('share.ok')}
                    </Tag>
                  )}
                </div>
              </Col>
              <Col xs={24} md={13}>
                <ShareBar share={it.share} target={it.target} below={it.below_target} />
              </Col>
              <Col xs={24} md={6}>
                <div className="num">
                  {t('share.essential')} {it.essential_varieties} / {t('share.varieties')} {it.varieties}
                </div>
                <div className="muted">
                  {t('share.share')} {it.share}% · {t('share.target')} ≥ {it.target}%
                </div>
              </Col>
            </Row>
          ))}
        </Card>
        {can(me, 'set_formulary_targets') ? <TargetsForm /> : null}
      </Space>
    </>
  );
}
