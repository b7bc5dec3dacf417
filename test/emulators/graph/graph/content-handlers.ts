import { promoteProperties } from "../content/property-promotion.js";
import { SizeLimitError } from "../content/quick-xor-hash.js";
import type { DriveRecord } from "../content/drive-model.js";
import { isoSeconds } from "../content/graph-ids.js";
import { GraphError, invalidRequest } from "./graph-error.js";
import type { GraphCall, GraphEnv, GraphResult } from "./graph-env.js";
import type { ItemAddress } from "./graph-path.js";
import { itemJson } from "./item-json.js";
import { conflictBehavior, resolveForWrite, resolveItem } from "./item-resolve.js";
import { header } from "./item-handlers.js";
import { notModified } from "./conditional.js";

/**
 * `GET .../content`: 302 with an absolute pre-authenticated URL (Range is honoured there), or
 * 304 when `If-None-Match` names the file's current eTag or cTag.
 */
export function downloadRedirect(env: GraphEnv, call: GraphCall, drive: DriveRecord, addr: ItemAddress): GraphResult {
  const item = resolveItem(env, drive, addr);
  if (item.kind !== "file") throw invalidRequest("The item is not a file; only files have content.");
  const unchanged = notModified(item, header(call, "if-none-match"));
  if (unchanged) return unchanged;
  return {
    status: 302,
    headers: { location: env.links.url({ driveId: drive.id, itemId: item.id, version: item.versions.length - 1 }) },
  };
}

/**
 * Simple upload `PUT .../content`: streams the body to a blob (hashing as it goes), then
 * creates the file (201) or adds a version (200). Bodies above the simple-upload limit answer
 * 413 before anything is stored (by Content-Length, or as soon as the stream passes it).
 * Default conflict behaviour is `replace`; `?@microsoft.graph.conflictBehavior=` overrides.
 */
export async function simpleUpload(
  env: GraphEnv,
  call: GraphCall,
  drive: DriveRecord,
  addr: ItemAddress,
): Promise<GraphResult> {
  const max = env.limits.simpleUploadMax;
  const declared = Number(header(call, "content-length") ?? NaN);
  const tooLarge = (): GraphError =>
    new GraphError(
      413,
      "requestTooLarge",
      `The request body exceeds the ${max}-byte limit of a simple upload; use an upload session.`,
    );
  if (declared > max) {
    call.body.resume();
    throw tooLarge();
  }
  const { parent, name, existing } = resolveForWrite(env, drive, addr, call.actor);
  const conflict = conflictBehavior(call.query["@microsoft.graph.conflictBehavior"], "replace");
  if (existing) {
    env.store.assertIfMatch(existing, header(call, "if-match"));
    env.store.assertNotLockedFor(existing, call.actor);
    if (conflict === "fail") {
      call.body.resume();
      throw new GraphError(409, "nameAlreadyExists", `The specified item name already exists. Name: ${name}`);
    }
  }
  let blob;
  try {
    blob = await env.store.blobs.fromStream(call.body, max);
  } catch (err) {
    if (err instanceof SizeLimitError) throw tooLarge();
    throw err;
  }
  blob = await promoteProperties(env.store.blobs, env.rewriteOnUpload, name, blob);
  // SharePoint derives file.mimeType from the name's extension; the request's Content-Type is ignored.
  const { item, created } = env.store.writeFile(drive, parent, name, blob, call.actor, {
    conflict,
    ifMatch: header(call, "if-match"),
  });
  return { status: created ? 201 : 200, body: itemJson(env.json, drive, item) };
}

/**
 * `POST .../createUploadSession` with `{item: {@microsoft.graph.conflictBehavior, name?,
 * fileSystemInfo?}}`. With `fail`, an existing name answers 409 here already (and again at
 * commit, if it appeared meanwhile). The uploadUrl needs no Authorization header.
 */
export async function createUploadSession(
  env: GraphEnv,
  call: GraphCall,
  drive: DriveRecord,
  addr: ItemAddress,
): Promise<GraphResult> {
  const body = await call.json();
  const item = (body.item ?? {}) as Record<string, unknown>;
  const target = resolveForWrite(env, drive, addr, call.actor);
  const conflict = conflictBehavior(item["@microsoft.graph.conflictBehavior"], "replace");
  const name = typeof item.name === "string" && addr.path === undefined && !target.existing ? item.name : target.name;
  if (target.existing) {
    env.store.assertIfMatch(target.existing, header(call, "if-match"));
    env.store.assertNotLockedFor(target.existing, call.actor);
    if (conflict === "fail")
      throw new GraphError(409, "nameAlreadyExists", `The specified item name already exists. Name: ${name}`);
    if (target.existing.kind !== "file")
      throw new GraphError(409, "nameAlreadyExists", `A folder with the name ${name} already exists.`);
  }
  const session = env.uploads.create({
    driveId: drive.id,
    parentId: target.parent.id,
    name,
    conflict,
    fileSystemInfo: item.fileSystemInfo as { createdDateTime?: string; lastModifiedDateTime?: string } | undefined,
    ifMatch: header(call, "if-match"),
    actor: call.actor,
  });
  return {
    status: 200,
    body: {
      "@odata.context": `${env.baseUrl()}/v1.0/$metadata#microsoft.graph.uploadSession`,
      uploadUrl: `${env.baseUrl()}/_upload/${session.id}`,
      expirationDateTime: isoSeconds(session.expires),
      nextExpectedRanges: ["0-"],
    },
  };
}
