import { api, unwrap } from './client';
import type { Me } from './types';
import { followServerDay } from '../lib/format';

/** Every answer that names the user also names the server's day; the app counts from it. */
const withDay = (me: Me): Me => {
  followServerDay(me.today);
  return me;
};

export const getMe = () => unwrap<Me>(api.GET('/api/v1/me', {})).then(withDay);

export const signIn = (username: string, password: string) =>
  unwrap<Me>(api.POST('/api/v1/session', { body: { username, password } })).then(withDay);

export const signOut = () => unwrap<unknown>(api.DELETE('/api/v1/session', {}));

export const changePassword = (current_password: string, new_password: string) =>
  unwrap<unknown>(api.POST('/api/v1/me/password', { body: { current_password, new_password } }));
