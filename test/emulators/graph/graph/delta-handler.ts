import type { DriveRecord } from "../content/drive-model.js";
import type { GraphCall, GraphEnv, GraphResult } from "./graph-env.js";
import type { ItemAddress } from "./graph-path.js";
import { applySelect, itemJson } from "./item-json.js";
import { parseTop, resolveItem } from "./item-resolve.js";

/**
 * `GET /drives/{d}/root/delta` and `/items/{id}/delta` (also `delta(token='...')`): pages of
 * `$top` (default 200) with `@odata.nextLink`, then `@odata.deltaLink`. Items are reported in
 * their current state (deleted ones with the `deleted` facet) and without
 * `parentReference.path`, as Graph does for SharePoint; with their ancestor folders unless the
 * request carries the `deltaExcludeParent` header (also taken from `Prefer`).
 */
export function delta(
  env: GraphEnv,
  call: GraphCall,
  drive: DriveRecord,
  addr: ItemAddress,
  fnToken: string | undefined,
  requestUrl: URL,
): GraphResult {
  const scope = resolveItem(env, drive, addr);
  const token = fnToken ?? call.query.token;
  const pageSize = parseTop(call.query.$top, env.limits.deltaPageSize, 5000);
  const base = `${env.baseUrl()}${requestUrl.pathname.replace(/\/delta\(token='[^']*'\)$/, "/delta")}`;
  const keep = new URLSearchParams();
  for (const k of ["$select", "$top", "$expand"]) if (call.query[k]) keep.set(k, call.query[k]);
  const link = (t: string): string => {
    const q = new URLSearchParams(keep);
    q.set("token", t);
    return `${base}?${q.toString()}`;
  };
  const fresh = keep.size ? `${base}?${keep.toString()}` : base;
  const prefer = String(call.headers.prefer ?? "").toLowerCase();
  const excludeParents = call.headers.deltaexcludeparent !== undefined || prefer.includes("deltaexcludeparent");
  const page = env.delta.page(drive, scope, token, pageSize, fresh, excludeParents);
  const body: Record<string, unknown> = {
    "@odata.context": `${env.baseUrl()}/v1.0/$metadata#Collection(driveItem)`,
    value: page.items.map((i) =>
      applySelect(
        itemJson(env.json, drive, i, { inDelta: true }),
        call.query.$select ? call.query.$select + ",deleted" : undefined,
      ),
    ),
  };
  if (page.nextToken) body["@odata.nextLink"] = link(page.nextToken);
  if (page.deltaToken) body["@odata.deltaLink"] = link(page.deltaToken);
  return { status: 200, body };
}
