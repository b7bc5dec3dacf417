import { createHash } from "node:crypto";
import type { FileCreation } from "../../../src/store/core/file-creation-statement.js";
import { nodeStore, type NodeRecord } from "../../../src/store/core/node-store.js";
import { openPostgres, type TestDatabase } from "../../sync/helpers/test-databases.js";

/** The share every record below belongs to. */
const SHARE_ID = "shr_F";
const AT = "2026-01-02T03:04:05.000Z";
let seq = 0;
const nextId = (prefix: string) => `${prefix}_${String(++seq).padStart(26, "0")}`;

/** A folder record below `parent` (the root when `parent` is null). */
export function folderNode(parent: NodeRecord | null, name: string): NodeRecord {
  return {
    id: nextId("fil"),
    share_id: SHARE_ID,
    parent_id: parent?.id ?? null,
    name,
    name_key: name.toLowerCase(),
    path: parent ? `${parent.path === "/" ? "" : parent.path}/${name}` : "/",
    type: "folder",
    size: 0,
    sha256: null,
    current_version_id: null,
    owner_id: null,
    created_at: AT,
    modified_at: AT,
    acl_inherit: true,
    metadata: "{}",
  };
}

/** A file to create below `chain` (root first, parent last), inline unless `inline` is false. */
export function fileCreation(chain: NodeRecord[], name: string, content: Buffer, inline = true): FileCreation {
  const parent = chain[chain.length - 1]!;
  const sha256 = createHash("sha256").update(content).digest("hex");
  const fileId = nextId("fil");
  const versionId = nextId("ver");
  return {
    file: {
      ...folderNode(parent, name),
      id: fileId,
      type: "file",
      size: content.length,
      sha256,
      current_version_id: versionId,
    },
    version: { id: versionId, file_id: fileId, size: content.length, sha256, author_id: null, created_at: AT },
    inlineData: inline ? content : undefined,
    ancestors: chain.filter((n) => n.parent_id !== null).map((n) => ({ id: n.id, path: n.path })),
  };
}

/** A fresh PostgreSQL schema holding one share and its root folder. */
export async function openPgShare(): Promise<TestDatabase & { root: NodeRecord }> {
  const database = await openPostgres();
  const { db } = database.handle;
  await db
    .insertInto("shares")
    .values({ id: SHARE_ID, name: "F", description: null, created_by: "usr_x", created_at: AT })
    .execute();
  const root = folderNode(null, "");
  await nodeStore.insert(db, root);
  return { ...database, root };
}
