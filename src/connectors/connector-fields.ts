/**
 * The common connector fields — the ones every connector type has, beside its definition's own
 * configuration — as one table. Each field is spelled once here, with its JSON schema (help
 * text included), its default on create, who sees it in a read and how it is stored in the
 * connector record; the create and patch body schemas, the read schema, the read view and the
 * record written on create and on PATCH are all derived from the table.
 *
 * Column flags are the exception the table also describes: a sync flag with its own `connectors`
 * column (`sync_versions`) exists for a type only when the type's `configSchema` declares it, so its
 * schema and default come from the definition, while its value lives in the column (the one
 * source of truth) and never in `config`.
 */
import { AppError } from "../core/errors.js";
import type { ConnectorPatch, ConnectorRecord, NewConnector } from "../store/sync/connector-store.js";
import type { SecretsVault } from "../store/secrets/secrets-vault.js";
import { conflictValues, directionValues, DEFAULT_MAX_DELETE_PERCENT } from "../sync/sync-options.js";
import { nextRunDue } from "../sync/sync-schedule.js";
import { configView, openConfig, type ConnectorDefinition, type OpenConfig } from "./connector-definition.js";

export type Json = Record<string, unknown>;

const nullable = (s: Json): Json => ({ ...s, nullable: true });

export const PatternSet: Json = {
  type: "object",
  additionalProperties: false,
  properties: {
    extensions: {
      type: "array",
      maxItems: 1000,
      items: { type: "string", minLength: 1, maxLength: 64 },
      description: "file extensions, with or without the dot, case-insensitive",
    },
    // Matching costs up to (pattern length × path length) per glob and entry, so the product of
    // these two bounds is what a connector can make every entry of a sync cost.
    patterns: {
      type: "array",
      maxItems: 200,
      items: { type: "string", minLength: 1, maxLength: 512 },
      description:
        "globs (* ? [abc] **), at most 200 of at most 512 characters; " +
        "without / they match names, with / relative paths",
    },
  },
};

/** The record columns a common field writes. */
type FieldColumns = Partial<Omit<NewConnector, "type" | "config" | "secrets" | "created_by">>;

export interface CommonField {
  /** The API name (request bodies and reads). */
  name: string;
  /** Request and read schema with help text; type-specific wording comes from `def`. */
  schema(def: ConnectorDefinition): Json;
  /** Must be sent on create. */
  required?: boolean;
  /** Value on create when the body leaves the field out. */
  createDefault?(def: ConnectorDefinition): unknown;
  /** PATCH refuses a different value with 409 IMMUTABLE_FIELD. */
  immutable?: boolean;
  /**
   * Only the connector's managers see the field in a read (what names the remote's layout: the
   * filters); everyone who may see the connector sees the others.
   */
  managersOnly?: boolean;
  /** The field's value in a read of `c`. */
  read(c: ConnectorRecord): unknown;
  /** The record columns that store `value` (a request value, or the create default). */
  store(value: unknown): FieldColumns;
}

/** Record columns a common field may be stored in under its own name. */
type SameNameColumn = Exclude<keyof FieldColumns, "status" | "status_reason">;

/** A field stored in the record column of the same name (read as stored, written as sent). */
function column(
  name: SameNameColumn,
  f: Omit<CommonField, "name" | "read" | "store"> & Partial<Pick<CommonField, "store">>,
): CommonField {
  return { name, read: (c) => c[name], store: (v) => ({ [name]: v }), ...f };
}

/** "/a//b/" → "/a/b". @throws VALIDATION_FAILED (field target_path) for "." or ".." segments. */
export function normalizeTargetPath(p: string): string {
  const segs = p.split("/").filter((s) => s !== "");
  if (segs.some((s) => s === "." || s === "..")) {
    throw new AppError("VALIDATION_FAILED", "target_path must not contain '.' or '..' segments", {
      field: "target_path",
    });
  }
  return "/" + segs.join("/");
}

/** Who set `enabled: false`: a PATCH or create saying so disables the connector for good. */
export const DISABLED_BY_ADMIN = "disabled by an administrator";

