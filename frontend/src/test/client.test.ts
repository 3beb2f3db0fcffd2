/* eslint-disable @typescript-eslint/no-explicit-any */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApiClient, setUnauthorizedHandler, unwrap } from '../api/client';
import { ApiError, describeError, toApiError } from '../api/problem';

type Captured = { method: string; url: string; headers: Headers; credentials: RequestCredentials; body: string | null };

function fakeFetch(status: number, body: unknown, contentType = 'application/json') {
  const calls: Captured[] = [];
  const fetch = async (req: Request) => {
    calls.push({
      method: req.method,
      url: req.url,
      headers: req.headers,
      credentials: req.credentials,
      body: req.body ? await req.text() : null,
    });
    const text = body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body);
    return new Response(status === 204 ? null : text, { status, headers: { 'Content-Type': contentType } });
  };
  return { fetch, calls };
}

afterEach(() => setUnauthorizedHandler(null));

describe('fetch client', () => {
  it('sends the CSRF header and same-origin credentials on every method', async () => {
    const { fetch, calls } = fakeFetch(200, { ok: true });
    const api = createApiClient<Record<string, any>>({ baseUrl: 'http://test', fetch });
    await api.GET('/api/v1/me', {});
    await api.POST('/api/v1/session', { body: { username: 'a', password: 'b' } });
    await api.PATCH('/api/v1/users/{id}', { params: { path: { id: 7 } }, body: { version: 1 } });
    await api.DELETE('/api/v1/session', {});
    expect(calls.map((c) => c.method)).toEqual(['GET', 'POST', 'PATCH', 'DELETE']);
    for (const c of calls) {
      expect(c.headers.get('X-Tongyao-Csrf')).toBe('1');
      expect(c.credentials).toBe('same-origin');
    }
    expect(calls[2].url).toBe('http://test/api/v1/users/7');
    // refusals come back in the chosen language: Chinese unless English was chosen
    for (const c of calls) expect(c.headers.get('Accept-Language')).toBe('zh-CN,zh;q=0.9');
    localStorage.setItem('tongyao.lang', 'en');
    await api.GET('/api/v1/me', {});
    expect(calls[4].headers.get('Accept-Language')).toBe('en');
    localStorage.removeItem('tongyao.lang');
    expect(JSON.parse(calls[1].body!)).toEqual({ username: 'a', password: 'b' });
  });

  it('turns a problem+json refusal into an ApiError with rule, detail and field errors', async () => {
    const problem = {
      type: 'https://tongyao.dev/problems/rule',
      title: 'Rule refused',
      status: 422,
      detail: '阿莫西林 would have 3 oral products',
      rule: 'F5',
      errors: [{ field: 'justification', message: 'required for F5' }],
    };
    const { fetch } = fakeFetch(422, problem, 'application/problem+json');
    const api = createApiClient<Record<string, any>>({ baseUrl: 'http://test', fetch });
    const err = await unwrap(api.POST('/api/v1/formulary/proposals', { body: {} })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(422);
    expect(e.rule).toBe('F5');
    expect(e.detail).toBe('阿莫西林 would have 3 oral products');
    expect(e.message).toBe('F5: 阿莫西林 would have 3 oral products');
    expect(e.errors).toEqual([{ field: 'justification', message: 'required for F5' }]);
    expect(describeError(e)).toContain('justification: required for F5');
  });

  it('resolves the data of a success', async () => {
    const { fetch } = fakeFetch(200, { id: 1, username: 'demo' });
    const api = createApiClient<Record<string, any>>({ baseUrl: 'http://test', fetch });
    await expect(unwrap(api.GET('/api/v1/me', {}))).resolves.toEqual({ id: 1, username: 'demo' });
  });

  it('calls the unauthorized handler on a 401, but not for a wrong password at sign-in', async () => {
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    const { fetch } = fakeFetch(401, { title: 'Unauthorized', status: 401, detail: 'sign in' });
    const api = createApiClient<Record<string, any>>({ baseUrl: 'http://test', fetch });
    await unwrap(api.POST('/api/v1/session', { body: { username: 'x', password: 'y' } })).catch(() => undefined);
    expect(handler).not.toHaveBeenCalled();
    const err = await unwrap(api.GET('/api/v1/formulary', {})).catch((e: unknown) => e);
    expect(handler).toHaveBeenCalledTimes(1);
    expect((err as ApiError).status).toBe(401);
  });

  it('copes with bodies that are not problem documents', () => {
    const html = toApiError(502, '<html><body>Bad Gateway</body></html>'.repeat(20), 'Bad Gateway');
    expect(html.status).toBe(502);
    expect(html.detail).toBe('Bad Gateway');
    const text = toApiError(500, 'boom');
    expect(text.detail).toBe('boom');
    const empty = toApiError(503, undefined);
    expect(empty.detail).toBe('HTTP 503');
    const json = toApiError(409, '{"title":"Conflict","status":409,"detail":"stale version"}');
    expect(json.detail).toBe('stale version');
    expect(json.rule).toBeNull();
  });

  it('keeps the import report of a refused apply', () => {
    const report = { dry_run: false, rows_total: 2, rows_valid: 1, errors: [{ row: 3, column: '批准文号', message: 'bad' }], added: [], changed: [], unchanged: 0, proposal_id: null };
    const e = toApiError(422, { title: 'Import has errors', status: 422, detail: '1 row error', report });
    expect(e.report?.errors[0].column).toBe('批准文号');
  });
});

describe('applyFieldErrors', () => {
  it('puts server field errors under the named form fields', async () => {
    const { applyFieldErrors } = await import('../api/problem');
    const set = vi.fn();
    const err = toApiError(422, { status: 422, detail: 'invalid', errors: [{ field: 'fields.strength', message: 'required' }, { field: 'reason', message: 'too short' }] });
    expect(applyFieldErrors({ setFields: set }, err, ['strength', 'reason'])).toBe(true);
    expect(set).toHaveBeenCalledWith([
      { name: 'strength', errors: ['required'] },
      { name: 'reason', errors: ['too short'] },
    ]);
    expect(applyFieldErrors({ setFields: set }, err, ['reason'])).toBe(false);
    expect(applyFieldErrors({ setFields: set }, new Error('x'), ['reason'])).toBe(false);
  });
});
