import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { ApiError, toApiError } from './problem';
import { acceptLanguage } from '../i18n/lang';

export const CSRF_HEADER = 'X-Tongyao-Csrf';

type UnauthorizedHandler = () => void;
let onUnauthorized: UnauthorizedHandler | null = null;

/** Registered once by the app: where a 401 anywhere sends the user (the sign-in page). */
export function setUnauthorizedHandler(handler: UnauthorizedHandler | null): void {
  onUnauthorized = handler;
}

/** For transports other than the fetch client (the XHR upload). */
export function notifyUnauthorized(): void {
  onUnauthorized?.();
}

const SIGN_IN_PATH = '/api/v1/session';

/** Refusals come back in the language the user chose (the server reads Accept-Language). */
const language: Middleware = {
  onRequest({ request }) {
    request.headers.set('Accept-Language', acceptLanguage());
    return request;
  },
};

const unauthorized: Middleware = {
  onResponse({ request, response }) {
    if (response.status === 401) {
      const url = new URL(request.url, 'http://x');
      // A wrong password at sign-in is a 401 that the sign-in form shows itself.
      if (!(url.pathname === SIGN_IN_PATH && request.method === 'POST')) {
        onUnauthorized?.();
      }
    }
    return undefined;
  },
};

export interface ApiClientOptions {
  baseUrl?: string;
  fetch?: (input: Request) => Promise<Response>;
}

/**
 * The typed client. Every request carries the CSRF header (the server refuses
 * mutating requests without it) and same-origin credentials (the session cookie).
 */
export function createApiClient<P extends {} = paths>(options: ApiClientOptions = {}) {
  const client = createClient<P>({
    baseUrl: options.baseUrl ?? '',
    credentials: 'same-origin',
    headers: { [CSRF_HEADER]: '1' },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  client.use(language);
  client.use(unauthorized);
  return client;
}

export type ApiClient = ReturnType<typeof createApiClient<paths>>;

function defaultBaseUrl(): string {
  // In the browser relative URLs work; under test runners without a location
  // a base keeps `new Request()` happy.
  return typeof window !== 'undefined' && window.location?.origin && window.location.origin !== 'null'
    ? window.location.origin
    : 'http://localhost';
}

/** Typed by the server's OpenAPI document (src/api/schema.ts). */
export const api: ApiClient = createApiClient<paths>({ baseUrl: defaultBaseUrl() });


interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Resolve to the data of a successful answer or throw the parsed ApiError. */
export async function unwrap<T>(pending: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await pending;
  if (!response.ok || error !== undefined) {
    throw toApiError(response.status, error, response.statusText);
  }
  return data as T;
}

export { ApiError };

/**
 * Like `unwrap`, naming the data's type (a domain alias of the generated
 * schema) where openapi-fetch cannot infer it.
 */
export function unwrapAs<T>(pending: Promise<FetchResult<unknown>>): Promise<T> {
  return unwrap<unknown>(pending) as Promise<T>;
}
