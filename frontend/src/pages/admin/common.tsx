import { Select } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { listConsortia } from '../../api/admin';
import { useMe } from '../../auth';
import { can } from '../../lib/can';

/**
 * Which consortium an administration page shows: a system administrator
 * picks one (kept in the URL); everyone else sees their own.
 */
export function useConsortiumScope(): { consortiumId: number | undefined; picker: React.ReactNode } {
  const me = useMe();
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  // Whoever manages consortia works across them, so picks one.
  const sys = can(me, 'manage_consortia');
  const consortia = useQuery({ queryKey: ['consortia'], queryFn: () => listConsortia(), enabled: sys });
  const fromUrl = Number(params.get('consortium_id')) || undefined;
  const consortiumId = sys ? (fromUrl ?? me.consortium?.id ?? consortia.data?.items[0]?.id) : me.consortium?.id;
  const picker = sys ? (
    <Select
      style={{ width: 240 }}
      placeholder={t('admin.pickConsortium')}
      loading={consortia.isPending}
      value={consortiumId}
      onChange={(v: number) => {
        const next = new URLSearchParams(params);
        next.set('consortium_id', String(v));
        setParams(next, { replace: true });
      }}
      options={(consortia.data?.items ?? []).map((c) => ({ value: c.id, label: `${c.name}（${c.code}）` }))}
      data-testid="consortium-picker"
    />
  ) : null;
  return { consortiumId, picker };
}
