import { lazy, Suspense, type ComponentType, type ReactNode } from 'react';
import { createBrowserRouter, Navigate } from 'react-router';
import { Spin } from 'antd';
import AppLayout from './layout/AppLayout';
import SignIn from './pages/SignIn';
import Guard from './components/Guard';
import { isCommittee, type MenuKey } from './lib/menu';
import type { Me } from './api/types';
import { HomeRedirect, NotFound, Welcome } from './pages/misc';

// Pages are split into their own chunks; the sign-in page and the shell load first.
const FormularyList = lazy(() => import('./pages/formulary/FormularyList'));
const EntryDetail = lazy(() => import('./pages/formulary/EntryDetail'));
const ProposalForm = lazy(() => import('./pages/formulary/ProposalForm'));
const Proposals = lazy(() => import('./pages/formulary/Proposals'));
const History = lazy(() => import('./pages/formulary/History'));
const ImportWizard = lazy(() => import('./pages/formulary/ImportWizard'));
const EssentialShare = lazy(() => import('./pages/formulary/EssentialShare'));
const Consortia = lazy(() => import('./pages/admin/Consortia'));
const Institutions = lazy(() => import('./pages/admin/Institutions'));
const Users = lazy(() => import('./pages/admin/Users'));
const Audit = lazy(() => import('./pages/admin/Audit'));

const fallback = (
  <div style={{ padding: 48, textAlign: 'center' }}>
    <Spin />
  </div>
);

function page(Component: ComponentType, access: MenuKey | ((me: Me) => boolean)): ReactNode {
  const el = (
    <Suspense fallback={fallback}>
      <Component />
    </Suspense>
  );
  return typeof access === 'string' ? <Guard menu={access}>{el}</Guard> : <Guard allow={access}>{el}</Guard>;
}

const committeeMember = (me: Me) => me.consortium != null && isCommittee(me);

export const router = createBrowserRouter([
  { path: '/login', element: <SignIn /> },
  {
    path: '/',
    element: <AppLayout />,
    children: [
      { index: true, element: <HomeRedirect /> },
      { path: 'welcome', element: <Welcome /> },
      { path: 'formulary', element: page(FormularyList, 'formulary') },
      { path: 'formulary/proposals', element: page(Proposals, 'proposals') },
      { path: 'formulary/history', element: page(History, 'formulary-history') },
      { path: 'formulary/import', element: page(ImportWizard, 'import') },
      { path: 'formulary/essential-share', element: page(EssentialShare, 'essential-share') },
      { path: 'formulary/propose/:kind', element: page(ProposalForm, committeeMember) },
      { path: 'formulary/:id', element: page(EntryDetail, 'formulary') },
      { path: 'admin', element: <Navigate to="/admin/institutions" replace /> },
      { path: 'admin/consortia', element: page(Consortia, 'consortia') },
      { path: 'admin/institutions', element: page(Institutions, 'institutions') },
      { path: 'admin/users', element: page(Users, 'users') },
      { path: 'admin/audit', element: page(Audit, 'audit') },
      { path: '*', element: <NotFound /> },
    ],
  },
]);
