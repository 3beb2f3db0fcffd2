import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { LockOutlined, MedicineBoxOutlined, UserOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { signIn } from '../api/session';
import { ApiError } from '../api/problem';
import { ME_KEY } from '../auth';
import { landingPath } from './registry';
import LanguageSwitch from '../components/LanguageSwitch';

interface Values {
  username: string;
  password: string;
}

/** Only same-site paths may be a redirect target after sign-in. */
function safeNext(next: string | null): string | null {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/login')) return null;
  return next;
}

export default function SignIn() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const queryClient = useQueryClient();

  const mutation = useMutation({
    mutationFn: (v: Values) => signIn(v.username.trim(), v.password),
    onSuccess: (me) => {
      queryClient.clear();
      queryClient.setQueryData(ME_KEY, me);
      void navigate(safeNext(params.get('next')) ?? landingPath(me), { replace: true });
    },
  });

  const err = mutation.error;
  let errorText: string | null = null;
  let errorTitle: string | null = null;
  if (err instanceof ApiError) {
    if (err.status === 423) {
      errorTitle = t('auth.locked');
      errorText = err.detail;
    } else if (err.status === 401) {
      errorTitle = t('auth.wrongPassword');
      // The server's generic "not signed in" text adds nothing under this title.
      errorText = err.detail && err.detail !== err.title && !/^sign in first$/i.test(err.detail) ? err.detail : null;
    } else {
      errorTitle = err.rule ? `${err.rule}: ${err.detail}` : err.detail;
    }
  } else if (err) {
    errorTitle = t('common.networkError');
  }

  return (
    <div className="signin-bg">
      <div style={{ position: 'absolute', top: 16, right: 20 }}>
        <LanguageSwitch />
      </div>
      <div style={{ width: 380, maxWidth: '92vw' }}>
        <div style={{ textAlign: 'center', marginBottom: 20 }}>
          <MedicineBoxOutlined style={{ fontSize: 40, color: '#1f6f8b' }} />
          <Typography.Title level={3} style={{ margin: '8px 0 0' }}>
            {t('app.name')} · {t('app.subtitle')}
          </Typography.Title>
          <Typography.Text type="secondary">{t('auth.welcome')}</Typography.Text>
        </div>
        <Card title={t('auth.title')} variant="outlined" style={{ boxShadow: '0 4px 16px rgba(18,60,76,0.08)' }}>
          {errorTitle ? (
            <Alert
              type="error"
              showIcon
              data-testid="signin-error"
              style={{ marginBottom: 16 }}
              title={errorTitle}
              description={errorText ?? undefined}
            />
          ) : null}
          <Form<Values> layout="vertical" onFinish={(v) => mutation.mutate(v)} requiredMark={false}>
            <Form.Item name="username" label={t('auth.username')} rules={[{ required: true, message: t('auth.usernameRequired') }]}>
              <Input prefix={<UserOutlined />} autoComplete="username" autoFocus data-testid="signin-username" />
            </Form.Item>
            <Form.Item name="password" label={t('auth.password')} rules={[{ required: true, message: t('auth.passwordRequired') }]}>
              <Input.Password prefix={<LockOutlined />} autoComplete="current-password" data-testid="signin-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={mutation.isPending} data-testid="signin-submit">
              {t('auth.signIn')}
            </Button>
          </Form>
        </Card>
        <div style={{ textAlign: 'center', marginTop: 16 }} className="muted">
          {t('auth.footer')}
        </div>
      </div>
    </div>
  );
}