/** The table. Its order is the order of the fields in schemas (and so in the OpenAPI document and in JSON answers). */
export const COMMON_FIELDS: readonly CommonField[] = [
  column("name", {
    schema: () => ({ type: "string", minLength: 1, maxLength: 200, description: "Display name" }),
    required: true,
  }),
  column("description", {
    schema: () => nullable({ type: "string", maxLength: 4000, description: "Display description" }),
    createDefault: () => null,
    store: (v) => ({ description: (v as string | null | undefined) ?? null }),
  }),
  column("target_share_id", {
    schema: () => ({
      type: "string",
      pattern: "^shr_[0-9A-HJKMNP-TV-Z]{26}$",
      description: "ScaiDrive share to mirror into (immutable; needs MANAGE_PERMISSIONS on it)",
    }),
    required: true,
    immutable: true,
  }),
  column("target_path", {
    schema: () => ({
      type: "string",
      minLength: 1,
      maxLength: 4096,
      pattern: "^/",
      description: "Absolute folder inside the target share (created if missing); default /",
    }),
    createDefault: () => "/",
    store: (v) => ({ target_path: normalizeTargetPath(v as string) }),
  }),
  column("sync_direction", {
    schema: (def) => ({
      type: "string",
      enum: directionValues(def.remoteName),
      description:
        `One of ${directionValues(def.remoteName).join(", ")}; default ${def.defaultDirection} (${def.remoteName.toUpperCase()} authoritative: ` +
        `nothing ` +
        `in ScaiDrive can damage the original)`,
    }),
    createDefault: (def) => def.defaultDirection,
  }),
  column("conflict_resolution", {
    schema: (def) => ({
      type: "string",
      enum: conflictValues(def.remoteName),
      description: `Bidirectional conflicts: ${conflictValues(def.remoteName).join(", ")}; default LAST_WRITER_WINS`,
    }),
    createDefault: () => "LAST_WRITER_WINS",
  }),
  column("sync_permissions", {
    schema: (def) => ({
      type: "boolean",
      description: `Translate ${def.title} ACLs and owners into ScaiDrive through identity mappings; default false`,
    }),
    createDefault: () => false,
  }),
  column("sync_hidden_files", {
    schema: () => ({ type: "boolean", description: "Sync hidden files and folders; default false" }),
    createDefault: () => false,
  }),
  column("sync_system_files", {
    schema: () => ({ type: "boolean", description: "Sync system files and folders; default false" }),
    createDefault: () => false,
  }),
  column("include_patterns", {
    schema: () =>
      nullable({ ...PatternSet, description: "Whitelist {extensions, patterns} for files; empty/null = everything" }),
    createDefault: () => null,
    managersOnly: true,
  }),
  column("exclude_patterns", {
    schema: () =>
      nullable({ ...PatternSet, description: "Blacklist {extensions, patterns} for files and folders; default null" }),
    createDefault: () => null,
    managersOnly: true,
  }),
  column("sync_interval_minutes", {
    schema: () => ({
      type: "integer",
      minimum: 0,
      maximum: 525600,
      description: "Minutes between scheduled runs; 0 (default) disables scheduled runs (manual syncs only)",
    }),
    createDefault: () => 0,
  }),
  column("max_delete_percent", {
    schema: () => ({
      type: "integer",
      minimum: 0,
      maximum: 100,
      description:
        `A run that would delete more than this share of the ` +
        `tracked files on either side stops ` +
        `with SYNC_SAFETY_ABORT (override with ?force=true); default ${DEFAULT_MAX_DELETE_PERCENT}`,
    }),
    createDefault: () => DEFAULT_MAX_DELETE_PERCENT,
  }),
  {
    name: "enabled",
    schema: () => ({
      type: "boolean",
      description: "false stops scheduled runs (recorded as skipped) and refuses manual ones; default true",
    }),
    createDefault: () => true,
    read: (c) => c.status === "enabled",
    store: (v) =>
      v ? { status: "enabled", status_reason: null } : { status: "disabled", status_reason: DISABLED_BY_ADMIN },
  },
];

/**
 * Common sync flags that have their own `connectors` column. A definition opts in by declaring the
 * flag in its configSchema (so the API field exists for that type only); the connector service then
 * stores it in the column — the one source of truth — and never in `config`.
 */
export const COLUMN_SYNC_FLAGS = ["sync_versions"] as const;
export type ColumnSyncFlag = (typeof COLUMN_SYNC_FLAGS)[number];

/** The column flags `def` declares. */
export function columnFlagsOf(def: ConnectorDefinition): ColumnSyncFlag[] {
  return COLUMN_SYNC_FLAGS.filter((k) => k in (def.configSchema.properties as Record<string, unknown>));
}

/** What the definition's code sees: its opened config with the declared column flags filled from their columns. */
export function effectiveConfig(def: ConnectorDefinition, connector: ConnectorRecord, vault: SecretsVault): OpenConfig {
  const out = openConfig(def, connector, vault);
  for (const k of columnFlagsOf(def)) out[k] = connector[k];
  return out;
}

/** A column flag's value on create: the request's, else the definition's schema default, else false. */
function columnFlagOnCreate(def: ConnectorDefinition, k: ColumnSyncFlag, body: Json): boolean {
  if (typeof body[k] === "boolean") return body[k] as boolean;
  return ((def.configSchema.properties as Record<string, { default?: unknown }>)[k]?.default ?? false) === true;
}

function withoutDefault(s: Json): Json {
  const { default: _d, ...rest } = s;
  return rest;
}

/**
 * Request body schemas of a type: every common field, then the type's own fields. Create requires
 * the required ones and applies schema defaults; PATCH has no required field and no defaults.
 */
