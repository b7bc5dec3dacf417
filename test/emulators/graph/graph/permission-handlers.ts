import type { DriveRecord } from "../content/drive-model.js";
import { GraphError } from "./graph-error.js";
import type { GraphCall, GraphEnv, GraphResult } from "./graph-env.js";
import type { ItemAddress } from "./graph-path.js";
import { permissionJson } from "./item-json.js";
import { resolveItem } from "./item-resolve.js";

/** `GET .../permissions`: effective grants; inherited ones carry `inheritedFrom`. */
export function listPermissions(env: GraphEnv, drive: DriveRecord, addr: ItemAddress): GraphResult {
  const item = resolveItem(env, drive, addr);
  const value = env.store
    .effectivePermissions(drive, item)
    .map(({ perm, from }) => permissionJson(drive, perm, from, env.store));
  return { status: 200, body: { "@odata.context": `${env.baseUrl()}/v1.0/$metadata#Collection(permission)`, value } };
}

export function getPermission(env: GraphEnv, drive: DriveRecord, addr: ItemAddress, pid: string): GraphResult {
  const item = resolveItem(env, drive, addr);
  const found = env.store.effectivePermissions(drive, item).find(({ perm }) => perm.id === pid);
  if (!found) throw new GraphError(404, "itemNotFound", "The permission was not found.");
  return { status: 200, body: permissionJson(drive, found.perm, found.from, env.store) };
}

/** `POST .../checkout`: 204; 423 `resourceLocked` when someone else holds it. */
export function checkout(env: GraphEnv, call: GraphCall, drive: DriveRecord, addr: ItemAddress): GraphResult {
  env.store.checkout(drive, resolveItem(env, drive, addr), call.actor);
  return { status: 204 };
}

/** `POST .../checkin` with `{comment?}`: 204; 400 if not checked out, 423 if checked out by someone else. */
export async function checkin(
  env: GraphEnv,
  call: GraphCall,
  drive: DriveRecord,
  addr: ItemAddress,
): Promise<GraphResult> {
  const item = resolveItem(env, drive, addr);
  const body = await call.json();
  env.store.checkin(drive, item, call.actor, typeof body.comment === "string" ? body.comment : undefined);
  return { status: 204 };
}
