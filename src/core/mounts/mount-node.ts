import { createHash } from "node:crypto";
import type { Node } from "../node-types.js";
import type { RemoteEntry } from "../../sync/remote.js";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * The node id of a remote item seen through a mount: `fil_` + 26 Crockford base32 characters of
 * SHA-256(connector id, remote id) — the §5 id shape, stable as long as the remote keeps its id
 * (SMB file id, Graph item id; renames keep it), and the same through every mount of the connector.
 * Without a remote id the remote path stands in. These ids are not stored: `GET /files/{id}`
 * does not know them (it answers 404).
 */
export function mountNodeId(connectorId: string, entry: Pick<RemoteEntry, "id" | "path">): string {
  const digest = createHash("sha256")
    .update(`${connectorId}\u0000${entry.id ?? `path:${entry.path}`}`)
    .digest();
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
    if (out.length === 26) break;
  }
  return `fil_${out}`;
}

/**
 * A remote entry in the §5 node shape. `sha256` only when the remote reports one without reading;
 * `current_version_id` is null (mounted files have no ScaiDrive versions); `owner_id` is null;
 * both timestamps are the remote's modification time.
 */
export function mountNode(shareId: string, connectorId: string, sharePath: string, entry: RemoteEntry): Node {
  const at = new Date(Number.isFinite(entry.mtimeMs) && entry.mtimeMs > 0 ? entry.mtimeMs : 0).toISOString();
  const name = sharePath.slice(sharePath.lastIndexOf("/") + 1);
  return {
    id: mountNodeId(connectorId, entry),
    share_id: shareId,
    path: sharePath,
    name,
    type: entry.kind,
    size: entry.kind === "file" ? entry.size : 0,
    sha256: entry.hashes?.sha256 ?? null,
    current_version_id: null,
    owner_id: null,
    created_at: at,
    modified_at: at,
  };
}

/** A strong ETag for a mounted file's current content: the SHA-256 when known, else derived from the fingerprint. */
export function mountEtag(entry: RemoteEntry): string {
  if (entry.hashes?.sha256) return `"${entry.hashes.sha256}"`;
  return `"m-${createHash("sha256").update(entry.fingerprint).digest("hex").slice(0, 40)}"`;
}
