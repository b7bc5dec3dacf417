/**
 * A browser's side of cookie sessions for tests: sign in through the real API, keep the session
 * cookie and CSRF token, and make requests the way the web client does (cookie, Origin and
 * X-CSRF-Token) — or leave parts out to see them refused.
 */

export interface SignInResult {
  status: number;
  headers: Headers;
  body: any;
  /** `scaidrive_session=<id>` for a Cookie header, when the answer set one. */
  cookie?: string;
  /** The raw Set-Cookie header. */
  setCookie?: string;
}

/** The `name=value` part of a Set-Cookie header for the session cookie, or undefined. */
export function sessionCookieOf(headers: Headers): string | undefined {
  const raw = headers.get("set-cookie");
  const m = raw ? /(?:^|,\s*)(scaidrive_session=[^;]*)/.exec(raw) : null;
  return m ? m[1] : undefined;
}

export async function signIn(
  baseUrl: string,
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<SignInResult> {
  const res = await fetch(`${baseUrl}/api/v1/auth/sign-in`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ email, password }),
  });
  const text = await res.text();
  const body = text && (res.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : text;
  return {
    status: res.status,
    headers: res.headers,
    body,
    cookie: sessionCookieOf(res.headers),
    setCookie: res.headers.get("set-cookie") ?? undefined,
  };
}

export interface BrowserCallOptions {
  json?: unknown;
  raw?: string;
  /** Origin header; the server's own URL by default, null for none. */
  origin?: string | null;
  /** X-CSRF-Token; the session's by default, null for none. */
  csrf?: string | null;
  headers?: Record<string, string>;
}

/** A signed-in browser: its cookie and CSRF token, and requests made with them. */
export class BrowserSession {
  constructor(
    readonly baseUrl: string,
    public cookie: string,
    public csrfToken: string,
  ) {}

  static async signIn(baseUrl: string, email: string, password: string): Promise<BrowserSession> {
    const r = await signIn(baseUrl, email, password);
    if (r.status !== 200 || !r.cookie) throw new Error(`sign-in failed: ${r.status} ${JSON.stringify(r.body)}`);
    return new BrowserSession(baseUrl, r.cookie, r.body.csrf_token);
  }

  async call(
    method: string,
    path: string,
    o: BrowserCallOptions = {},
  ): Promise<{ status: number; headers: Headers; body: any }> {
    const headers: Record<string, string> = { cookie: this.cookie };
    const origin = o.origin === undefined ? this.baseUrl : o.origin;
    if (origin !== null) headers.origin = origin;
    const csrf = o.csrf === undefined ? this.csrfToken : o.csrf;
    if (csrf !== null) headers["x-csrf-token"] = csrf;
    let body: string | undefined;
    if (o.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(o.json);
    } else if (o.raw !== undefined) {
      headers["content-type"] = "application/octet-stream";
      body = o.raw;
    }
    const res = await fetch(this.baseUrl + path, { method, headers: { ...headers, ...o.headers }, body });
    const text = await res.text();
    const parsed = text && (res.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : text;
    return { status: res.status, headers: res.headers, body: parsed };
  }
}
