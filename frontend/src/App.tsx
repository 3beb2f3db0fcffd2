import { useEffect } from 'react';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import 'dayjs/locale/en';
import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router';
import { useTranslation } from 'react-i18next';
import { queryClient } from './queryClient';
import { router } from './router';
import { theme } from './theme';
import { setUnauthorizedHandler } from './api/client';

setUnauthorizedHandler(() => {
  const { pathname, search } = window.location;
  if (pathname === '/login') return;
  queryClient.removeQueries({ queryKey: ['me'] });
  queryClient.clear();
  const next = encodeURIComponent(pathname + search);
  void router.navigate(`/login?next=${next}`, { replace: true });
});

export default function App() {
  const { i18n } = useTranslation();
  const en = i18n.language === 'en';

  useEffect(() => {
    dayjs.locale(en ? 'en' : 'zh-cn');
    document.title = en ? 'Tongyao · Consortium formulary' : '统药 · 医共体统一药品目录';
  }, [en]);

  return (
    <ConfigProvider locale={en ? enUS : zhCN} theme={theme}>
      <AntApp>
        <QueryClientProvider client={queryClient}>
          <RouterProvider router={router} />
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  );
}
