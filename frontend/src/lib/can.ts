import { useMe } from '../auth';
import type { Action, Me } from '../api/types';

/**
 * Whether the signed-in user may perform an action. The answer comes from the server
 * (`actions` of `GET /api/v1/me`, filled from its one policy table); the web app keeps no
 * copy of who may do what. (Pages open to every signed-in user need no action.)
 */
export function can(me: Pick<Me, 'actions'>, action: Action): boolean {
  return me.actions.includes(action);
}

/** `can` for the signed-in user: `const may = useCan(); may('propose_formulary')`. */
export function useCan(): (action: Action) => boolean {
  const me = useMe();
  return (action) => can(me, action);
}
