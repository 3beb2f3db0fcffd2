import type { ReactNode } from 'react';
import { Button, Result } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useMe } from '../auth';
import { canUse, type MenuKey } from '../lib/menu';
import type { Me } from '../api/types';

/** Shows a 403 page instead of a page the user's roles may not use. */
export default function Guard({
  menu,
  allow,
  children,
}: {
  menu?: MenuKey;
  allow?: (me: Me) => boolean;
  children: ReactNode;
}) {
  const me = useMe();
  const { t } = useTranslation();
  const ok = (menu ? canUse(menu, me) : true) && (allow ? allow(me) : true);
  if (!ok) {
    return (
      <Result
        status="403"
        title={t('common.forbidden')}
        subTitle={t('common.forbiddenHint')}
        extra={
          <Link to="/">
            <Button type="primary">{t('common.goHome')}</Button>
          </Link>
        }
      />
    );
  }
  return <>{children}</>;
}
