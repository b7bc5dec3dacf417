import type { NodeRecord } from "../store/core/node-store.js";
import type { VersionRecord } from "../store/core/version-store.js";

/** A folder or file as the API shows it (design §5). Folders have size 0 and null content fields. */
export interface Node {
  id: string;
  share_id: string;
  path: string;
  name: string;
  type: "file" | "folder";
  size: number;
  sha256: string | null;
  current_version_id: string | null;
  owner_id: string | null;
  created_at: string;
  modified_at: string;
}

export interface Version {
  id: string;
  size: number;
  sha256: string;
  author_id: string | null;
  created_at: string;
}

export function toNode(r: NodeRecord): Node {
  return {
    id: r.id,
    share_id: r.share_id,
    path: r.path,
    name: r.name,
    type: r.type,
    size: r.size,
    sha256: r.sha256,
    current_version_id: r.current_version_id,
    owner_id: r.owner_id,
    created_at: r.created_at,
    modified_at: r.modified_at,
  };
}

export function toVersion(v: VersionRecord): Version {
  return { id: v.id, size: v.size, sha256: v.sha256, author_id: v.author_id, created_at: v.created_at };
}

/** Source of file content: a Node stream (an HTTP request) or any async iterable of bytes. */
export type ContentSource = NodeJS.ReadableStream | AsyncIterable<Uint8Array>;
