import type { DriveRecord } from "../content/drive-model.js";
import { invalidRequest } from "./graph-error.js";
import type { GraphCall, GraphEnv, GraphResult } from "./graph-env.js";
import type { ItemAddress } from "./graph-path.js";
import { fieldsJson, listItemJson } from "./item-json.js";
import { parseExpand, resolveItem } from "./item-resolve.js";

/** `GET .../listItem` (`?$expand=fields` adds the column values) and `GET .../listItem/fields`. */
export function getListItem(
  env: GraphEnv,
  call: GraphCall,
  drive: DriveRecord,
  addr: ItemAddress,
  fieldsOnly: boolean,
): GraphResult {
  const item = resolveItem(env, drive, addr);
  if (item.kind === "root") throw invalidRequest("The root of a library has no list item.");
  if (fieldsOnly) return { status: 200, body: fieldsJson(drive, item) };
  return { status: 200, body: listItemJson(env.json, drive, item, parseExpand(call.query.$expand).has("fields")) };
}

/**
 * `PATCH .../listItem/fields` with `{Column: value}`: 400 `invalidRequest` for an unknown or
 * read-only column or a value outside a choice column's choices; answers the updated fields.
 * Changes the eTag, not the cTag.
 */
export async function patchFields(
  env: GraphEnv,
  call: GraphCall,
  drive: DriveRecord,
  addr: ItemAddress,
): Promise<GraphResult> {
  const item = resolveItem(env, drive, addr);
  if (item.kind === "root") throw invalidRequest("The root of a library has no list item.");
  const body = await call.json();
  env.store.setFields(drive, item, body, call.actor);
  return { status: 200, body: fieldsJson(drive, item) };
}
