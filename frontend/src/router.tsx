import { Suspense } from 'react';
import { createBrowserRouter, type RouteObject } from 'react-router';
import { Spin } from 'antd';
import AppLayout from './layout/AppLayout';
import SignIn from './pages/SignIn';
import Guard from './components/Guard';
import { groupHomes, PAGES, WELCOME_PATH, type PageEntry } from './pages/registry';
import { GroupHome, HomeRedirect, NotFound, Welcome } from './pages/misc';

// Pages are split into their own chunks (see the registry); the sign-in page and the shell load first.
const fallback = (
  <div style={{ padding: 48, textAlign: 'center' }}>
    <Spin />
  </div>
);

/** A route path below the layout's `/`. */
const relative = (path: string) => path.replace(/^\//, '');

function pageRoute(p: PageEntry): RouteObject {
  return {
    path: relative(p.path),
    element: (
      <Guard action={p.action}>
        <Suspense fallback={fallback}>
          <p.element />
        </Suspense>
      </Guard>
    ),
  };
}

export const router = createBrowserRouter([
  { path: '/login', element: <SignIn /> },
  {
    path: '/',
    element: <AppLayout />,
    children: [
      { index: true, element: <HomeRedirect /> },
      { path: relative(WELCOME_PATH), element: <Welcome /> },
      ...PAGES.map(pageRoute),
      ...groupHomes().map((g) => ({ path: relative(g.path), element: <GroupHome group={g.group} /> })),
      { path: '*', element: <NotFound /> },
    ],
  },
]);
