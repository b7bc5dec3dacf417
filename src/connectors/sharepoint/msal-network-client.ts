/**
 * MSAL's HTTP (`system.networkClient`) over a given `fetch` — the connector network policy's —
 * instead of MSAL's own client on the global fetch, so token requests reach Entra only at
 * addresses the policy permits. Behaves like MSAL's default client: JSON bodies, the status as
 * Entra answered it (MSAL reads errors from the body), `network_error` for failures.
 *
 * A refused destination leaves as an AuthError `destination_denied` whose `cause` is the
 * DestinationDeniedError: MSAL passes AuthErrors through unchanged (any other error becomes a
 * bare `network_error`), so `authError()` can still tell a refusal from an outage.
 */
import { AuthError, type INetworkModule, type NetworkRequestOptions, type NetworkResponse } from "@azure/msal-node";
import { findDestinationDenied } from "../network-policy.js";

function failure(code: string, message: string, cause: unknown): AuthError {
  const err = new AuthError(code, "", message);
  (err as { cause?: unknown }).cause = cause;
  return err;
}

async function send<T>(
  fetchFn: typeof fetch,
  url: string,
  method: "GET" | "POST",
  options?: NetworkRequestOptions,
  timeoutMs?: number,
): Promise<NetworkResponse<T>> {
  const headers = new Headers();
  for (const [k, v] of Object.entries(options?.headers ?? {})) headers.append(k, v);
  let response: Response;
  try {
    response = await fetchFn(url, {
      method,
      headers,
      ...(method === "POST" ? { body: options?.body ?? "" } : {}),
      ...(timeoutMs ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
    });
  } catch (err) {
    const denied = findDestinationDenied(err);
    if (denied) throw failure("destination_denied", denied.message, denied);
    const name = (err as { name?: string }).name;
    if (name === "TimeoutError" || name === "AbortError") throw failure("network_error", "Request timeout", err);
    throw failure("network_error", `Network request failed: ${(err as Error).message ?? String(err)}`, err);
  }
  const out: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    out[key] = value;
  });
  let body: T;
  try {
    body = (await response.json()) as T;
  } catch (err) {
    throw failure("token_parsing_error", `Failed to parse response: ${(err as Error).message}`, err);
  }
  return { headers: out, body, status: response.status };
}

export function msalNetworkClient(fetchFn: typeof fetch): INetworkModule {
  return {
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions, timeout?: number) =>
      send<T>(fetchFn, url, "GET", options, timeout),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>(fetchFn, url, "POST", options),
  };
}
