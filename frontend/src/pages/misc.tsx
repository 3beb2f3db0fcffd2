import { Button, Result } from 'antd';
import { Link, Navigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useMe } from '../auth';
import { homePath } from '../lib/menu';

export function HomeRedirect() {
  const me = useMe();
  return <Navigate to={homePath(me)} replace />;
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
