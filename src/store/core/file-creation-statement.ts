import { sql, type RawBuilder } from "kysely";
import type { NodeRecord } from "./node-store.js";
import type { VersionRecord } from "./version-store.js";

/** A file to create with its first version: see nodeStore.insertFilesWithVersions. */
export interface FileCreation {
  file: NodeRecord;
  version: VersionRecord;
  /** The content when it is kept in the database (inline_blobs), else undefined. */
  inlineData: Buffer | undefined;
  /** The folders above the file (not the root) with the paths the caller resolved them at. */
  ancestors: readonly { id: string; path: string }[];
}

/**
 * PostgreSQL's one statement that creates files, their versions and inline blobs (see
 * nodeStore.insertFilesWithVersions); returns the ids of the files it inserted.
 */
export function fileCreationStatement(items: readonly FileCreation[]): RawBuilder<{ id: string }> {
  const anc = items.flatMap((it, i) => it.ancestors.map((a) => ({ i, id: a.id, path: a.path })));
  // Inline content travels as one binary parameter (pg sends a Buffer as bytes; a bytea[] would go
  // as hex text for PostgreSQL to parse) and each file names its slice of it.
  let offset = 0;
  const rows = items.map((it, i) => {
    const len = it.inlineData?.length;
    const row = {
      i,
      id: it.file.id,
      share_id: it.file.share_id,
      parent_id: it.file.parent_id,
      name: it.file.name,
      name_key: it.file.name_key,
      path: it.file.path,
      size: it.file.size,
      sha256: it.file.sha256,
      version_id: it.file.current_version_id,
      owner_id: it.file.owner_id,
      created_at: it.file.created_at,
      modified_at: it.file.modified_at,
      author_id: it.version.author_id,
      version_created_at: it.version.created_at,
      off: len === undefined ? null : offset,
      len: len ?? null,
    };
    offset += len ?? 0;
    return row;
  });
  const content = Buffer.concat(
    items.flatMap((it) => (it.inlineData ? [it.inlineData] : [])),
    offset,
  );
  // The rows arrive as JSON rather than arrays: json_to_recordset's row estimate does not depend on
  // the value, so after a few runs PostgreSQL keeps one generic plan for this statement instead of
  // planning it again on every call (planning was ~40% of its cost with unnest, whose estimate
  // follows each array's length and so made every custom plan look cheaper than the generic one).
  return sql<{ id: string }>`with anc as (
      select * from json_to_recordset(cast(${JSON.stringify(anc)} as json)) as a(i integer, id varchar, path text)
    ), chain as (
      -- Lateral, so the folders are fetched by key whatever the generic plan's row estimates say
      -- (with 100 estimated rows a small nodes table was read whole and hashed on every call).
      select n.id, n.path from (select distinct id from anc) a
      cross join lateral (select id, path from nodes where nodes.id = a.id for share) n
    ), moved as (
      select distinct anc.i from anc left join chain on chain.id = anc.id and chain.path = anc.path
      where chain.id is null
    ), items as (
      select t.*, case when t.len is null then null else substring(cast(${content} as bytea) from t.off + 1 for t.len)
        end as data
      from json_to_recordset(cast(${JSON.stringify(rows)} as json)) as t(i integer, id varchar, share_id varchar,
        parent_id varchar, name varchar, name_key varchar, path text, size bigint, sha256 varchar,
        version_id varchar, owner_id varchar, created_at varchar, modified_at varchar, author_id varchar,
        version_created_at varchar, off integer, len integer)
    ), ins as (
      insert into nodes (id, share_id, parent_id, name, name_key, path, type, size, sha256, current_version_id,
        owner_id, created_at, modified_at, acl_inherit, metadata)
      select id, share_id, parent_id, name, name_key, path, 'file', size, sha256, version_id, owner_id, created_at,
        modified_at, 1, '{}' from items where i not in (select i from moved)
      on conflict (parent_id, name) do nothing
      returning id
    ), ver as (
      insert into versions (id, file_id, size, sha256, author_id, created_at)
      select items.version_id, items.id, items.size, items.sha256, items.author_id, items.version_created_at
      from items join ins on ins.id = items.id
    ), blob as (
      insert into inline_blobs (sha256, data)
      select distinct on (items.sha256) items.sha256, items.data from items join ins on ins.id = items.id
      where items.data is not null
      on conflict (sha256) do update set sha256 = excluded.sha256
    )
    select id from ins`;
}
