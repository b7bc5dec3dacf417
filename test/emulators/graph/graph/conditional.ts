import { ctagOf, etagOf } from "../content/content-store.js";
import type { ItemRecord } from "../content/drive-model.js";
import type { GraphResult } from "./graph-env.js";

/** Entity tags of a header value: `*`, or quoted tags (which contain commas: `"{GUID},3"`). */
function listedTags(value: string): string[] {
  const tags = value.match(/\*|(?:W\/)?"[^"]*"/g);
  // An unquoted value is taken whole, as clients that echo the tag without quotes expect.
  return tags ? tags.map((t) => t.replace(/^W\//, "")) : [value.trim()];
}

/**
 * `If-None-Match` on a GET of an item or its content: when a listed tag (or `*`) is the item's
 * current eTag — or, for a file, its cTag — Graph answers 304 Not Modified with no body.
 * Answers undefined when the request should be served.
 */
export function notModified(item: ItemRecord, ifNoneMatch: string | undefined): GraphResult | undefined {
  if (!ifNoneMatch?.trim()) return undefined;
  const current = [etagOf(item), ...(item.kind === "file" ? [ctagOf(item)] : [])];
  const hit = listedTags(ifNoneMatch).some((t) => t === "*" || current.includes(t));
  return hit ? { status: 304, headers: { etag: etagOf(item) } } : undefined;
}
