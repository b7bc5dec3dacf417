import type { DriveRecord, ItemRecord } from "../content/drive-model.js";
import { GraphError, invalidRequest } from "./graph-error.js";
import type { GraphCall, GraphEnv, GraphResult } from "./graph-env.js";
import type { ItemAddress } from "./graph-path.js";
import { notModified } from "./conditional.js";
import { applySelect, itemJson, listItemJson, permissionJson } from "./item-json.js";
import { conflictBehavior, parseExpand, parseTop, resolveItem } from "./item-resolve.js";
import { versionJson } from "./version-handlers.js";

/** A driveItem with `$select` and `$expand` (children, listItem, permissions, versions) applied. */
export function expandedItem(
  env: GraphEnv,
  drive: DriveRecord,
  item: ItemRecord,
  query: Record<string, string>,
): Record<string, unknown> {
  const out = itemJson(env.json, drive, item);
  for (const [name, inner] of parseExpand(query.$expand)) {
    if (name === "children") {
      out.children = env.store
        .listChildren(drive, item)
        .map((c) => applySelect(itemJson(env.json, drive, c), inner.$select));
    } else if (name === "listItem") {
      out.listItem = listItemJson(env.json, drive, item, (inner.$expand ?? "").startsWith("fields"));
    } else if (name === "permissions") {
      out.permissions = env.store
        .effectivePermissions(drive, item)
        .map(({ perm, from }) => permissionJson(drive, perm, from, env.store));
    } else if (name === "versions") {
      out.versions = [...item.versions].reverse().map(versionJson);
    } else if (name === "thumbnails") {
      out.thumbnails = [];
    } else {
      throw invalidRequest(
        `Parsing OData Select and ` +
          `Expand failed: Could not find a property named '${name}' on type 'microsoft.graph.driveItem'.`,
      );
    }
  }
  const select = query.$select;
  return select ? applySelect(out, [select, ...parseExpand(query.$expand).keys()].join(",")) : out;
}

export function getItem(env: GraphEnv, call: GraphCall, drive: DriveRecord, addr: ItemAddress): GraphResult {
  const item = resolveItem(env, drive, addr);
  const unchanged = notModified(item, header(call, "if-none-match"));
  if (unchanged) return unchanged;
  return { status: 200, body: expandedItem(env, drive, item, call.query) };
}

/** `GET .../children`: pages of `$top` (default 200) with `@odata.nextLink` carrying `$skiptoken`. */
export function listChildren(
  env: GraphEnv,
  call: GraphCall,
  drive: DriveRecord,
  addr: ItemAddress,
  requestUrl: URL,
): GraphResult {
  const item = resolveItem(env, drive, addr);
  if (item.kind === "file") throw invalidRequest("The item is not a folder.");
  const top = parseTop(call.query.$top, env.limits.childrenPageSize);
  const offset = call.query.$skiptoken ? Number(Buffer.from(call.query.$skiptoken, "base64url").toString()) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw invalidRequest("Invalid $skiptoken.");
  const all = env.store.listChildren(drive, item);
  const page = all.slice(offset, offset + top);
  const body: Record<string, unknown> = {
    "@odata.context": `${env.baseUrl()}/v1.0/$metadata#drives('${drive.id}')/items('${item.id}')/children`,
    value: page.map((c) => expandedItem(env, drive, c, call.query)),
  };
  if (offset + top < all.length) {
    const next = new URL(requestUrl);
    next.searchParams.set("$skiptoken", Buffer.from(String(offset + top)).toString("base64url"));
    body["@odata.nextLink"] = next.toString();
  }
  return { status: 200, body };
}

/** `POST .../children` with `{name, folder: {}}`: creates a folder (conflictBehavior default `fail`). */
export async function createChild(
  env: GraphEnv,
  call: GraphCall,
  drive: DriveRecord,
  addr: ItemAddress,
): Promise<GraphResult> {
  const parent = resolveItem(env, drive, addr);
  const body = await call.json();
  if (typeof body.name !== "string") throw invalidRequest("The property 'name' is required.");
  if (!body.folder) throw invalidRequest("Only folders can be created this way; upload files with PUT .../content.");
  const conflict = conflictBehavior(body["@microsoft.graph.conflictBehavior"], "fail");
  const existed = env.store.childByName(drive, parent, body.name);
  const item = env.store.createFolder(drive, parent, body.name, call.actor, conflict);
  return { status: existed === item ? 200 : 201, body: itemJson(env.json, drive, item) };
}

/** `PATCH` an item: `name`, `parentReference.id` (or `.path`), `fileSystemInfo`; If-Match honoured. */
export async function patchItem(
  env: GraphEnv,
  call: GraphCall,
  drive: DriveRecord,
  addr: ItemAddress,
): Promise<GraphResult> {
  const item = resolveItem(env, drive, addr);
  env.store.assertIfMatch(item, header(call, "if-match"));
  const body = await call.json();
  const changes: {
    name?: string;
    parentId?: string;
    fileSystemInfo?: { createdDateTime?: string; lastModifiedDateTime?: string };
  } = {};
  if (body.name !== undefined) {
    if (typeof body.name !== "string") throw invalidRequest("The property 'name' must be a string.");
    changes.name = body.name;
  }
  const ref = body.parentReference as { id?: string; path?: string; driveId?: string } | undefined;
  if (ref) {
    if (ref.driveId && ref.driveId !== drive.id)
      throw new GraphError(400, "invalidRequest", "Moving items between drives is not supported; use copy.");
    if (ref.id) changes.parentId = ref.id;
    else if (ref.path) {
      const m = /^\/drives\/[^/]+\/root:?(.*)$/.exec(ref.path) ?? /^\/drive\/root:?(.*)$/.exec(ref.path);
      if (!m) throw invalidRequest(`Invalid parentReference.path: ${ref.path}`);
      changes.parentId = env.store.resolvePath(drive, env.store.root(drive), decodeURIComponent(m[1])).id;
    }
  }
  if (body.fileSystemInfo) changes.fileSystemInfo = body.fileSystemInfo as typeof changes.fileSystemInfo;
  const conflict = conflictBehavior(
    body["@microsoft.graph.conflictBehavior"] ?? call.query["@microsoft.graph.conflictBehavior"],
    "fail",
  );
  env.store.moveItem(drive, item, changes, call.actor, conflict);
  return { status: 200, body: itemJson(env.json, drive, item) };
}

export function deleteItem(env: GraphEnv, call: GraphCall, drive: DriveRecord, addr: ItemAddress): GraphResult {
  const item = resolveItem(env, drive, addr);
  env.store.assertIfMatch(item, header(call, "if-match"));
  env.store.deleteItem(drive, item, call.actor);
  return { status: 204 };
}

export function header(call: GraphCall, name: string): string | undefined {
  const v = call.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
