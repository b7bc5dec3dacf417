/**
 * Response schemas of the connector routes (jobs, per-file log entries, dry-run plans,
 * file-states, identity mappings, the audit trail), as plain JSON schema: request validation,
 * response serialisation and the OpenAPI document come from these. The connector's own body and
 * read schemas are derived from its field table (`connectors/connector-fields.ts`).
 *
 * The job, log-entry, plan, file-state and audit schemas are shared by every connector type's
 * routes (and by push/pull). Each has an `$id`, so the routes reference it (`{$ref: "<id>#"}`) and
 * the OpenAPI document lists it once under `#/components/schemas`; buildApp registers them on the
 * root (schema-registry.ts).
 */
import { Type, type TSchema } from "typebox";
import type { ConnectorDefinition } from "../connectors/connector-definition.js";
import type { Json } from "../connectors/connector-fields.js";

export const nullable = (s: Json): Json => ({ ...s, nullable: true });

/** A plain JSON schema as a route schema. */
export const schema = (s: Json): TSchema => Type.Unsafe<Record<string, unknown>>(s) as unknown as TSchema;

/** `{$ref}` to one of these components, for hand-written JSON schemas. */
export const refTo = (id: string): Json => ({ $ref: `${id}#` });

const JobError = nullable({ type: "object", properties: { code: { type: "string" }, message: { type: "string" } } });

const jobProperties: Json = {
  id: { type: "string" },
  status: { type: "string", enum: ["queued", "running", "completed", "failed", "cancelled", "skipped"] },
  trigger: { type: "string", enum: ["manual", "scheduled", "push", "pull"] },
  created_at: { type: "string", format: "date-time" },
  started_at: nullable({ type: "string", format: "date-time" }),
  finished_at: nullable({ type: "string", format: "date-time" }),
  files_scanned: { type: "integer" },
  files_synced: { type: "integer", description: "files copied, moved or deleted" },
  bytes_transferred: { type: "integer" },
  error_count: { type: "integer", description: "per-file errors (the job still completes)" },
  files_total: { type: "integer", description: "planned actions (live while running)" },
  files_done: {
    type: "integer",
    description:
      "finished actions whose outcome was stored (live while running); what " +
      "was in flight when a job failed or was cancelled is not counted",
  },
  bytes_total: {
    type: "integer",
    description:
      "content bytes the plan may move: the sizes of the files it copies (live once planned; a copy that finds " +
      "both sides identical moves nothing, so bytes_done can end below it)",
  },
  bytes_done: { type: "integer", description: "bytes moved so far (live while running)" },
  error: {
    ...JobError,
    description:
      "job-level failure: CONNECTOR_AUTH_FAILED, CONNECTOR_UNREACHABLE, " +
      "DESTINATION_DENIED, SYNC_SAFETY_ABORT, INTERNAL",
  },
  skip_reason: nullable({ type: "string", description: "why a scheduled run was skipped" }),
  claimed_by: nullable({
    type: "string",
    description: "the node (health's node_id) that runs or ran the job; null while queued and for a skipped run",
  }),
  options: {
    type: "object",
    properties: { full_sync: { type: "boolean" }, dry_run: { type: "boolean" }, force: { type: "boolean" } },
  },
};

export const JobEntrySchema: Json = {
  $id: "ConnectorJobEntry",
  type: "object",
  properties: {
    seq: { type: "integer" },
    at: { type: "string" },
    action: { type: "string" },
    path: { type: "string" },
    result: { type: "string", description: "ok | error | skipped | warning | planned" },
    error: JobError,
    bytes: { type: "integer" },
    detail: nullable({ type: "string" }),
  },
};

export const AuditSchema: Json = {
  $id: "ConnectorAuditEntry",
  type: "object",
  properties: {
    id: { type: "string" },
    at: { type: "string", format: "date-time" },
    actor_id: { type: "string", description: "usr_ id of who made the change" },
    action: { type: "string", enum: ["created", "updated", "deleted"] },
    fields: { type: "array", items: { type: "string" } },
    scope_fields: { type: "array", items: { type: "string" } },
    secrets_dropped: { type: "array", items: { type: "string" } },
  },
};

export const PlanItemSchema: Json = {
  $id: "SyncPlanItem",
  type: "object",
  properties: {
    action: { type: "string" },
    path: { type: "string" },
    side: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    detail: { type: "string" },
  },
};

