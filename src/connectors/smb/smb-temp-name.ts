/**
 * Names of the adapter's temporary upload files. A write lands in
 * `.~scaidrive-<owner key>-<random>.tmp` in the target's own folder (same folder, so the final
 * rename never crosses a volume and needs no extra rights elsewhere) and is renamed over the
 * target once complete. Walks never yield these names and the engine filters them out, so a temp
 * file left by a killed process or a dropped connection is never synced.
 *
 * The owner key (8 hex) identifies who uploads: a stable owner (one connector's sync runs, which
 * never run twice at once) gets a key derived from its name, so its next walk knows a temp file
 * with its key is a leftover and deletes it; an anonymous remote gets a random key per instance.
 * A temp file of another owner may be in flight and is only deleted once stale
 * ({@link TEMP_STALE_AFTER_MS} since its last write or change). Names of the older keyless form
 * `.~scaidrive-<hex>.tmp` are still recognised (and treated as another owner's).
 */
import { createHash, randomBytes } from "node:crypto";

const PREFIX = ".~scaidrive-";
const SUFFIX = ".tmp";
const PATTERN = /^\.~scaidrive-(?:([0-9a-f]{8})-)?[0-9a-z]{8,32}\.tmp$/i;

/** Another owner's temp file older than this (by its latest write/change time) is removed by walks. */
export const TEMP_STALE_AFTER_MS = 60 * 60 * 1000;

/** True for a name (last path segment) the adapter uses for in-flight uploads. */
export function isSmbTempName(name: string): boolean {
  return PATTERN.test(name);
}

/** The owner key of a temp name, or undefined for a keyless (older) or non-temp name. */
export function smbTempOwnerKey(name: string): string | undefined {
  return PATTERN.exec(name)?.[1]?.toLowerCase();
}

/** The 8-hex owner key of a stable owner name (e.g. `connector:<id>`); a random one without. */
export function smbTempKeyFor(owner: string | undefined): string {
  return owner === undefined ? randomBytes(4).toString("hex") : createHash("sha256").update(owner).digest("hex").slice(0, 8);
}

/** A fresh temp name for owner key `key` (16 random hex characters after it). */
export function newSmbTempName(key: string): string {
  return `${PREFIX}${key}-${randomBytes(8).toString("hex")}${SUFFIX}`;
}
