/**
 * Procurement cycles (采购周期): members' orders are gathered while a cycle is open; one is
 * open at a time (rule O1).
 */
import { api, unwrapAs as unwrap } from './client';
import { cycleStatusValues, type components, type paths } from './schema';

type S = components['schemas'];

export type Cycle = S['Cycle'];
export type CyclePage = S['CyclePage'];
export type CycleStatus = S['CycleStatus'];
export type OpenCycle = S['OpenCycle'];
export type CycleQuery = NonNullable<paths['/api/v1/procurement/cycles']['get']['parameters']['query']>;

export const CYCLE_STATUS: readonly CycleStatus[] = cycleStatusValues;

export const CYCLE_STATUS_COLOR: Record<CycleStatus, string> = {
  open: 'processing',
  closed: 'default',
};

/** Cycles, newest first. */
export const listCycles = (query: CycleQuery, signal?: AbortSignal) =>
  unwrap<CyclePage>(api.GET('/api/v1/procurement/cycles', { params: { query }, signal }));

/** The cycle open now, if any (there is at most one). */
export const getOpenCycle = async (signal?: AbortSignal): Promise<Cycle | null> =>
  (await listCycles({ status: 'open', limit: 1 }, signal)).items[0] ?? null;

export const getCycle = (id: number) =>
  unwrap<Cycle>(api.GET('/api/v1/procurement/cycles/{id}', { params: { path: { id } } }));

/** Open a cycle (409 with rule O1 while another is open). */
export const openCycle = (body: OpenCycle) => unwrap<Cycle>(api.POST('/api/v1/procurement/cycles', { body }));

/** Close a cycle, with the version read (409 when it was closed or changed since). */
export const closeCycle = (id: number, version: number) =>
  unwrap<Cycle>(api.POST('/api/v1/procurement/cycles/{id}/close', { params: { path: { id } }, body: { version } }));
