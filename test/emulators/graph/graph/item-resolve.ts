import type { Actor, DriveRecord, ItemRecord } from "../content/drive-model.js";
import { GraphError } from "./graph-error.js";
import type { GraphEnv } from "./graph-env.js";
import type { ItemAddress } from "./graph-path.js";

/** The live item an address names; 404 `itemNotFound` otherwise. */
export function resolveItem(env: GraphEnv, drive: DriveRecord, addr: ItemAddress): ItemRecord {
  const base = "root" in addr.base ? env.store.root(drive) : env.store.getItem(drive, addr.base.id);
  return addr.path ? env.store.resolvePath(drive, base, addr.path) : base;
}

/**
 * For writes by path (`/root:/a/new.docx:/content`): the parent folder and the new item's name.
 * With an `actor`, missing folders on the path are created (as Graph does for path-addressed
 * uploads); without, a missing folder is 404. For an address without a path, the item itself
 * is the target.
 */
export function resolveForWrite(
  env: GraphEnv,
  drive: DriveRecord,
  addr: ItemAddress,
  actor?: Actor,
): { parent: ItemRecord; name: string; existing?: ItemRecord } {
  if (!addr.path) {
    const item = resolveItem(env, drive, addr);
    if (item.parentId === null) throw new GraphError(400, "invalidRequest", "Content cannot be written to the root.");
    return { parent: env.store.getItem(drive, item.parentId), name: item.name, existing: item };
  }
  const parts = addr.path.split("/").filter(Boolean);
  const name = parts.pop();
  if (!name) throw new GraphError(400, "invalidRequest", "A file name is required.");
  let parent = resolveItem(env, drive, { base: addr.base });
  for (const part of parts) {
    parent =
      env.store.childByName(drive, parent, part) ??
      (actor ? env.store.createFolder(drive, parent, part, actor) : notFoundParent());
  }
  if (parent.kind === "file") throw new GraphError(400, "invalidRequest", "The parent item is not a folder.");
  return { parent, name, existing: env.store.childByName(drive, parent, name) };
}

export function conflictBehavior(
  value: unknown,
  fallback: "fail" | "replace" | "rename",
): "fail" | "replace" | "rename" {
  if (value === undefined || value === null || value === "") return fallback;
  if (value === "fail" || value === "replace" || value === "rename") return value;
  throw new GraphError(400, "invalidRequest", `Invalid value for @microsoft.graph.conflictBehavior: ${String(value)}`);
}

/** Parses `$expand=children($select=id,name),listItem($expand=fields)` into name → inner options. */
export function parseExpand(expand: string | undefined): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  if (!expand) return out;
  let depth = 0;
  let cur = "";
  const parts: string[] = [];
  for (const ch of expand) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (cur) parts.push(cur);
  for (const part of parts) {
    const m = /^\s*([A-Za-z]+)\s*(?:\((.*)\))?\s*$/.exec(part);
    if (!m) throw new GraphError(400, "invalidRequest", `Invalid $expand: ${expand}`);
    const inner: Record<string, string> = {};
    for (const opt of (m[2] ?? "").split(";").filter(Boolean)) {
      const eq = opt.indexOf("=");
      inner[opt.slice(0, eq).trim()] = opt.slice(eq + 1).trim();
    }
    out.set(m[1], inner);
  }
  return out;
}

/** `$top` as a positive integer (capped at `max`), or the default. */
export function parseTop(value: string | undefined, fallback: number, max = 1000): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new GraphError(400, "invalidRequest", `Invalid $top: ${value}`);
  return Math.min(n, max);
}

function notFoundParent(): never {
  throw new GraphError(404, "itemNotFound", "The parent folder does not exist.");
}
