import { useMemo, useState } from 'react';
import { Link, Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { App, Avatar, Dropdown, Layout, Menu, Result, Space, Spin, Tag, Typography, Button } from 'antd';
import type { MenuProps } from 'antd';
import {
  BankOutlined,
  DownOutlined,
  KeyOutlined,
  LogoutOutlined,
  MedicineBoxOutlined,
  UserOutlined,
} from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { useMeQuery } from '../auth';
import { ApiError } from '../api/problem';
import { signOut } from '../api/session';
import { menuGroups, selectedMenuKey } from '../pages/registry';
import LanguageSwitch from '../components/LanguageSwitch';
import ChangePasswordModal from '../components/ChangePasswordModal';
import ErrorAlert from '../components/ErrorAlert';

export default function AppLayout() {
  const { t } = useTranslation();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { message } = App.useApp();
  const meQuery = useMeQuery();
  const [pwOpen, setPwOpen] = useState(false);
  const [collapsed, setCollapsed] = useState(false);

  const me = meQuery.data;

  const items: MenuProps['items'] = useMemo(() => {
    if (!me) return [];
    return menuGroups(me).map((g) => ({
      type: 'group' as const,
      key: `group-${g.group}`,
      label: <span data-testid={`menu-group-${g.group}`}>{t(g.labelKey)}</span>,
      children: g.entries.map((p) => ({
        key: p.key,
        icon: p.icon,
        label: (
          <Link to={p.path} data-testid={`menu-${p.key}`}>
            {t(p.labelKey)}
          </Link>
        ),
      })),
    }));
  }, [me, t]);

  if (meQuery.isPending) {
    return (
      <div style={{ height: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center' }}>
        <Spin size="large" />
      </div>
    );
  }
  if (meQuery.error) {
    if (meQuery.error instanceof ApiError && meQuery.error.status === 401) {
      const next = encodeURIComponent(location.pathname + location.search);
      return <Navigate to={`/login?next=${next}`} replace />;
    }
    return (
      <Result
        status="error"
        title={t('common.error')}
        extra={<ErrorAlert error={meQuery.error} onRetry={() => void meQuery.refetch()} />}
      />
    );
  }
  if (!me) return null;

  const doSignOut = async () => {
    try {
      await signOut();
    } catch {
      // the session may already be gone; the user still leaves
    }
    // Leave the signed-in layout before forgetting the user, so nothing below it asks for
    // `me` again (a late answer would bring the old session's pages back).
    await queryClient.cancelQueries();
    await navigate('/login', { replace: true });
    queryClient.clear();
    void message.success(t('auth.signedOut'));
  };

  const userMenu: MenuProps['items'] = [
    {
      key: 'roles',
      disabled: true,
      label: (
        <Space size={2} wrap style={{ maxWidth: 260 }}>
          {me.roles.map((r) => (
            <Tag key={r} style={{ marginInlineEnd: 0 }}>
              {t(`enum.role.${r}`)}
            </Tag>
          ))}
        </Space>
      ),
    },
    { type: 'divider' },
    {
      key: 'password',
      icon: <KeyOutlined />,
      label: <span data-testid="change-password">{t('auth.changePassword')}</span>,
      onClick: () => setPwOpen(true),
    },
    {
      key: 'signout',
      icon: <LogoutOutlined />,
      danger: true,
      label: <span data-testid="sign-out">{t('auth.signOut')}</span>,
      onClick: () => void doSignOut(),
    },
  ];

  const selected = selectedMenuKey(location.pathname);

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider
        className="app-sider"
        width={212}
        collapsible
        collapsed={collapsed}
        onCollapse={setCollapsed}
        breakpoint="lg"
        style={{ position: 'sticky', top: 0, height: '100vh' }}
      >
        <div className="app-logo">
          <MedicineBoxOutlined style={{ fontSize: 20 }} />
          {!collapsed && (
            <span>
              {t('app.name')} <small>{t('app.subtitle')}</small>
            </span>
          )}
        </div>
        <Menu
          theme="dark"
          mode="inline"
          selectedKeys={selected ? [selected] : []}
          items={items}
          data-testid="sider-menu"
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header className="app-header">
          <Space size={8} style={{ minWidth: 0, overflow: 'hidden' }}>
            {me.consortium ? (
              <Typography.Text strong data-testid="header-consortium" ellipsis>
                <BankOutlined /> {me.consortium.name}
              </Typography.Text>
            ) : (
              <Typography.Text type="secondary">{t('header.systemScope')}</Typography.Text>
            )}
            {me.institution ? (
              <Typography.Text type="secondary" data-testid="header-institution" ellipsis>
                · {me.institution.name}
                <Tag style={{ marginInlineStart: 6 }} color="blue">
                  {t(`enum.levelShort.${me.institution.level}`)}
                </Tag>
              </Typography.Text>
            ) : null}
          </Space>
          <Space size={16}>
            <LanguageSwitch />
            <Dropdown menu={{ items: userMenu }} trigger={['click']} placement="bottomRight">
              <Button type="text" data-testid="user-menu" style={{ paddingInline: 6 }}>
                <Avatar size="small" icon={<UserOutlined />} style={{ backgroundColor: '#1f6f8b' }} />
                <span data-testid="header-user">{me.display_name}</span>
                <DownOutlined style={{ fontSize: 10 }} />
              </Button>
            </Dropdown>
          </Space>
        </Layout.Header>
        <Layout.Content className="app-content">
          <Outlet />
        </Layout.Content>
      </Layout>
      <ChangePasswordModal open={pwOpen} onClose={() => setPwOpen(false)} />
    </Layout>
  );
}
