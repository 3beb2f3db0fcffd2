import type { ReactNode } from 'react';
import { Button, Result } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useCan } from '../lib/can';
import type { Action } from '../api/types';

/** The 403 page: what a user sees who opens a page they may not use (e.g. by typing its address). */
export function Forbidden() {
  const { t } = useTranslation();
  return (
    <Result
      status="403"
      title={t('common.forbidden')}
      subTitle={t('common.forbiddenHint')}
      data-testid="forbidden"
      extra={
        <Link to="/">
          <Button type="primary">{t('common.goHome')}</Button>
        </Link>
      }
    />
  );
}

/** Shows the 403 page instead of a page whose action the signed-in user may not perform. */
export default function Guard({ action, children }: { action: Action; children: ReactNode }) {
  const may = useCan();
  return may(action) ? <>{children}</> : <Forbidden />;
}
