import { api, unwrap } from './client';
import type { Me } from './types';

export const getMe = () => unwrap<Me>(api.GET('/api/v1/me', {}));

export const signIn = (username: string, password: string) =>
  unwrap<Me>(api.POST('/api/v1/session', { body: { username, password } }));

export const signOut = () => unwrap<unknown>(api.DELETE('/api/v1/session', {}));

export const changePassword = (current_password: string, new_password: string) =>
  unwrap<unknown>(api.POST('/api/v1/me/password', { body: { current_password, new_password } }));
