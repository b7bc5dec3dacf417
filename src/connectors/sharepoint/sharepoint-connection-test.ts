/**
 * "Test connection" for a SharePoint connector: get a token, read the site, the library and the
 * base folder, then find out whether the credential may write — by creating (and at once
 * cancelling) an upload session for an unused name in the base folder, which needs write access
 * but never creates an item. Never throws; never echoes secrets.
 *
 * Result: `{success, message, error, site_accessible, permissions: {access, via}}` where `error`
 * is the failing code (`invalid_client`, `invalid_grant`, `accessDenied`, `itemNotFound`, a
 * network code…; `DESTINATION_DENIED` when the server's connector network policy refuses the
 * address of Entra, Graph or a URL Graph handed back) or null, `access` is `write` | `read` | `none`, and `via` names
 * the grant that
 * gave it (e.g. `application permission Sites.ReadWrite.All`, `Sites.Selected grant on the site`,
 * `delegated permission Sites.ReadWrite.All as alice@contoso.com`).
 */
import { randomBytes } from "node:crypto";
import { RemoteError } from "../../sync/remote-errors.js";
import { encodeItemPath } from "./graph-http.js";
import type { GraphDrive, GraphSite, UploadSession } from "./graph-types.js";
import {
  openGraph,
  siteAndDrive,
  type SharePointConnectorSettings,
  type SharePointRuntime,
} from "./sharepoint-connect.js";

export interface SharePointConnectionTestResult {
  success: boolean;
  message: string;
  error: string | null;
  site_accessible: boolean;
  permissions: { access: "read" | "write" | "none"; via: string | null };
}

function claimsOf(token: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return {};
  }
}

const WRITE_ROLES = ["Sites.FullControl.All", "Sites.Manage.All", "Sites.ReadWrite.All", "Files.ReadWrite.All"];
const READ_ROLES = ["Sites.Read.All", "Files.Read.All"];

/** Which grant of the token explains `access` (claims are only read, never trusted for decisions). */
function via(claims: Record<string, unknown>, access: "read" | "write"): string {
  const roles = Array.isArray(claims.roles) ? (claims.roles as string[]) : [];
  const scp = typeof claims.scp === "string" ? claims.scp.split(" ") : [];
  const who =
    typeof claims.upn === "string"
      ? claims.upn
      : typeof claims.unique_name === "string"
        ? claims.unique_name
        : undefined;
  const wanted = access === "write" ? WRITE_ROLES : [...WRITE_ROLES, ...READ_ROLES];
  if (scp.length > 0) {
    const s = scp.find((x) => wanted.includes(x));
    return `delegated permission ${s ?? scp.join(" ")}${who ? ` as ${who}` : ""}`;
  }
  const r = roles.find((x) => wanted.includes(x));
  if (r) return `application permission ${r}`;
  if (roles.includes("Sites.Selected")) return `Sites.Selected grant on the site (${access})`;
  return roles.length ? `application permissions ${roles.join(", ")}` : "unknown grant";
}

function codeOf(err: RemoteError): string {
  if (err.kind === "destination_denied") return "DESTINATION_DENIED";
  const cause = err.cause as { errorCode?: string; code?: string } | undefined;
  return cause?.errorCode ?? (typeof cause?.code === "string" ? cause.code : undefined) ?? err.kind;
}

export async function testSharePointConnection(
  s: SharePointConnectorSettings,
  rt: SharePointRuntime,
): Promise<SharePointConnectionTestResult> {
  const fail = (
    message: string,
    error: string,
    siteAccessible = false,
    access: "read" | "none" = "none",
    v: string | null = null,
  ): SharePointConnectionTestResult => ({
    success: false,
    message,
    error,
    site_accessible: siteAccessible,
    permissions: { access, via: v },
  });
  let graph;
  let token: string;
  try {
    const opened = openGraph(s, rt);
    graph = opened.graph;
    token = await opened.tokens.getAccessToken();
  } catch (err) {
    const e = err instanceof RemoteError ? err : new RemoteError("auth", String(err));
    if (e.kind === "destination_denied") return fail(e.message, codeOf(e));
    return fail(`Authentication with Entra ID failed: ${e.message}`, codeOf(e));
  }
  const claims = claimsOf(token);
  let siteId: string;
  let driveId: string;
  let siteName = s.site_url ?? "";
  try {
    ({ siteId, driveId } = await siteAndDrive(graph, s));
    if (siteId) {
      const site = await graph.get<GraphSite>(`/sites/${encodeURIComponent(siteId)}`, "read site");
      siteName = site.webUrl ?? site.displayName ?? siteId;
    }
  } catch (err) {
    const e = err as RemoteError;
    if (e.kind === "destination_denied") return fail(e.message, codeOf(e));
    return fail(`The site cannot be read: ${e.message}`, codeOf(e));
  }
  let library: string;
  const base = (s.base_path ?? "").replace(/^\/+|\/+$/g, "");
  try {
    const d = await graph.get<GraphDrive>(`/drives/${encodeURIComponent(driveId)}`, "read library");
    library = d.name ?? driveId;
    await graph.get(
      `/drives/${encodeURIComponent(driveId)}/root${base ? `:/${encodeItemPath(base)}:` : ""}`,
      "read base folder",
    );
  } catch (err) {
    const e = err as RemoteError;
    if (e.kind === "destination_denied") return fail(e.message, codeOf(e), true);
    return fail(
      `The library or base path cannot be read: ${e.message}`,
      codeOf(e),
      true,
      e.kind === "access_denied" ? "none" : "read",
      e.kind === "access_denied" ? null : via(claims, "read"),
    );
  }
  const probeName = `.scaidrive-write-test-${randomBytes(6).toString("hex")}`;
  const probePath = base ? `${base}/${probeName}` : probeName;
  let access: "read" | "write" = "read";
  try {
    const session = await graph.post<UploadSession>(
      `/drives/${encodeURIComponent(driveId)}/root:/${encodeItemPath(probePath)}:/createUploadSession`,
      { item: { "@microsoft.graph.conflictBehavior": "fail" } },
      "write probe",
    );
    access = "write";
    if (session.uploadUrl)
      await graph
        .fetchPreauthenticated(session.uploadUrl, { method: "DELETE" }, "cancel write probe", {
          idempotent: true,
          okStatuses: [404],
        })
        .catch(() => undefined);
  } catch (err) {
    const e = err as RemoteError;
    if (e.kind !== "access_denied")
      return fail(`The write check failed: ${e.message}`, codeOf(e), true, "read", via(claims, "read"));
  }
  const v = via(claims, access);
  return {
    success: true,
    message: `Connected to ${siteName}, library "${library}"${base ? `, folder "${base}"` : ""}: ${access} access via ${v}`,
    error: null,
    site_accessible: true,
    permissions: { access, via: v },
  };
}
