import type { SiteRecord } from "../content/drive-model.js";
import { siteAccess } from "../entra/access-token.js";
import { GraphError } from "./graph-error.js";
import type { GraphCall, GraphEnv, GraphResult } from "./graph-env.js";
import type { SiteRef } from "./graph-path.js";
import { applySelect, columnJson, driveJson, siteJson } from "./item-json.js";

export function resolveSite(env: GraphEnv, ref: SiteRef): SiteRecord {
  if ("id" in ref) {
    if (ref.id === "root") return env.store.sites[0] ?? env.store.getSite(ref.id);
    return env.store.getSite(ref.id);
  }
  return env.store.findSiteByPath(ref.hostname, ref.path);
}

/** 403 `accessDenied` unless the caller has at least `need` on the site. */
export function requireSite(env: GraphEnv, call: GraphCall, site: SiteRecord, need: "read" | "write"): void {
  const { access } = siteAccess(env.entra, call.principal, site.id);
  if (access === "none" || (need === "write" && access !== "write")) {
    throw new GraphError(
      403,
      "accessDenied",
      need === "write" && access === "read"
        ? "Access denied. The caller has read-only access to this site."
        : "Access denied",
    );
  }
}

/** `GET /sites?search=q`: sites the caller can read whose name, title or URL contains q. */
export function searchSites(env: GraphEnv, call: GraphCall): GraphResult {
  const q = (call.query.search ?? "").replace(/^"|"$/g, "").toLowerCase();
  const value = env.store.sites
    .filter((s) => siteAccess(env.entra, call.principal, s.id).access !== "none")
    .filter(
      (s) => !q || q === "*" || [s.name, s.displayName, s.path, s.hostname].some((v) => v.toLowerCase().includes(q)),
    )
    .map((s) => applySelect(siteJson(s), call.query.$select));
  return { status: 200, body: { "@odata.context": `${env.baseUrl()}/v1.0/$metadata#sites`, value } };
}

export function getSite(env: GraphEnv, call: GraphCall, ref: SiteRef): GraphResult {
  const site = resolveSite(env, ref);
  requireSite(env, call, site, "read");
  return { status: 200, body: applySelect(siteJson(site), call.query.$select) };
}

export function listSiteDrives(env: GraphEnv, call: GraphCall, ref: SiteRef): GraphResult {
  const site = resolveSite(env, ref);
  requireSite(env, call, site, "read");
  return {
    status: 200,
    body: {
      "@odata.context": `${env.baseUrl()}/v1.0/$metadata#drives`,
      value: site.drives.map((d) => applySelect(driveJson(env.json, d), call.query.$select)),
    },
  };
}

export function listSiteLists(env: GraphEnv, call: GraphCall, ref: SiteRef): GraphResult {
  const site = resolveSite(env, ref);
  requireSite(env, call, site, "read");
  const value = site.drives.map((d) => ({
    id: d.listId,
    name: d.urlName,
    displayName: d.name,
    description: d.description,
    webUrl: driveJson(env.json, d).webUrl as string,
    list: { contentTypesEnabled: false, hidden: false, template: "documentLibrary" },
  }));
  return { status: 200, body: { value } };
}

/** `/sites/{id}/lists/{list-id}` plus `/columns` and `/drive`; the list id may also be the library name. */
export function siteList(
  env: GraphEnv,
  call: GraphCall,
  ref: SiteRef,
  listId: string,
  sub: "" | "columns" | "drive",
): GraphResult {
  const site = resolveSite(env, ref);
  requireSite(env, call, site, "read");
  const drive = site.drives.find(
    (d) => d.listId === listId.toLowerCase() || d.name.toLowerCase() === listId.toLowerCase(),
  );
  if (!drive) throw new GraphError(404, "itemNotFound", "The list was not found.");
  if (sub === "drive") return { status: 200, body: driveJson(env.json, drive) };
  if (sub === "columns") {
    const builtIn = [
      { name: "Title", displayName: "Title", type: "text" },
      { name: "FileLeafRef", displayName: "Name", type: "text", readOnly: true },
      { name: "Modified", displayName: "Modified", type: "dateTime", readOnly: true },
      { name: "Created", displayName: "Created", type: "dateTime", readOnly: true },
    ];
    return { status: 200, body: { value: [...builtIn, ...drive.columns].map((c) => columnJson(c, drive.listId)) } };
  }
  return {
    status: 200,
    body: { id: drive.listId, name: drive.urlName, displayName: drive.name, list: { template: "documentLibrary" } },
  };
}
