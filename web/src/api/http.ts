/**
 * The one way the app talks to the ScaiDrive API: same-origin fetch with the session cookie, the CSRF token on
 * every write, and the API's error envelope turned into an {@link ApiError} whose message can be shown as is.
 */

let csrfToken: string | null = null;

/** Set from the session (sign-in or GET /auth/session); writes send it as X-CSRF-Token. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function currentCsrfToken(): string | null {
  return csrfToken;
}

let unauthenticated: (() => void) | null = null;

/**
 * Called whenever the API answers 401: the session ended (signed out elsewhere, expired, password changed, account
 * disabled), so the app can show the sign-in page instead of a page of errors.
 */
export function onUnauthenticated(listener: (() => void) | null): void {
  unauthenticated = listener;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export type Query = Record<string, string | number | boolean | undefined | null | readonly string[]>;

/** `/api/v1` + path + query string (arrays become repeated parameters). */
export function apiUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, v);
    else params.append(key, String(value));
  }
  const qs = params.toString();
  return `/api/v1${path}${qs ? `?${qs}` : ""}`;
}

/** Headers every write carries (also used by XMLHttpRequest and tus uploads). */
export function writeHeaders(): Record<string, string> {
  return csrfToken ? { "X-CSRF-Token": csrfToken } : {};
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  query?: Query;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Parses an error response into an ApiError (the envelope is `{error: {code, message, details?}}`). */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  let code = `HTTP_${res.status}`;
  let message = res.statusText || `request failed with status ${res.status}`;
  let details: Record<string, unknown> | undefined;
  try {
    const body = (await res.json()) as {
      error?: { code?: string; message?: string; details?: Record<string, unknown> };
    };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
    details = body.error?.details;
  } catch {
    // Not JSON (a proxy's error page): the status text is all there is.
  }
  return new ApiError(res.status, code, message, details);
}

export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  if (method !== "GET") Object.assign(headers, writeHeaders());
  let body = options.body;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  }
  const res = await fetch(apiUrl(path, options.query), {
    method,
    headers,
    body,
    credentials: "same-origin",
    signal: options.signal,
  });
  if (!res.ok) {
    if (res.status === 401) unauthenticated?.();
    throw await errorFromResponse(res);
  }
  if (res.status === 204) return undefined as T;
  const type = res.headers.get("content-type") ?? "";
  return (type.includes("json") ? await res.json() : await res.text()) as T;
}

/** Every item of a paginated list (`{items, next_cursor}`), read 1,000 at a time. */
export async function allPages<T>(path: string): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: T[]; next_cursor: string | null } = await apiRequest(path, {
      query: { limit: 1000, cursor: cursor ?? undefined },
    });
    all.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return all;
}
