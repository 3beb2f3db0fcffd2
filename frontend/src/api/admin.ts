import { api, unwrap } from './client';
import type { AuditEntry, Consortium, Institution, Level, Page, Role, User } from './types';

export const listConsortia = () => unwrap<Page<Consortium>>(api.GET('/api/v1/consortia', {}));

export const createConsortium = (body: { name: string; code: string; region: string }) =>
  unwrap<Consortium>(api.POST('/api/v1/consortia', { body }));

export const listInstitutions = (consortium_id?: number) =>
  unwrap<Page<Institution>>(api.GET('/api/v1/institutions', { params: { query: { consortium_id } } }));

export interface InstitutionCreate {
  consortium_id?: number;
  name: string;
  code: string;
  level: Level;
  parent_id?: number | null;
  contact_emails: string[];
}

export const createInstitution = (body: InstitutionCreate) =>
  unwrap<Institution>(api.POST('/api/v1/institutions', { body }));

export interface InstitutionPatch {
  version: number;
  name?: string;
  level?: Level;
  /** `0` clears the parent (the server's UpdateInstitutionRequest). */
  parent_id?: number | null;
  contact_emails?: string[];
  active?: boolean;
}

export const updateInstitution = (id: number, body: InstitutionPatch) =>
  unwrap<Institution>(api.PATCH('/api/v1/institutions/{id}', { params: { path: { id } }, body }));

export const listUsers = (consortium_id?: number) =>
  unwrap<Page<User>>(api.GET('/api/v1/users', { params: { query: { consortium_id } } }));

export interface UserCreate {
  username: string;
  display_name: string;
  institution_id: number;
  roles: Role[];
  password: string;
}

export const createUser = (body: UserCreate) => unwrap<User>(api.POST('/api/v1/users', { body }));

export interface UserPatch {
  version: number;
  display_name?: string;
  roles?: Role[];
  active?: boolean;
  password?: string;
  /** Clear a lock-out. */
  unlock?: boolean;
}

export const updateUser = (id: number, body: UserPatch) =>
  unwrap<User>(api.PATCH('/api/v1/users/{id}', { params: { path: { id } }, body }));

export interface AuditQuery {
  action?: string;
  actor_id?: number;
  object_type?: string;
  object_id?: string;
  /** RFC 3339 timestamp: events at or after. */
  from?: string;
  /** RFC 3339 timestamp: events before. */
  to?: string;
  consortium_id?: number;
  cursor?: string;
  limit?: number;
}

export const listAudit = (query: AuditQuery) =>
  unwrap<Page<AuditEntry>>(api.GET('/api/v1/audit', { params: { query: { limit: 50, ...query } } }));
