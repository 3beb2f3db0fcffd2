import { Button, Result } from 'antd';
import { Link, Navigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useMe } from '../auth';
import { Forbidden } from '../components/Guard';
import { groupLandingPath, landingPath } from './registry';

export function HomeRedirect() {
  const me = useMe();
  return <Navigate to={landingPath(me)} replace />;
}

/** A menu group's own address (e.g. `/admin`): its first page the user may see. */
export function GroupHome({ group }: { group: string }) {
  const me = useMe();
  const to = groupLandingPath(group, me);
  return to ? <Navigate to={to} replace /> : <Forbidden />;
}

export function Welcome() {
  const me = useMe();
  const { t } = useTranslation();
  return <Result status="info" title={`${t('app.name')} · ${me.display_name}`} subTitle={t('header.noConsortium')} />;
}

export function NotFound() {
  const { t } = useTranslation();
  return (
    <Result
      status="404"
      title={t('common.notFound')}
      subTitle={t('common.notFoundHint')}
      extra={
        <Link to="/">
          <Button type="primary">{t('common.goHome')}</Button>
        </Link>
      }
    />
  );
}
