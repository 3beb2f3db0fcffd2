import { useState } from 'react';
import { App, Button, Card, Form, Input, Modal, Popconfirm, Skeleton, Space, Table, Tabs, Tag, Tooltip, Typography } from 'antd';
import type { TableProps } from 'antd';
import { CheckOutlined, CloseOutlined, RollbackOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { approveProposal, listProposalItems, listProposals, rejectProposal, withdrawProposal } from '../../api/formulary';
import { ApiError, describeError } from '../../api/problem';
import type { Proposal, ProposalItem, ProposalStatus } from '../../api/types';
import { useMe } from '../../auth';
import { can } from '../../lib/can';
import { PROPOSAL_STATUS } from '../../lib/enums';
import { formatDate, formatDateTime, formatProduct } from '../../lib/format';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import FieldChanges, { InlineChanges } from '../../components/FieldChanges';
import { ProposalStatusTag } from '../../components/StatusTag';

const KIND_COLOR: Record<string, string> = {
  add: 'green',
  amend: 'blue',
  suspend: 'orange',
  withdraw: 'red',
  batch: 'purple',
};

/** One item: the product in full, the price flag, other pending proposals, the changes with
 * the present values beside them. */
function ProposalItemCard({ item }: { item: ProposalItem }) {
  const { t } = useTranslation();
  const pct = item.price_change_percent;
  return (
    <Card
      size="small"
      type="inner"
      data-testid="proposal-item"
      title={
        <Space wrap>
          <Tag color={KIND_COLOR[item.kind]}>{t(`enum.proposalKind.${item.kind}`)}</Tag>
          {item.entry_id ? <Link to={`/formulary/${item.entry_id}`}>{formatProduct(item.product)}</Link> : formatProduct(item.product)}
          {pct !== null && pct !== undefined ? (
            <Tooltip title={item.price_flagged ? t('proposals.priceFlagHint') : undefined}>
              <Tag color={item.price_flagged ? 'red' : 'default'} data-testid={item.price_flagged ? 'price-flag' : 'price-change'}>
                {t('proposals.priceChange', { pct: `${pct > 0 ? '+' : ''}${pct.toFixed(1)}` })}
              </Tag>
            </Tooltip>
          ) : null}
          {item.other_pending.length > 0 ? (
            <Tag color="warning">
              {t('proposals.otherPending', { ids: item.other_pending.map((id) => `#${id}`).join('、') })}
            </Tag>
          ) : null}
        </Space>
      }
    >
      {item.changes.length === 0 ? (
        <span className="muted">—</span>
      ) : item.changes.every((c) => c.old === null || c.old === undefined) ? (
        <InlineChanges changes={item.changes} />
      ) : (
        <FieldChanges changes={item.changes} now={item.now} />
      )}
    </Card>
  );
}

/** Every item of a proposal: as listed with it, or (a big batch) page by page from the server. */
function ProposalItems({ proposal }: { proposal: Proposal }) {
  const { t } = useTranslation();
  const paged = proposal.item_count > proposal.items.length;
  const pages = useInfiniteQuery({
    queryKey: ['proposal-items', proposal.id],
    queryFn: ({ pageParam }) => listProposalItems(proposal.id, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled: paged,
  });
  const items = paged ? (pages.data?.pages.flatMap((p) => p.items) ?? []) : proposal.items;
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size={8} data-testid={`proposal-items-${proposal.id}`}>
      <div className="muted">
        {t('entry.reason')}
        {t('common.colon')}
        {proposal.reason}
        {t('common.sep')}
        {t('entry.effective', { date: formatDate(proposal.effective_date) })}
      </div>
      <ErrorAlert error={pages.error} onRetry={() => void pages.refetch()} />
      {paged && pages.isPending ? <Skeleton active /> : null}
      {!paged && items.length === 0 ? <span className="muted">{t('proposals.noItems')}</span> : null}
      {items.map((item, i) => (
        <ProposalItemCard key={i} item={item} />
      ))}
      {paged && pages.data ? (
        <Space>
          <span className="muted" data-testid="proposal-items-shown">
            {t('common.shown', { shown: items.length, total: proposal.item_count })}
          </span>
          {pages.hasNextPage ? (
            <Button size="small" loading={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()} data-testid="proposal-items-more">
              {t('common.loadMore')}
            </Button>
          ) : null}
        </Space>
      ) : null}
      {proposal.justification ? (
        <div>
          <strong>{t('entry.justification')}{t('common.colon')}</strong>
          {proposal.justification}
        </div>
      ) : null}
      {proposal.decision_reason ? (
        <div>
          <strong>{t('entry.decisionReason')}{t('common.colon')}</strong>
          {proposal.decision_reason}
        </div>
      ) : null}
    </Space>
  );
}

function ProposalTable({ status }: { status: ProposalStatus }) {
  const { t } = useTranslation();
  const me = useMe();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const highlight = Number(params.get('highlight')) || null;
  const [approving, setApproving] = useState<Proposal | null>(null);
  const [rejecting, setRejecting] = useState<Proposal | null>(null);
  const [approveForm] = Form.useForm<{ note?: string }>();
  const [rejectForm] = Form.useForm<{ reason: string }>();

  const list = useInfiniteQuery({
    queryKey: ['proposals', status],
    queryFn: ({ pageParam }) => listProposals(status, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });

  const refreshAll = () => {
    void queryClient.invalidateQueries({ queryKey: ['proposals'] });
    void queryClient.invalidateQueries({ queryKey: ['formulary'] });
    void queryClient.invalidateQueries({ queryKey: ['entry'] });
    void queryClient.invalidateQueries({ queryKey: ['entry-timeline'] });
    void queryClient.invalidateQueries({ queryKey: ['essential-share'] });
  };

  const showRefusal = (err: unknown) => {
    if (err instanceof ApiError && err.status === 409) {
      // The server says what happened (decided a moment ago, or the entry changed since the
      // proposal was written, with the changes): show it, then show the current state.
      void message.error({ content: describeError(err) || t('common.conflict'), duration: 10 });
      setApproving(null);
      refreshAll();
      return;
    }
    // "F1: …" when the server refuses an approval by the proposer.
    void message.error({ content: describeError(err), duration: 6 });
  };

  const approve = useMutation({
    mutationFn: ({ id, note }: { id: number; note?: string }) => approveProposal(id, note),
    onSuccess: (p) => {
      void message.success(t('proposals.approved', { id: p.id }));
      setApproving(null);
      approveForm.resetFields();
      refreshAll();
    },
    onError: showRefusal,
  });
  const reject = useMutation({
    mutationFn: ({ id, reason }: { id: number; reason: string }) => rejectProposal(id, reason),
    onSuccess: (p) => {
      void message.success(t('proposals.rejected', { id: p.id }));
      setRejecting(null);
      rejectForm.resetFields();
      refreshAll();
    },
    onError: showRefusal,
  });
  const withdraw = useMutation({
    mutationFn: (id: number) => withdrawProposal(id),
    onSuccess: (p) => {
      void message.success(t('proposals.withdrawn', { id: p.id }));
      refreshAll();
    },
    onError: showRefusal,
  });

  const mayDecide = can(me, 'decide_formulary');
  const mayPropose = can(me, 'propose_formulary');
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];

  const summary = (p: Proposal) => {
    const names = p.items.slice(0, 3).map((i) => `${i.product.generic_name_zh} ${i.product.strength}`.trim());
    const more = p.item_count > 3 || names.length === 0 ? ` …(${t('proposals.itemTotal', { count: p.item_count })})` : '';
    return names.join('、') + more;
  };

  const columns: TableProps<Proposal>['columns'] = [
    { title: t('proposals.id'), dataIndex: 'id', width: 70, render: (id: number) => `#${id}` },
    {
      title: t('proposals.kind'),
      dataIndex: 'kind',
      width: 80,
      render: (k: string) => <Tag color={KIND_COLOR[k]}>{t(`enum.proposalKind.${k}`)}</Tag>,
    },
    {
      title: t('proposals.summary'),
      key: 'summary',
      render: (_: unknown, p) => {
        const others = [...new Set(p.items.flatMap((i) => i.other_pending))];
        return (
          <div>
            <Typography.Text strong>{summary(p)}</Typography.Text>
            {p.items.some((i) => i.price_flagged) ? (
              <Tag color="red" style={{ marginLeft: 8 }} data-testid={`price-flag-${p.id}`}>
                {t('proposals.priceFlagged')}
              </Tag>
            ) : null}
            {p.status === 'pending' && others.length > 0 ? (
              <Tag color="warning" style={{ marginLeft: 8 }} data-testid={`other-pending-${p.id}`}>
                {t('proposals.otherPendingShort', { ids: others.map((id) => `#${id}`).join('、') })}
              </Tag>
            ) : null}
            <div className="muted">{p.reason}</div>
          </div>
        );
      },
    },
    { title: t('proposals.proposer'), key: 'proposer', width: 110, render: (_: unknown, p) => p.proposer.display_name },
    { title: t('proposals.createdAt'), dataIndex: 'created_at', width: 140, render: formatDateTime },
    { title: t('proposals.effectiveDate'), dataIndex: 'effective_date', width: 100, render: formatDate },
    { title: t('common.status'), dataIndex: 'status', width: 80, render: (s: ProposalStatus) => <ProposalStatusTag status={s} /> },
  ];
  if (status !== 'pending') {
    columns.splice(columns.length - 1, 0, {
      title: t('proposals.decidedBy'),
      key: 'decided',
      width: 170,
      render: (_: unknown, p: Proposal) =>
        p.decided_by ? (
          <div>
            {p.decided_by.display_name}
            <div className="muted">{formatDateTime(p.decided_at)}</div>
          </div>
        ) : (
          '—'
        ),
    });
  }

  if (status === 'pending' && (mayDecide || mayPropose)) {
    columns.push({
      title: t('common.actions'),
      key: 'actions',
      width: 230,
      fixed: 'right',
      render: (_: unknown, p) => {
        const own = p.proposer.id === me.id;
        return (
          <Space size={4} onClick={(e) => e.stopPropagation()}>
            {mayDecide ? (
              <Tooltip title={own ? t('proposals.ownProposal') : undefined}>
                <Button
                  size="small"
                  type="primary"
                  icon={<CheckOutlined />}
                  disabled={own}
                  data-testid={`approve-${p.id}`}
                  onClick={() => setApproving(p)}
                >
                  {t('proposals.approve')}
                </Button>
              </Tooltip>
            ) : null}
            {!own ? (
              mayDecide ? (
                <Button size="small" danger icon={<CloseOutlined />} data-testid={`reject-${p.id}`} onClick={() => setRejecting(p)}>
                  {t('proposals.reject')}
                </Button>
              ) : null
            ) : mayPropose ? (
              <Popconfirm
                title={t('proposals.withdrawConfirm', { id: p.id })}
                okText={t('common.ok')}
                cancelText={t('common.cancel')}
                onConfirm={() => withdraw.mutate(p.id)}
              >
                <Button size="small" icon={<RollbackOutlined />} data-testid={`withdraw-${p.id}`} loading={withdraw.isPending && withdraw.variables === p.id}>
                  {t('proposals.withdraw')}
                </Button>
              </Popconfirm>
            ) : null}
          </Space>
        );
      },
    });
  }

  return (
    <>
      <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
      <Table<Proposal>
        size="small"
        rowKey="id"
        columns={columns}
        dataSource={items}
        loading={list.isPending}
        pagination={false}
        scroll={{ x: 1000 }}
        locale={{ emptyText: t('proposals.empty') }}
        expandable={{
          expandedRowRender: (p) => <ProposalItems proposal={p} />,
          defaultExpandedRowKeys: highlight ? [highlight] : [],
        }}
        onRow={(p) =>
          ({
            'data-testid': `proposal-row-${p.id}`,
            'data-proposal-id': p.id,
            style: p.id === highlight ? { background: '#f0f7fa' } : undefined,
          }) as React.HTMLAttributes<HTMLElement>
        }
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

      <Modal
        open={!!approving}
        title={approving ? t('proposals.approveTitle', { id: approving.id }) : ''}
        okText={t('proposals.approve')}
        cancelText={t('common.cancel')}
        confirmLoading={approve.isPending}
        onCancel={() => setApproving(null)}
        onOk={() => approveForm.submit()}
        okButtonProps={{ 'data-testid': 'approve-confirm' } as never}
        destroyOnHidden
      >
        {approving ? <ProposalItems proposal={approving} /> : null}
        <Form
          form={approveForm}
          layout="vertical"
          style={{ marginTop: 12 }}
          onFinish={(v) => approving && approve.mutate({ id: approving.id, note: v.note?.trim() || undefined })}
        >
          <Form.Item name="note" label={t('proposals.approveNote')}>
            <Input.TextArea rows={2} maxLength={1000} data-testid="approve-note" />
          </Form.Item>
        </Form>
      </Modal>

      <Modal
        open={!!rejecting}
        title={rejecting ? t('proposals.rejectTitle', { id: rejecting.id }) : ''}
        okText={t('proposals.reject')}
        okButtonProps={{ danger: true, 'data-testid': 'reject-confirm' } as never}
        cancelText={t('common.cancel')}
        confirmLoading={reject.isPending}
        onCancel={() => setRejecting(null)}
        onOk={() => rejectForm.submit()}
        destroyOnHidden
      >
        <Form
          form={rejectForm}
          layout="vertical"
          onFinish={(v) => rejecting && reject.mutate({ id: rejecting.id, reason: v.reason.trim() })}
        >
          <Form.Item
            name="reason"
            label={t('proposals.rejectReason')}
            rules={[{ required: true, whitespace: true, min: 2, message: t('proposals.rejectReasonRequired') }]}
          >
            <Input.TextArea rows={3} maxLength={1000} data-testid="reject-reason" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

export default function Proposals() {
  const { t } = useTranslation();
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const status = (PROPOSAL_STATUS as string[]).includes(params.get('status') ?? '')
    ? (params.get('status') as ProposalStatus)
    : 'pending';
  const labels: Record<ProposalStatus, string> = {
    pending: t('proposals.tabPending'),
    approved: t('proposals.tabApproved'),
    rejected: t('proposals.tabRejected'),
    withdrawn: t('proposals.tabWithdrawn'),
  };
  return (
    <>
      <PageTitle
        title={t('proposals.title')}
        sub={!can(me, 'decide_formulary') ? t('proposals.readOnlyNoDecide') : undefined}
      />
      <Card size="small" styles={{ body: { paddingTop: 0 } }}>
        <Tabs
          activeKey={status}
          onChange={(k) => setParams({ status: k }, { replace: true })}
          items={PROPOSAL_STATUS.map((s) => ({
            key: s,
            label: <span data-testid={`tab-${s}`}>{labels[s]}</span>,
            children: <ProposalTable status={s} />,
          }))}
          destroyOnHidden
        />
      </Card>
    </>
  );
}