export const FileStateSchema: Json = {
  $id: "ConnectorFileState",
  type: "object",
  properties: {
    path: { type: "string" },
    kind: { type: "string", enum: ["file", "folder"] },
    synced: { type: "boolean", description: "false: the path only carries an error and was never synced" },
    last_synced_at: nullable({ type: "string", format: "date-time" }),
    last_error: JobError,
    note: nullable({
      type: "object",
      description:
        "a standing state that is not an error: `out_of_scope` (the item left the filter's " +
        "scope — hidden, system, excluded, a link — and is not synced; nothing was " +
        "deleted), `kept_on_remote` / `kept_on_scaidrive` (a folder deleted on one side " +
        "and kept on the other because it still holds items this connector does not sync)",
      properties: { code: { type: "string" }, message: { type: "string" } },
    }),
    remote: {
      type: "object",
      properties: {
        id: nullable({ type: "string" }),
        fingerprint: nullable({ type: "string" }),
        size: nullable({ type: "integer" }),
        modified_at: nullable({ type: "string", format: "date-time" }),
      },
    },
    scaidrive: {
      type: "object",
      properties: {
        node_id: nullable({ type: "string" }),
        version_id: nullable({ type: "string" }),
        sha256: nullable({ type: "string" }),
      },
    },
  },
};

/** A sync, push or pull job with its counters (live while it runs). */
export const JobSchema: Json = { $id: "ConnectorJob", type: "object", properties: jobProperties };
/** A finished dry run: the job and what the run would have done. */
export const DryRunSchema: Json = {
  $id: "ConnectorDryRun",
  type: "object",
  properties: { ...jobProperties, plan: { type: "array", items: refTo("SyncPlanItem") } },
};
/** One job with a page of its per-file log (`entries`, `next_cursor`: managers only). */
export const JobDetailSchema: Json = {
  $id: "ConnectorJobDetail",
  type: "object",
  properties: {
    ...jobProperties,
    entries: { type: "array", items: refTo("ConnectorJobEntry") },
    next_cursor: nullable({ type: "string" }),
  },
};

const counts: Json = { type: "object", additionalProperties: { type: "integer" } };
const JobSummarySchema: Json = {
  $id: "ConnectorJobSummary",
  type: "object",
  properties: {
    job_id: { type: "string" },
    status: { type: "string" },
    entries: { type: "integer" },
    by_action: counts,
    by_result: counts,
  },
};

/** The job, log, plan, file-state and audit components, for `RouteModule.sharedSchemas`. */
export const CONNECTOR_JOB_SCHEMAS: readonly TSchema[] = [
  JobSchema,
  DryRunSchema,
  JobDetailSchema,
  JobSummarySchema,
  JobEntrySchema,
  PlanItemSchema,
  FileStateSchema,
  AuditSchema,
];

/** The identity-mapping body and item of a type; its remote-principal field is named by the definition. */
export function mappingSchemas(def: ConnectorDefinition): { body: Json; item: Json } {
  const pf = def.principalField;
  return {
    body: {
      type: "object",
      additionalProperties: false,
      required: ["identity_type", pf, "scaidrive_principal_id"],
      properties: {
        identity_type: {
          type: "string",
          enum: ["user", "group"],
          description: "user maps to a usr_ id, group to a grp_ id",
        },
        [pf]: {
          type: "string",
          minLength: 1,
          maxLength: 512,
          description:
            `${def.title} principal as the remote names ` + `it (e.g. CORP\\alice); matched case-insensitively`,
        },
        scaidrive_principal_id: {
          type: "string",
          pattern: "^(usr|grp)_[0-9A-HJKMNP-TV-Z]{26}$",
          description: "ScaiDrive user or group id",
        },
        remote_display_name: nullable({
          type: "string",
          maxLength: 512,
          description:
            `Optional label shown for the ${def.title} principal (e.g. "Alice Smith <alice@contoso.com>" for an ` +
            `Entra object id); display only, never matched`,
        }),
      },
    },
    item: {
      type: "object",
      properties: {
        id: { type: "string" },
        identity_type: { type: "string" },
        [pf]: { type: "string" },
        remote_display_name: nullable({ type: "string" }),
        scaidrive_principal_id: { type: "string" },
        created_at: { type: "string", format: "date-time" },
      },
    },
  };
}

/** The answer of `POST /{id}/test`: `{success, message, error}` plus what the type's `testResultSchema` declares. */
export function testResultSchema(def: ConnectorDefinition): Json {
  const extraProps = (def.testResultSchema?.properties ?? {}) as Record<string, Json>;
  const extraRequired = (def.testResultSchema as unknown as { required?: string[] } | undefined)?.required ?? [];
  return {
    type: "object",
    required: ["success", "message", "error", ...extraRequired],
    properties: {
      success: { type: "boolean" },
      message: { type: "string" },
      error: nullable({ type: "string" }),
      ...extraProps,
    },
  };
}
