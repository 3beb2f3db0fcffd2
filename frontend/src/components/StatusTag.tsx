import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { EntryStatus, ProposalStatus } from '../api/types';
import { PROPOSAL_STATUS_COLOR, STATUS_COLOR } from '../lib/enums';

export function EntryStatusTag({ status }: { status: EntryStatus }) {
  const { t } = useTranslation();
  return <Tag color={STATUS_COLOR[status] ?? 'default'}>{t(`enum.entryStatus.${status}`)}</Tag>;
}

export function ProposalStatusTag({ status }: { status: ProposalStatus }) {
  const { t } = useTranslation();
  return <Tag color={PROPOSAL_STATUS_COLOR[status] ?? 'default'}>{t(`enum.proposalStatus.${status}`)}</Tag>;
}
