/**
 * The `scope` parameter of token and authorize requests, split the way Entra reads it: OIDC
 * scopes (`openid profile email offline_access`) and Microsoft Graph scopes, which may be written
 * bare (`Sites.Read.All`), with Graph's URI (`https://graph.microsoft.com/Sites.Read.All`), with
 * Graph's app id, or with the emulator's own origin. Any other resource is unknown here.
 */
import { aadsts } from "./entra-error.js";

export const GRAPH_RESOURCE = "https://graph.microsoft.com";
export const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
export const OIDC_SCOPES = new Set(["openid", "profile", "email", "offline_access"]);

export interface ParsedScopes {
  /** Requested scopes exactly as sent (the token response's `scope` echoes them). */
  requested: string[];
  oidc: string[];
  /** Graph scope names without resource prefix; `.default` stays `.default`. */
  graph: string[];
}

/** Throws AADSTS500011 for a scope on a resource other than Graph. */
export function parseScopes(scope: string | undefined, baseUrl: string, tenantName: string): ParsedScopes {
  const requested = (scope ?? "").split(/\s+/).filter(Boolean);
  const out: ParsedScopes = { requested, oidc: [], graph: [] };
  const prefixes = [GRAPH_RESOURCE, `${GRAPH_RESOURCE}/`, GRAPH_APP_ID, baseUrl]
    .filter(Boolean)
    .map((p) => `${p.replace(/\/+$/, "")}/`.toLowerCase());
  for (const s of requested) {
    if (OIDC_SCOPES.has(s.toLowerCase())) {
      out.oidc.push(s.toLowerCase());
      continue;
    }
    const lower = s.toLowerCase();
    const prefix = prefixes.find((p) => lower.startsWith(p));
    if (prefix) {
      const name = s.slice(prefix.length).replace(/^\/+/, "");
      if (name) out.graph.push(name);
      continue;
    }
    if (s.includes("/") || s.includes(":")) {
      const resource = s.includes("/.default")
        ? s.slice(0, s.lastIndexOf("/.default"))
        : s.slice(0, s.lastIndexOf("/"));
      throw aadsts.resourceNotFound(resource || s, tenantName);
    }
    out.graph.push(s);
  }
  return out;
}

/** Case-insensitive membership, as Entra compares permission names. */
export function hasScope(list: readonly string[], name: string): boolean {
  const n = name.toLowerCase();
  return list.some((s) => s.toLowerCase() === n);
}
