import { useQuery } from '@tanstack/react-query';
import { getMe } from './api/session';
import type { Me } from './api/types';

export const ME_KEY = ['me'] as const;

export function useMeQuery() {
  return useQuery({ queryKey: ME_KEY, queryFn: getMe, staleTime: 5 * 60_000 });
}

/** The signed-in user; only used below the layout, which renders once `me` is known. */
export function useMe(): Me {
  const { data } = useMeQuery();
  if (!data) throw new Error('useMe() used outside the signed-in layout');
  return data;
}
