/**
 * The one JSON-over-HTTP caller the test servers share: real `fetch` against a running server, the
 * admin token by default. A JSON response body is parsed; any other body is returned as text, or as
 * a Buffer when the client was made with `bodies: "bytes"` (content downloads compared byte for byte).
 */

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
}

export interface ApiCallOptions {
  /** Bearer token; the client's default token when undefined, no Authorization header when null. */
  token?: string | null;
  /** Sent as `application/json`. */
  json?: unknown;
  /** Sent as is with `application/octet-stream` (ignored when `json` is given). */
  raw?: string | Uint8Array;
  /** Extra headers; they win over the ones the client sets (e.g. a different content-type). */
  headers?: Record<string, string>;
}

export type ApiCall = (method: string, path: string, opts?: ApiCallOptions) => Promise<ApiResponse>;

export function createApiClient(baseUrl: string, defaultToken: string, o: { bodies?: "text" | "bytes" } = {}): ApiCall {
  return async (method, path, opts = {}) => {
    const headers: Record<string, string> = {};
    const token = opts.token === undefined ? defaultToken : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | Uint8Array | undefined;
    if (opts.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(opts.json);
    } else if (opts.raw !== undefined) {
      headers["content-type"] = "application/octet-stream";
      body = typeof opts.raw === "string" ? opts.raw : new Uint8Array(opts.raw);
    }
    const res = await fetch(baseUrl + path, {
      method,
      headers: { ...headers, ...opts.headers },
      body: body as BodyInit | undefined,
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    const isJson = (res.headers.get("content-type") ?? "").includes("json") && bytes.length > 0;
    const parsed: unknown = isJson
      ? JSON.parse(bytes.toString("utf8"))
      : o.bodies === "bytes"
        ? bytes
        : bytes.toString("utf8");
    return { status: res.status, headers: res.headers, body: parsed };
  };
}
