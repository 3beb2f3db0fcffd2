import { api, unwrap } from './client';
import type { components, paths } from './schema';
import type { AuditEntry, Consortium, Institution, Page, User } from './types';

type S = components['schemas'];

export const listConsortia = () => unwrap<Page<Consortium>>(api.GET('/api/v1/consortia', {}));

export const createConsortium = (body: S['CreateConsortiumRequest']) =>
  unwrap<Consortium>(api.POST('/api/v1/consortia', { body }));

export const listInstitutions = (consortium_id?: number) =>
  unwrap<Page<Institution>>(api.GET('/api/v1/institutions', { params: { query: { consortium_id } } }));

export type InstitutionCreate = S['CreateInstitutionRequest'];

export const createInstitution = (body: InstitutionCreate) =>
  unwrap<Institution>(api.POST('/api/v1/institutions', { body }));

export type InstitutionPatch = S['UpdateInstitutionRequest'];

export const updateInstitution = (id: number, body: InstitutionPatch) =>
  unwrap<Institution>(api.PATCH('/api/v1/institutions/{id}', { params: { path: { id } }, body }));

export const listUsers = (consortium_id?: number) =>
  unwrap<Page<User>>(api.GET('/api/v1/users', { params: { query: { consortium_id } } }));

export type UserCreate = S['CreateUserRequest'];

export const createUser = (body: UserCreate) => unwrap<User>(api.POST('/api/v1/users', { body }));

export type UserPatch = S['UpdateUserRequest'];

export const updateUser = (id: number, body: UserPatch) =>
  unwrap<User>(api.PATCH('/api/v1/users/{id}', { params: { path: { id } }, body }));

export type AuditQuery = NonNullable<paths['/api/v1/audit']['get']['parameters']['query']>;

export const listAudit = (query: AuditQuery) =>
  unwrap<Page<AuditEntry>>(api.GET('/api/v1/audit', { params: { query: { limit: 50, ...query } } }));
