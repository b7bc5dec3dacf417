/**
 * Connector rows: the generic columns every connector has plus `config` (type-specific, plain)
 * and `secrets` (sealed by the caller with the secrets vault; this store never sees plaintext).
 */
import type { Kysely, Selectable } from "kysely";
import type { Database } from "../db/schema.js";
import type { ConnectorsTable } from "../db/sync-tables.js";
import type { PatternSet } from "../../sync/sync-filter.js";
import { newId } from "../../core/ids.js";
import { AppError } from "../../core/errors.js";
import { bool, nowIso, num, parseJson } from "./store-values.js";

export interface ConnectorRecord {
  id: string;
  type: string;
  name: string;
  description: string | null;
  target_share_id: string;
  target_path: string;
  sync_direction: string;
  conflict_resolution: string;
  include_patterns: PatternSet | null;
  exclude_patterns: PatternSet | null;
  sync_hidden_files: boolean;
  sync_system_files: boolean;
  sync_permissions: boolean;
  sync_versions: boolean;
  sync_interval_minutes: number;
  max_delete_percent: number;
  config: Record<string, unknown>;
  /** Sealed secret values by field name. */
  secrets: Record<string, string>;
  status: "enabled" | "disabled";
  status_reason: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export type NewConnector = Omit<ConnectorRecord, "id" | "created_at" | "updated_at" | "status" | "status_reason"> &
  Partial<Pick<ConnectorRecord, "status" | "status_reason">>;

/** Everything but identity, type, target share and creation facts may change. */
export type ConnectorPatch = Partial<
  Omit<ConnectorRecord, "id" | "type" | "target_share_id" | "created_by" | "created_at" | "updated_at">
>;

function toRecord(row: Selectable<ConnectorsTable>): ConnectorRecord {
  const filters = parseJson<{ include_patterns?: PatternSet | null; exclude_patterns?: PatternSet | null }>(
    row.filters,
    {},
  );
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    description: row.description,
    target_share_id: row.target_share_id,
    target_path: row.target_path,
    sync_direction: row.sync_direction,
    conflict_resolution: row.conflict_resolution,
    include_patterns: filters.include_patterns ?? null,
    exclude_patterns: filters.exclude_patterns ?? null,
    sync_hidden_files: bool(row.sync_hidden_files),
    sync_system_files: bool(row.sync_system_files),
    sync_permissions: bool(row.sync_permissions),
    sync_versions: bool(row.sync_versions),
    sync_interval_minutes: num(row.sync_interval_minutes),
    max_delete_percent: num(row.max_delete_percent),
    config: parseJson(row.config, {}),
    secrets: parseJson(row.secrets, {}),
    status: row.status === "disabled" ? "disabled" : "enabled",
    status_reason: row.status_reason,
    created_by: row.created_by,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function toColumns(c: ConnectorPatch): Partial<ConnectorsTable> {
  const out: Partial<ConnectorsTable> = {};
  if (c.name !== undefined) out.name = c.name;
  if (c.description !== undefined) out.description = c.description;
  if (c.target_path !== undefined) out.target_path = c.target_path;
  if (c.sync_direction !== undefined) out.sync_direction = c.sync_direction;
  if (c.conflict_resolution !== undefined) out.conflict_resolution = c.conflict_resolution;
  if (c.sync_hidden_files !== undefined) out.sync_hidden_files = c.sync_hidden_files ? 1 : 0;
  if (c.sync_system_files !== undefined) out.sync_system_files = c.sync_system_files ? 1 : 0;
  if (c.sync_permissions !== undefined) out.sync_permissions = c.sync_permissions ? 1 : 0;
  if (c.sync_versions !== undefined) out.sync_versions = c.sync_versions ? 1 : 0;
  if (c.sync_interval_minutes !== undefined) out.sync_interval_minutes = c.sync_interval_minutes;
  if (c.max_delete_percent !== undefined) out.max_delete_percent = c.max_delete_percent;
  if (c.config !== undefined) out.config = JSON.stringify(c.config);
  if (c.secrets !== undefined) out.secrets = JSON.stringify(c.secrets);
  if (c.status !== undefined) out.status = c.status;
  if (c.status_reason !== undefined) out.status_reason = c.status_reason;
  return out;
}

export class ConnectorStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: NewConnector): Promise<ConnectorRecord> {
    const now = nowIso();
    const id = newId("cnn");
    await this.db
      .insertInto("connectors")
      .values({
        id,
        type: input.type,
        name: input.name,
        description: input.description ?? null,
        target_share_id: input.target_share_id,
        target_path: input.target_path,
        sync_direction: input.sync_direction,
        conflict_resolution: input.conflict_resolution,
        filters: JSON.stringify({
          include_patterns: input.include_patterns ?? null,
          exclude_patterns: input.exclude_patterns ?? null,
        }),
        sync_hidden_files: input.sync_hidden_files ? 1 : 0,
        sync_system_files: input.sync_system_files ? 1 : 0,
        sync_permissions: input.sync_permissions ? 1 : 0,
        sync_versions: input.sync_versions ? 1 : 0,
        sync_interval_minutes: input.sync_interval_minutes,
        max_delete_percent: input.max_delete_percent,
        config: JSON.stringify(input.config ?? {}),
        secrets: JSON.stringify(input.secrets ?? {}),
        status: input.status ?? "enabled",
        status_reason: input.status_reason ?? null,
        created_by: input.created_by,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return (await this.get(id))!;
  }

  async get(id: string): Promise<ConnectorRecord | undefined> {
    const row = await this.db.selectFrom("connectors").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /** Like get, but throws NOT_FOUND. `type` narrows to one connector type (a wrong type is also NOT_FOUND). */
  async require(id: string, type?: string): Promise<ConnectorRecord> {
    const c = await this.get(id);
    if (!c || (type !== undefined && c.type !== type)) throw new AppError("NOT_FOUND", `connector ${id} not found`);
    return c;
  }

  /** Oldest first, keyset-paginated by id (ids are time-ordered ULIDs). */
  async list(options: { type?: string; after?: string; limit?: number } = {}): Promise<ConnectorRecord[]> {
    let q = this.db.selectFrom("connectors").selectAll().orderBy("id");
    if (options.type) q = q.where("type", "=", options.type);
    if (options.after) q = q.where("id", ">", options.after);
    if (options.limit) q = q.limit(options.limit);
    return (await q.execute()).map(toRecord);
  }

  /** Applies the patch; include/exclude patterns replace the stored ones. Throws NOT_FOUND. */
  async update(id: string, patch: ConnectorPatch): Promise<ConnectorRecord> {
    const current = await this.require(id);
    const cols = toColumns(patch);
    if (patch.include_patterns !== undefined || patch.exclude_patterns !== undefined) {
      cols.filters = JSON.stringify({
        include_patterns: patch.include_patterns !== undefined ? patch.include_patterns : current.include_patterns,
        exclude_patterns: patch.exclude_patterns !== undefined ? patch.exclude_patterns : current.exclude_patterns,
      });
    }
    await this.db
      .updateTable("connectors")
      .set({ ...cols, updated_at: nowIso() })
      .where("id", "=", id)
      .execute();
    return this.require(id);
  }

  /** Removes the connector with its mappings, jobs, file-states and cursor (cascade). Idempotent. */
  async delete(id: string): Promise<boolean> {
    await this.db.deleteFrom("identity_mappings").where("connector_id", "=", id).execute();
    await this.db.deleteFrom("file_states").where("connector_id", "=", id).execute();
    await this.db.deleteFrom("sync_cursors").where("connector_id", "=", id).execute();
    const jobs = this.db.selectFrom("sync_jobs").select("id").where("connector_id", "=", id);
    await this.db.deleteFrom("sync_job_entries").where("job_id", "in", jobs).execute();
    await this.db.deleteFrom("sync_jobs").where("connector_id", "=", id).execute();
    const res = await this.db.deleteFrom("connectors").where("id", "=", id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
