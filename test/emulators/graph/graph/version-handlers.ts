import type { DriveRecord, FileVersion, ItemRecord } from "../content/drive-model.js";
import { isoSeconds } from "../content/graph-ids.js";
import { GraphError, invalidRequest } from "./graph-error.js";
import type { GraphEnv, GraphResult } from "./graph-env.js";
import type { ItemAddress } from "./graph-path.js";
import { identitySet } from "./item-json.js";
import { resolveItem } from "./item-resolve.js";

export function versionJson(v: FileVersion): Record<string, unknown> {
  return {
    id: v.id,
    lastModifiedDateTime: isoSeconds(v.modifiedAt),
    size: v.blob.size,
    lastModifiedBy: identitySet(v.modifiedBy),
  };
}

/** `GET .../versions`: newest first, the current version included (as SharePoint lists it). */
export function listVersions(env: GraphEnv, drive: DriveRecord, addr: ItemAddress): GraphResult {
  const item = resolveItem(env, drive, addr);
  if (item.kind !== "file") throw invalidRequest("Versions exist only for files.");
  const value = [...item.versions].reverse().map(versionJson);
  return {
    status: 200,
    body: {
      "@odata.context": `${env.baseUrl()}/v1.0/$metadata#drives('${drive.id}')/items('${item.id}')/versions`,
      value,
    },
  };
}

function findVersion(item: ItemRecord, vid: string): number {
  const index = item.versions.findIndex((v) => v.id === vid || (vid === "current" && v === item.versions.at(-1)));
  if (index < 0) throw new GraphError(404, "itemNotFound", `Version ${vid} was not found.`);
  return index;
}

export function getVersion(env: GraphEnv, drive: DriveRecord, addr: ItemAddress, vid: string): GraphResult {
  const item = resolveItem(env, drive, addr);
  return { status: 200, body: versionJson(item.versions[findVersion(item, vid)]) };
}

/** `GET .../versions/{vid}/content`: 302 to a pre-authenticated URL for that version. */
export function versionContent(env: GraphEnv, drive: DriveRecord, addr: ItemAddress, vid: string): GraphResult {
  const item = resolveItem(env, drive, addr);
  const index = findVersion(item, vid);
  return { status: 302, headers: { location: env.links.url({ driveId: drive.id, itemId: item.id, version: index }) } };
}