export function bodySchemas(def: ConnectorDefinition): { create: Json; patch: Json } {
  const typeProps = def.configSchema.properties as Record<string, Json>;
  const typeRequired = (def.configSchema as unknown as { required?: string[] }).required ?? [];
  const createProps: Record<string, Json> = {};
  const patchProps: Record<string, Json> = {};
  for (const f of COMMON_FIELDS) {
    createProps[f.name] = f.schema(def);
    patchProps[f.name] = f.schema(def);
  }
  for (const [k, s] of Object.entries(typeProps)) {
    if (def.derivedFields?.includes(k)) continue;
    createProps[k] = { ...s };
    patchProps[k] = withoutDefault({ ...s });
  }
  const required = [...COMMON_FIELDS.filter((f) => f.required).map((f) => f.name), ...typeRequired];
  return {
    create: { type: "object", additionalProperties: false, required, properties: createProps },
    // No minProperties: `{}` is a save without changes, which re-enables a connector an auth failure disabled.
    patch: { type: "object", additionalProperties: false, properties: patchProps },
  };
}

/**
 * The read schema of a type: identity, the common fields, the type's fields (secrets as `<field>_set`), state and
 * creation facts.
 */
export function connectorReadSchema(def: ConnectorDefinition): Json {
  const props: Record<string, Json> = {
    id: { type: "string" },
    type: { type: "string" },
  };
  for (const f of COMMON_FIELDS) props[f.name] = withoutDefault(f.schema(def));
  for (const [k, s] of Object.entries(def.configSchema.properties as Record<string, Json>)) {
    if (def.requestOnlyFields?.includes(k)) continue;
    if (def.secretFields.includes(k))
      props[`${k}_set`] = { type: "boolean", description: `true when a ${k} is stored (it is never returned)` };
    else props[k] = withoutDefault(s);
  }
  Object.assign(props, def.serverFields?.properties ?? {});
  props.status_reason = nullable({ type: "string" });
  props.next_run_at = nullable({
    type: "string",
    format: "date-time",
    description:
      "When the scheduler starts the next run: sync_interval_minutes after the newest job (or the creation); " +
      "null when sync_interval_minutes is 0 or the connector is disabled. A time in the past: due at the next tick",
  });
  props.created_by = { type: "string" };
  props.created_at = { type: "string", format: "date-time" };
  props.updated_at = { type: "string", format: "date-time" };
  return { type: "object", properties: props };
}

/**
 * A connector as a caller may see it: managers (`full`) get every field; readers get what the
 * connector does and its state, not where it connects or as whom (host, share, user, site…), nor
 * its filters. `newestJobCreatedAt` (undefined before the first job) anchors `next_run_at`.
 */
export function connectorView(
  def: ConnectorDefinition,
  c: ConnectorRecord,
  full: boolean,
  newestJobCreatedAt: string | undefined,
): Json {
  const out: Json = { id: c.id, type: c.type };
  for (const f of COMMON_FIELDS) if (full || !f.managersOnly) out[f.name] = f.read(c);
  out.status_reason = c.status_reason;
  const due = nextRunDue(c, newestJobCreatedAt);
  out.next_run_at = due === null ? null : new Date(due).toISOString();
  if (full) Object.assign(out, configView(def, c));
  for (const k of columnFlagsOf(def)) out[k] = c[k];
  out.created_by = c.created_by;
  out.created_at = c.created_at;
  out.updated_at = c.updated_at;
  return out;
}

/** The common columns of a new connector: each field's request value, else its create default. */
export function commonColumnsOnCreate(
  def: ConnectorDefinition,
  body: Json,
): FieldColumns & Pick<NewConnector, "sync_versions"> {
  const out: FieldColumns = {};
  for (const f of COMMON_FIELDS) {
    const value = f.name in body && body[f.name] !== undefined ? body[f.name] : f.createDefault?.(def);
    Object.assign(out, f.store(value));
  }
  const flags = columnFlagsOf(def);
  return {
    ...out,
    sync_versions: flags.includes("sync_versions") ? columnFlagOnCreate(def, "sync_versions", body) : false,
  };
}

/** The common columns a PATCH body changes (immutable fields are checked, never written). */
export function commonColumnsOnPatch(def: ConnectorDefinition, body: Json): ConnectorPatch {
  const patch: ConnectorPatch = {};
  for (const f of COMMON_FIELDS) if (!f.immutable && f.name in body) Object.assign(patch, f.store(body[f.name]));
  for (const k of columnFlagsOf(def)) if (typeof body[k] === "boolean") patch[k] = body[k] as boolean;
  return patch;
}

/** The immutable fields of a type: the common ones and the definition's. */
export function immutableFieldsOf(def: ConnectorDefinition): string[] {
  return [...COMMON_FIELDS.filter((f) => f.immutable).map((f) => f.name), ...def.immutableFields];
}

/** `body` without the common fields: the type-specific input (the fields its configSchema declares). */
export function typeInput(def: ConnectorDefinition, body: Json): Json {
  const out: Json = {};
  for (const k of Object.keys(def.configSchema.properties)) if (k in body) out[k] = body[k];
  return out;
}

/**
 * Type-specific `input` without the flags stored in their own columns (see COLUMN_SYNC_FLAGS): what goes to
 * `config`/`secrets`.
 */
export function configInput(def: ConnectorDefinition, input: Json): Json {
  const out = { ...input };
  for (const k of columnFlagsOf(def)) delete out[k];
  return out;
}
