import { useState } from 'react';
import { Button, Card, Collapse, DatePicker, Empty, Space, Table, Tabs, Tag, Typography } from 'antd';
import type { CollapseProps, TableProps } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import dayjs, { type Dayjs } from 'dayjs';
import { getDiff } from '../../api/formulary';
import type { Entry, FieldChange } from '../../api/types';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import EntryTable from '../../components/EntryTable';
import { InlineChanges } from '../../components/FieldChanges';
import { DATE_FORMAT, consortiumToday, formatPack } from '../../lib/format';
import EntryBrowser, { useEntryFilters } from './EntryBrowser';
import { ExportMenu } from './FormularyList';

function AsOfTab() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const asOf = params.get('as_of') || consortiumToday().format(DATE_FORMAT);
  const { query } = useEntryFilters();
  return (
    <>
      <Space style={{ marginBottom: 12 }} className="no-print">
        <span>{t('history.pickDate')}</span>
        <DatePicker
          allowClear={false}
          format={DATE_FORMAT}
          value={dayjs(asOf)}
          disabledDate={(d) => d.isAfter(consortiumToday().add(5, 'year'))}
          onChange={(d) => {
            const next = new URLSearchParams(params);
            if (d) next.set('as_of', d.format(DATE_FORMAT));
            setParams(next, { replace: true });
          }}
          data-testid="history-as-of"
        />
        <ExportMenu query={{ ...query, as_of: asOf }} />
      </Space>
      <EntryBrowser fixedAsOf={asOf} />
    </>
  );
}

type ChangedRow = { entry: Entry; changes: FieldChange[] };

function DiffTab() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const from = params.get('from');
  const to = params.get('to');
  const [range, setRange] = useState<[Dayjs, Dayjs] | null>(
    from && to ? [dayjs(from), dayjs(to)] : [consortiumToday().subtract(30, 'day'), consortiumToday()],
  );

  const diff = useQuery({
    queryKey: ['formulary-diff', from, to],
    queryFn: () => getDiff(from!, to!),
    enabled: !!from && !!to,
  });

  const compare = () => {
    if (!range) return;
    const next = new URLSearchParams(params);
    next.set('from', range[0].format(DATE_FORMAT));
    next.set('to', range[1].format(DATE_FORMAT));
    setParams(next, { replace: true });
  };

  const d = diff.data;
  const changedColumns: TableProps<ChangedRow>['columns'] = [
    {
      title: t('field.generic_name_zh'),
      key: 'name',
      width: 260,
      render: (_: unknown, r) => (
        <div>
          <Link to={`/formulary/${r.entry.id}`}>
            <strong>{r.entry.generic_name_zh}</strong> {r.entry.strength}
          </Link>
          <div className="muted">
            {r.entry.dosage_form} · {formatPack(r.entry)} · {r.entry.manufacturer}
          </div>
        </div>
      ),
    },
    { title: t('entry.changes'), key: 'changes', render: (_: unknown, r) => <InlineChanges changes={r.changes} /> },
  ];

  const section = (key: string, label: string, color: string, count: number, body: React.ReactNode) => ({
    key,
    label: (
      <Space>
        <Tag color={color}>{label}</Tag>
        <span data-testid={`diff-count-${key}`}>{count}</span>
      </Space>
    ),
    children: body,
    collapsible: count ? undefined : ('disabled' as const),
    showArrow: count > 0,
  });

  const items: CollapseProps['items'] = d
    ? [
        section('added', t('history.added'), 'green', d.added.length, <EntryTable entries={d.added} />),
        section(
          'changed',
          t('history.changed'),
          'blue',
          d.changed.length,
          <Table<ChangedRow>
            size="small"
            rowKey={(r) => r.entry.id}
            columns={changedColumns}
            dataSource={d.changed}
            pagination={false}
          />,
        ),
        section('suspended', t('history.suspended'), 'orange', d.suspended.length, <EntryTable entries={d.suspended} />),
        section('withdrawn', t('history.withdrawn'), 'red', d.withdrawn.length, <EntryTable entries={d.withdrawn} />),
        section('reinstated', t('history.reinstated'), 'cyan', d.reinstated.length, <EntryTable entries={d.reinstated} />),
      ]
    : [];

  const empty =
    d && d.added.length + d.changed.length + d.suspended.length + d.withdrawn.length + d.reinstated.length === 0;

  return (
    <>
      <Space style={{ marginBottom: 12 }} className="no-print" wrap>
        <span>{t('history.pickRange')}</span>
        <DatePicker.RangePicker
          format={DATE_FORMAT}
          value={range}
          onChange={(v) => setRange(v && v[0] && v[1] ? [v[0], v[1]] : null)}
          data-testid="diff-range"
        />
        <Button type="primary" onClick={compare} disabled={!range} data-testid="diff-compare">
          {t('history.compare')}
        </Button>
      </Space>
      <ErrorAlert error={diff.error} />
      {d ? (
        <>
          <Typography.Paragraph type="secondary">
            {t('history.summary', {
              from: d.from,
              to: d.to,
              added: d.added.length,
              changed: d.changed.length,
              suspended: d.suspended.length,
              withdrawn: d.withdrawn.length,
              reinstated: d.reinstated.length,
            })}
          </Typography.Paragraph>
          {empty ? (
            <Empty description={t('history.noDiff')} />
          ) : (
            <Collapse
              items={items}
              defaultActiveKey={(['added', 'changed', 'suspended', 'withdrawn', 'reinstated'] as const).filter(
                (k) => (k === 'changed' ? d.changed.length : d[k].length) > 0,
              )}
            />
          )}
        </>
      ) : diff.isFetching ? (
        <Card loading size="small" />
      ) : null}
    </>
  );
}

export default function History() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') === 'diff' ? 'diff' : 'as-of';
  return (
    <>
      <PageTitle title={t('history.title')} />
      <Card size="small" styles={{ body: { paddingTop: 0 } }}>
        <Tabs
          activeKey={tab}
          onChange={(k) => setParams({ tab: k }, { replace: true })}
          destroyOnHidden
          items={[
            { key: 'as-of', label: <span data-testid="tab-as-of">{t('history.tabAsOf')}</span>, children: <AsOfTab /> },
            { key: 'diff', label: <span data-testid="tab-diff">{t('history.tabDiff')}</span>, children: <DiffTab /> },
          ]}
        />
      </Card>
    </>
  );
}
