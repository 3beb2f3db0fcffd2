import { Alert, Button, Card, Descriptions, Empty, Result, Skeleton, Space, Tag, Timeline, Typography } from 'antd';
import type { DescriptionsProps, TimelineProps } from 'antd';
import { ArrowLeftOutlined, EditOutlined, PauseCircleOutlined, PrinterOutlined, StopOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { getEntry, getTimeline } from '../../api/formulary';
import { ApiError } from '../../api/problem';
import type { EntryDetail as EntryData, TimelineEvent } from '../../api/types';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { formatDate, formatDateTime, formatMoney, formatPack } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import EntryFlags from '../../components/EntryFlags';
import { EntryStatusTag, ProposalStatusTag } from '../../components/StatusTag';
import { InlineChanges } from '../../components/FieldChanges';

const TIMELINE_COLOR: Record<TimelineEvent['status'], string> = {
  approved: 'green',
  pending: 'blue',
  rejected: 'red',
  withdrawn: 'gray',
};

export default function EntryDetail() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const { id: idParam } = useParams();
  const [params] = useSearchParams();
  const asOf = params.get('as_of') || undefined;
  const id = Number(idParam);

  const entry = useQuery({
    queryKey: ['entry', id, asOf ?? null],
    queryFn: () => getEntry(id, asOf),
    enabled: Number.isFinite(id),
  });
  const timeline = useQuery({
    queryKey: ['entry-timeline', id],
    queryFn: () => getTimeline(id),
    enabled: Number.isFinite(id),
  });

  if (!Number.isFinite(id) || (entry.error instanceof ApiError && entry.error.status === 404)) {
    return <Result status="404" title={t('entry.notFound')} extra={<Link to="/formulary">{t('common.back')}</Link>} />;
  }
  if (entry.error) return <ErrorAlert error={entry.error} onRetry={() => void entry.refetch()} />;
  if (!entry.data) return <Skeleton active />;

  const e: EntryData = entry.data;
  const yesNo = (v: boolean) => (v ? <Tag color="green">{t('common.yes')}</Tag> : <span className="muted">{t('common.no')}</span>);

  const basic: DescriptionsProps['items'] = [
    { key: 'id', label: t('field.id'), children: e.id },
    { key: 'zh', label: t('field.generic_name_zh'), children: <strong>{e.generic_name_zh}</strong> },
    { key: 'en', label: t('field.generic_name_en'), children: e.generic_name_en || '—' },
    { key: 'form', label: t('field.dosage_form'), children: e.dosage_form },
    { key: 'route', label: t('field.route'), children: t(`enum.route.${e.route}`) },
    { key: 'strength', label: t('field.strength'), children: e.strength },
    { key: 'pack', label: t('field.pack'), children: formatPack(e) },
    { key: 'mfr', label: t('field.manufacturer'), children: e.manufacturer, span: 2 },
    { key: 'appr', label: t('field.approval_number'), children: e.approval_number },
    { key: 'nhsa', label: t('field.nhsa_code'), children: e.nhsa_code || '—' },
    { key: 'atc', label: t('field.atc_code'), children: e.atc_code || '—' },
    { key: 'price', label: t('field.unit_price'), children: <span className="num">{formatMoney(e.unit_price)}</span> },
  ];
  const mgmt: DescriptionsProps['items'] = [
    { key: 'status', label: t('field.status'), children: <EntryStatusTag status={e.status} /> },
    { key: 'flags', label: t('field.flags'), children: <EntryFlags entry={e} />, span: 2 },
    { key: 'ess', label: t('field.essential_national'), children: yesNo(e.essential_national) },
    { key: 'prov', label: t('field.essential_provincial'), children: yesNo(e.essential_provincial) },
    { key: 'vbp', label: t('field.vbp'), children: yesNo(e.vbp) },
    { key: 'ins', label: t('field.insurance_class'), children: t(`enum.insurance.${e.insurance_class}`) },
    {
      key: 'sp',
      label: t('field.special_class'),
      children:
        e.special_class === 'none' ? t('enum.special.none') : <Tag color="red">{t(`enum.special.${e.special_class}`)}</Tag>,
    },
    { key: 'am', label: t('field.antimicrobial_tier'), children: t(`enum.antimicrobial.${e.antimicrobial_tier}`) },
    { key: 'storage', label: t('field.storage'), children: t(`enum.storage.${e.storage}`) },
    { key: 'level', label: t('field.level_scope'), children: t(`enum.level.${e.level_scope}`) },
    { key: 'long', label: t('field.long_rx_eligible'), children: yesNo(e.long_rx_eligible) },
    { key: 'ext', label: t('field.extended_rx_eligible'), children: yesNo(e.extended_rx_eligible) },
    { key: 'from', label: t('field.valid_from'), children: formatDate(e.valid_from) },
    { key: 'to', label: t('field.valid_to'), children: e.valid_to ? formatDate(e.valid_to) : '—' },
  ];

  const events = timeline.data?.items ?? [];
  const timelineItems: TimelineProps['items'] = events.map((ev) => ({
    key: ev.proposal_id,
    color: TIMELINE_COLOR[ev.status] ?? 'blue',
    content: (
      <div data-testid="timeline-event">
        <Space size={6} wrap>
          <Typography.Text strong>
            #{ev.proposal_id} {t(`enum.proposalKind.${ev.kind}`)}
          </Typography.Text>
          <ProposalStatusTag status={ev.status} />
          <span className="muted">{t('entry.effective', { date: formatDate(ev.effective_date) })}</span>
        </Space>
        <div className="muted">
          {t('entry.proposedBy', { who: ev.proposer.display_name, when: formatDateTime(ev.proposed_at) })}
          {ev.decided_by && ev.decided_at
            ? `${t('common.sep')}${t('entry.decidedBy', {
                who: ev.decided_by.display_name,
                when: formatDateTime(ev.decided_at),
                status: t(`enum.proposalStatus.${ev.status}`),
              })}`
            : ''}
        </div>
        <div>
          {t('entry.reason')}{t('common.colon')}{ev.reason}
        </div>
        {ev.decision_reason ? (
          <div>
            {t('entry.decisionReason')}{t('common.colon')}{ev.decision_reason}
          </div>
        ) : null}
        {ev.justification ? (
          <div>
            {t('entry.justification')}{t('common.colon')}{ev.justification}
          </div>
        ) : null}
        <InlineChanges changes={ev.changes} />
      </div>
    ),
  }));

  const mayPropose = can(me, 'propose_formulary');
  const propose = (kind: string) => navigate(`/formulary/propose/${kind}?entry=${e.id}`);

  return (
    <>
      <PageTitle
        title={
          <Space>
            <Button type="text" icon={<ArrowLeftOutlined />} onClick={() => navigate(-1)} className="no-print" />
            {e.generic_name_zh} <span style={{ fontWeight: 400 }}>{e.strength}</span>
            <EntryStatusTag status={e.status} />
          </Space>
        }
        sub={`${e.dosage_form} · ${formatPack(e)} · ${e.manufacturer}${asOf ? ` · ${t('formulary.asOfHint', { date: asOf })}` : ''}`}
        extra={
          <Space wrap>
            <Button icon={<PrinterOutlined />} onClick={() => window.print()}>
              {t('common.print')}
            </Button>
            {mayPropose ? (
              <>
                <Button type="primary" icon={<EditOutlined />} onClick={() => propose('amend')} data-testid="propose-amend">
                  {t('entry.proposeAmend')}
                </Button>
                {e.status === 'active' ? (
                  <Button icon={<PauseCircleOutlined />} onClick={() => propose('suspend')} data-testid="propose-suspend">
                    {t('entry.proposeSuspend')}
                  </Button>
                ) : null}
                {e.status !== 'withdrawn' ? (
                  <Button danger icon={<StopOutlined />} onClick={() => propose('withdraw')} data-testid="propose-withdraw">
                    {t('entry.proposeWithdraw')}
                  </Button>
                ) : null}
              </>
            ) : null}
          </Space>
        }
      />
      <Space orientation="vertical" size={12} style={{ width: '100%' }}>
        {e.upcoming.length ? (
          <Alert
            type="warning"
            showIcon
            data-testid="entry-upcoming"
            title={t('entry.upcoming', { count: e.upcoming.length })}
            description={
              <Space orientation="vertical" size={2}>
                {e.upcoming.map((u) => (
                  <span key={`${u.proposal_id}-${u.effective_from}`} data-testid="entry-upcoming-item">
                    {t('import.scheduledItem', { date: formatDate(u.effective_from), id: u.proposal_id })}
                    {t('common.colon')}
                    <InlineChanges changes={u.changes} />
                  </span>
                ))}
              </Space>
            }
          />
        ) : null}
        <Card size="small" title={t('entry.basic')}>
          <Descriptions size="small" bordered column={{ xs: 1, md: 2, xl: 3 }} items={basic} />
        </Card>
        <Card size="small" title={t('entry.flags')}>
          <Descriptions size="small" bordered column={{ xs: 1, md: 2, xl: 3 }} items={mgmt} />
        </Card>
        <Card size="small" title={t('entry.timeline')}>
          {timeline.error ? <ErrorAlert error={timeline.error} /> : null}
          {timeline.isPending ? (
            <Skeleton active />
          ) : events.length === 0 ? (
            <Empty description={t('entry.noTimeline')} />
          ) : (
            <Timeline items={timelineItems} style={{ marginTop: 8 }} />
          )}
        </Card>
      </Space>
    </>
  );
}
