/**
 * Tables of the sync area (see schema.ts). Column names are snake_case, timestamps RFC 3339 text,
 * booleans 0/1 integers and JSON as text so the same SQL runs on SQLite and PostgreSQL. Counters
 * and sizes are BIGINT (PostgreSQL hands them back as strings; the stores convert).
 */
import type { ColumnType } from "kysely";

/** BIGINT with a default: optional on insert. */
type BigIntColumn = ColumnType<number | string, number | string | undefined, number>;

export interface ConnectorsTable {
  id: string;
  /** Registered connector type: "smb", "sharepoint"... */
  type: string;
  name: string;
  description: string | null;
  target_share_id: string;
  target_path: string;
  /** Stored in the connector's own spelling (`smb_to_scaidrive`). */
  sync_direction: string;
  conflict_resolution: string;
  /** JSON `{include_patterns, exclude_patterns}`. */
  filters: string;
  sync_hidden_files: number;
  sync_system_files: number;
  sync_permissions: number;
  sync_versions: number;
  sync_interval_minutes: number;
  max_delete_percent: number;
  /** Type-specific, non-secret configuration (JSON object). */
  config: string;
  /** Sealed secrets (JSON object of vault ciphertexts); never returned by the API. */
  secrets: string;
  status: string;
  status_reason: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface IdentityMappingsTable {
  id: string;
  connector_id: string;
  identity_type: string;
  remote_principal: string;
  scaidrive_principal_id: string;
  created_at: string;
  /** How the remote names the principal, for display only (migration 0104). */
  remote_display_name: string | null;
}

export interface SyncJobsTable {
  id: string;
  connector_id: string;
  status: string;
  trigger: string;
  full_sync: ColumnType<number, number | undefined, number>;
  dry_run: ColumnType<number, number | undefined, number>;
  force: ColumnType<number, number | undefined, number>;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
  files_scanned: BigIntColumn;
  files_synced: BigIntColumn;
  bytes_transferred: BigIntColumn;
  error_count: BigIntColumn;
  files_total: BigIntColumn;
  bytes_total: BigIntColumn;
  files_done: BigIntColumn;
  bytes_done: BigIntColumn;
  error_code: string | null;
  error_message: string | null;
  skip_reason: string | null;
  /** The node running the job (migration 0120); null while it waits to be claimed. */
  claimed_by: ColumnType<string | null, string | null | undefined, string | null>;
  /** Kind-specific parameters as JSON (push/pull: after_copy, path); null for syncs. */
  params: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface SyncJobEntriesTable {
  job_id: string;
  seq: number;
  at: string;
  action: string;
  path: string;
  result: string;
  error_code: string | null;
  error_message: string | null;
  bytes: BigIntColumn;
  detail: string | null;
}

export interface FileStatesTable {
  connector_id: string;
  /** Relative path as the remote spells it. */
  path: string;
  kind: string;
  /** 1 when the row is a valid base (both sides were in step); 0 for an error-only row. */
  synced: number;
  remote_id: string | null;
  remote_fingerprint: string | null;
  remote_mtime_ms: BigIntColumn | null;
  remote_size: BigIntColumn | null;
  scaidrive_node_id: string | null;
  /** The ScaiDrive side's fingerprint: its current version id. */
  scaidrive_version_id: string | null;
  sha256: string | null;
  last_synced_at: string | null;
  last_error_code: string | null;
  last_error: string | null;
  /** Adapter extras (eTag, cTag, quickXorHash...) as JSON. */
  extra: string | null;
  /**
   * A standing state of the path that is not an error (migration 0102): `out_of_scope`,
   * `kept_on_remote`, `kept_on_scaidrive`; `note` says it in words. Null for ordinary rows.
   */
  note_code: ColumnType<string | null, string | null | undefined, string | null>;
  note: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface SyncCursorsTable {
  connector_id: string;
  cursor: string;
  updated_at: string;
  /** The filter the listing behind the cursor was taken under (migration 0102). */
  scope_key: ColumnType<string | null, string | null | undefined, string | null>;
}

/** One change of a connector's configuration (migration 0101); field names only, never values. */
export interface ConnectorAuditTable {
  id: string;
  connector_id: string;
  connector_type: string;
  at: string;
  /** The user who made the change (`usr_…`), or "system". */
  actor_id: string;
  /** created | updated | deleted */
  action: string;
  /** JSON array of the fields the request set. */
  fields: string;
  /** JSON array of the fields among them that decide where the stored secrets go. */
  scope_fields: string;
  /** JSON array of stored secrets the change dropped. */
  secrets_dropped: string;
}

/** One row of a sync run's working set (migration 0103): a listed item of a side, or a base row. */
export interface SyncRunRowsTable {
  run_id: string;
  /** `r` remote, `s` ScaiDrive, `b` base (file-state). */
  src: string;
  seq: BigIntColumn;
  /** The key with "/" encoded as U+0001: a subtree sorts right after its folder. */
  sort_key: string;
  /** The path as that source spells it. */
  path: string;
  kind: string;
  /** r/s: the entry's id; b: the remote id. */
  item_id: string | null;
  /** b: the ScaiDrive node id. */
  item_id2: string | null;
  /** r/s: why the filter leaves the item out (null: in scope). */
  scope: string | null;
  /** 1 for entries the planner set aside (names that collide, and what is below them). */
  blocked: ColumnType<number, number | undefined, number>;
  /** The entry (or base row and note) as JSON, without its path. */
  body: string;
}

/** One planned action of a sync run (migration 0103); phases run in order. */
export interface SyncRunActionsTable {
  run_id: string;
  phase: number;
  seq: BigIntColumn;
  body: string;
}

/** A named lease held by one node until `expires_at` (migration 0120): the scheduler's leadership. */
export interface ClusterLeasesTable {
  name: string;
  holder: string;
  expires_at: string;
}

export interface SyncTables {
  cluster_leases: ClusterLeasesTable;
  connectors: ConnectorsTable;
  identity_mappings: IdentityMappingsTable;
  sync_jobs: SyncJobsTable;
  sync_job_entries: SyncJobEntriesTable;
  file_states: FileStatesTable;
  sync_cursors: SyncCursorsTable;
  connector_audit: ConnectorAuditTable;
  sync_run_rows: SyncRunRowsTable;
  sync_run_actions: SyncRunActionsTable;
}
