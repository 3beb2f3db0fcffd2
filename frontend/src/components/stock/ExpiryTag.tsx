import { Tag, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ExpiryState } from '../../api/stockList';

const COLOR: Record<ExpiryState, string> = { ok: 'default', near: 'orange', expired: 'red' };

/**
 * Where a lot stands against its expiry: near (orange) with the days left, expired (red) with
 * the days since; a lot in date shows only the days left, quietly. Test id `expiry-tag-<state>`.
 */
export default function ExpiryTag({ state, days }: { state: ExpiryState; days: number }) {
  const { t } = useTranslation();
  const when =
    days > 0
      ? t('stock.list.expiry.daysLeft', { days })
      : days === 0
        ? t('stock.list.expiry.dueToday')
        : t('stock.list.expiry.daysAgo', { days: -days });
  if (state === 'ok') {
    return (
      <Tooltip title={t('stock.list.expiry.ok')}>
        <span className="muted num" data-testid="expiry-tag-ok" data-days={days}>
          {when}
        </span>
      </Tooltip>
    );
  }
  return (
    <Tag color={COLOR[state]} data-testid={`expiry-tag-${state}`} data-days={days} style={{ marginInlineEnd: 0 }}>
      {t(`stock.list.expiry.${state}`)} · <span className="num">{when}</span>
    </Tag>
  );
}
