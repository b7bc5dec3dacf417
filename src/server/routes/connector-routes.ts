/**
 * The one HTTP surface every connector type shares, generated from its {@link ConnectorDefinition}
 * and mounted at `/api/v1/<type>-connectors` by a two-line module per type:
 *
 * - `POST /` create (201; MANAGE_PERMISSIONS on the target share or 403; `target_path` created if
 *   missing), `GET /` list (paginated, only connectors whose target share the caller can READ),
 *   `GET|PATCH|DELETE /{id}` (PATCH refuses `target_share_id` and the type's immutable fields with
 *   409 IMMUTABLE_FIELD; DELETE removes the connector, its mappings, jobs and file-states, never
 *   content).
 * - `POST /{id}/test` → `{success, message, error}` plus the fields the type's `testResultSchema`
 *   declares (none for SMB).
 * - `POST /{id}/sync[?full_sync][&dry_run][&force]` → 202 with the job; a dry run waits for the plan
 *   and answers 200 with the finished job plus `plan`.
 * - `GET /{id}/jobs` (newest first, paginated, live progress), `GET /{id}/jobs/{job_id}` (with the
 *   per-file log, paginated), `POST /{id}/jobs/{job_id}/cancel`.
 * - `GET /{id}/file-states` (paginated), `/{id}/identity-mappings[/{map_id}]` create/list/get/delete.
 *
 * Access: seeing a connector (and its jobs, file-states, mappings) needs READ on its target share's
 * root; changing it, testing it, starting or cancelling runs and editing mappings needs
 * MANAGE_PERMISSIONS there. A connector the caller cannot see answers 404 like an unknown id.
 * Secrets are write-only; nothing here logs request bodies or configuration values.
 */
import { Type, type TSchema } from "typebox";
import type { FastifyRequest } from "fastify";
import type { RouteModule } from "../app-types.js";
import { requireUser } from "../auth.js";
import { JSON_BODY, errors } from "../schemas.js";
import { CONNECTOR_JOB_SCHEMAS, refTo } from "../connector-schemas.js";
import { attachSyncRuntime, columnFlagsOf, effectiveConfig } from "../sync-runtime.js";
import { AppError, ERROR_CODES, isAppError, type ErrorCode } from "../../core/errors.js";
import type { Actor } from "../../core/actor.js";
import { SYSTEM_ACTOR } from "../../core/actor.js";
import { clampLimit, decodeCursor, encodeCursor } from "../../core/pagination.js";
import type { ConnectorPatch, ConnectorRecord } from "../../store/sync/connector-store.js";
import type { SyncJobRecord, JobEntryRecord } from "../../store/sync/sync-job-store.js";
import type { FileStateRecord } from "../../store/sync/file-state-store.js";
import type { IdentityMappingRecord } from "../../store/sync/identity-mapping-store.js";
import { conflictValues, directionValues, DEFAULT_MAX_DELETE_PERCENT } from "../../sync/sync-options.js";
import { checkDestinationFields, configView, splitConfig, type ConnectorDefinition } from "../../connectors/connector-definition.js";
import { scopeChange, type ScopeChange } from "../../connectors/secret-scope.js";
import type { ConnectorAuditRecord } from "../../store/sync/connector-audit-store.js";

type Json = Record<string, unknown>;
type Body = Record<string, unknown>;

const nullable = (s: Json): Json => ({ ...s, nullable: true });

const PatternSet = {
  type: "object",
  additionalProperties: false,
  properties: {
    extensions: { type: "array", maxItems: 1000, items: { type: "string", minLength: 1, maxLength: 64 }, description: "file extensions, with or without the dot, case-insensitive" },
    // Matching costs up to (pattern length × path length) per glob and entry, so the product of
    // these two bounds is what a connector can make every entry of a sync cost.
    patterns: { type: "array", maxItems: 200, items: { type: "string", minLength: 1, maxLength: 512 }, description: "globs (* ? [abc] **), at most 200 of at most 512 characters; without / they match names, with / relative paths" },
  },
};

/** Generic connector fields: [schema, create default]. Defaults are documented in the descriptions. */
function genericFields(def: ConnectorDefinition): Record<string, { schema: Json; default?: unknown; required?: boolean }> {
  const remote = def.remoteName;
  return {
    name: { schema: { type: "string", minLength: 1, maxLength: 200, description: "Display name" }, required: true },
    description: { schema: nullable({ type: "string", maxLength: 4000, description: "Display description" }) },
    target_share_id: { schema: { type: "string", pattern: "^shr_[0-9A-HJKMNP-TV-Z]{26}$", description: "ScaiDrive share to mirror into (immutable; needs MANAGE_PERMISSIONS on it)" }, required: true },
    target_path: {
      schema: { type: "string", minLength: 1, maxLength: 4096, pattern: "^/", description: "Absolute folder inside the target share (created if missing); default /" },
      default: "/",
    },
    sync_direction: {
      schema: { type: "string", enum: directionValues(remote), description: `One of ${directionValues(remote).join(", ")}; default ${def.defaultDirection} (${remote.toUpperCase()} authoritative: nothing in ScaiDrive can damage the original)` },
      default: def.defaultDirection,
    },
    conflict_resolution: {
      schema: { type: "string", enum: conflictValues(remote), description: `Bidirectional conflicts: ${conflictValues(remote).join(", ")}; default LAST_WRITER_WINS` },
      default: "LAST_WRITER_WINS",
    },
    sync_permissions: { schema: { type: "boolean", description: `Translate ${def.title} ACLs and owners into ScaiDrive through identity mappings; default false` }, default: false },
    sync_hidden_files: { schema: { type: "boolean", description: "Sync hidden files and folders; default false" }, default: false },
    sync_system_files: { schema: { type: "boolean", description: "Sync system files and folders; default false" }, default: false },
    include_patterns: { schema: nullable({ ...PatternSet, description: "Whitelist {extensions, patterns} for files; empty/null = everything" }), default: null },
    exclude_patterns: { schema: nullable({ ...PatternSet, description: "Blacklist {extensions, patterns} for files and folders; default null" }), default: null },
    sync_interval_minutes: {
      schema: { type: "integer", minimum: 0, maximum: 525600, description: "Minutes between scheduled runs; 0 (default) disables scheduled runs (manual syncs only)" },
      default: 0,
    },
    max_delete_percent: {
      schema: { type: "integer", minimum: 0, maximum: 100, description: `A run that would delete more than this share of the tracked files on either side stops with SYNC_SAFETY_ABORT (override with ?force=true); default ${DEFAULT_MAX_DELETE_PERCENT}` },
      default: DEFAULT_MAX_DELETE_PERCENT,
    },
    enabled: { schema: { type: "boolean", description: "false stops scheduled runs (recorded as skipped) and refuses manual ones; default true" }, default: true },
  };
}

function withoutDefault(s: Json): Json {
  const { default: _d, ...rest } = s;
  return rest;
}

function bodySchemas(def: ConnectorDefinition): { create: Json; patch: Json } {
  const generic = genericFields(def);
  const typeProps = def.configSchema.properties as Record<string, Json>;
  const typeRequired = (def.configSchema as unknown as { required?: string[] }).required ?? [];
  const createProps: Record<string, Json> = {};
  const patchProps: Record<string, Json> = {};
  for (const [k, f] of Object.entries(generic)) {
    createProps[k] = f.schema;
    patchProps[k] = f.schema;
  }
  for (const [k, s] of Object.entries(typeProps)) {
    createProps[k] = { ...s };
    patchProps[k] = withoutDefault({ ...s });
  }
  const required = [...Object.entries(generic).filter(([, f]) => f.required).map(([k]) => k), ...typeRequired];
  return {
    create: { type: "object", additionalProperties: false, required, properties: createProps },
    // No minProperties: `{}` is a save without changes, which re-enables a connector an auth failure disabled.
    patch: { type: "object", additionalProperties: false, properties: patchProps },
  };
}

function connectorSchema(def: ConnectorDefinition): Json {
  const props: Record<string, Json> = {
    id: { type: "string" },
    type: { type: "string" },
  };
  for (const [k, f] of Object.entries(genericFields(def))) props[k] = withoutDefault(f.schema);
  for (const [k, s] of Object.entries(def.configSchema.properties as Record<string, Json>)) {
    if (def.secretFields.includes(k)) props[`${k}_set`] = { type: "boolean", description: `true when a ${k} is stored (it is never returned)` };
    else props[k] = withoutDefault(s);
  }
  props.status_reason = nullable({ type: "string" });
  props.created_by = { type: "string" };
  props.created_at = { type: "string", format: "date-time" };
  props.updated_at = { type: "string", format: "date-time" };
  return { type: "object", properties: props };
}

function mappingSchemas(def: ConnectorDefinition): { body: Json; item: Json } {
  const pf = def.principalField;
  return {
    body: {
      type: "object",
      additionalProperties: false,
      required: ["identity_type", pf, "scaidrive_principal_id"],
      properties: {
        identity_type: { type: "string", enum: ["user", "group"], description: "user maps to a usr_ id, group to a grp_ id" },
        [pf]: { type: "string", minLength: 1, maxLength: 512, description: `${def.title} principal as the remote names it (e.g. CORP\\alice); matched case-insensitively` },
        scaidrive_principal_id: { type: "string", pattern: "^(usr|grp)_[0-9A-HJKMNP-TV-Z]{26}$", description: "ScaiDrive user or group id" },
      },
    },
    item: {
      type: "object",
      properties: { id: { type: "string" }, identity_type: { type: "string" }, [pf]: { type: "string" }, scaidrive_principal_id: { type: "string" }, created_at: { type: "string", format: "date-time" } },
    },
  };
}

const schema = (s: Json): TSchema => Type.Unsafe<Body>(s) as unknown as TSchema;

/** Component names of one type's connector view and identity mapping (e.g. SMBConnector). */
const connectorId = (def: ConnectorDefinition): string => `${def.title.replace(/\W/g, "")}Connector`;
const mappingId = (def: ConnectorDefinition): string => `${def.title.replace(/\W/g, "")}IdentityMapping`;

/** The components the routes of `def` reference, for `RouteModule.sharedSchemas`. */
export function connectorSharedSchemas(def: ConnectorDefinition): TSchema[] {
  return [
    ...CONNECTOR_JOB_SCHEMAS,
    schema({ $id: connectorId(def), ...connectorSchema(def) }),
    schema({ $id: mappingId(def), ...mappingSchemas(def).item }),
  ];
}

export function jobView(j: SyncJobRecord): Json {
  return {
    id: j.id, status: j.status, trigger: j.trigger, created_at: j.created_at, started_at: j.started_at, finished_at: j.finished_at,
    files_scanned: j.files_scanned, files_synced: j.files_synced, bytes_transferred: j.bytes_transferred, error_count: j.error_count,
    files_total: j.files_total, files_done: j.files_done, bytes_done: j.bytes_done, error: j.error, skip_reason: j.skip_reason, options: j.options,
  };
}

function fileStateView(s: FileStateRecord): Json {
  return {
    path: s.path, kind: s.kind, synced: s.synced, last_synced_at: s.last_synced_at,
    last_error: s.last_error_code ? { code: s.last_error_code, message: s.last_error ?? "" } : null,
    note: s.note_code ? { code: s.note_code, message: s.note ?? "" } : null,
    remote: {
      id: s.remote_id, fingerprint: s.remote_fingerprint, size: s.remote_size,
      modified_at: s.remote_mtime_ms !== null ? new Date(s.remote_mtime_ms).toISOString() : null,
    },
    scaidrive: { node_id: s.scaidrive_node_id, version_id: s.scaidrive_version_id, sha256: s.sha256 },
  };
}

function entryView(e: JobEntryRecord): Json {
  return { seq: e.seq, at: e.at, action: e.action, path: e.path, result: e.result, error: e.error, bytes: e.bytes, detail: e.detail };
}

/** "/a//b/" → "/a/b"; "." and ".." segments are refused (VALIDATION_FAILED target_path). */
function normalizeTargetPath(p: string): string {
  const segs = p.split("/").filter((s) => s !== "");
  if (segs.some((s) => s === "." || s === "..")) {
    throw new AppError("VALIDATION_FAILED", "target_path must not contain '.' or '..' segments", { field: "target_path" });
  }
  return "/" + segs.join("/");
}

const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: "page size (default 100)" })),
  cursor: Type.Optional(Type.String({ description: "next_cursor of the previous page" })),
});
const IdParams = Type.Object({ id: Type.String() });
const JobParams = Type.Object({ id: Type.String(), job_id: Type.String() });
const MapParams = Type.Object({ id: Type.String(), map_id: Type.String() });
const SyncQuery = Type.Object({
  full_sync: Type.Optional(Type.Boolean({ description: "ignore the stored fingerprints and re-compare content" })),
  dry_run: Type.Optional(Type.Boolean({ description: "plan only: waits and answers 200 with the job and `plan`; nothing changes" })),
  force: Type.Optional(Type.Boolean({ description: "override the mass-deletion safety stop" })),
});

/**
 * The route module for one connector type at `basePath` (e.g. "/api/v1/smb-connectors"). The
 * engine runtime is created on first use and started with the app.
 */
export function createConnectorRoutes(def: ConnectorDefinition, basePath: string): RouteModule {
  const routes: RouteModule = (app, ctx) => {
    const runtime = attachSyncRuntime(app, ctx);
    if (!runtime.definitions.has(def.type)) throw new Error(`connector type ${def.type} is not registered with the sync runtime`);
    const { stores, service } = runtime;
    const generic = genericFields(def);
    const bodies = bodySchemas(def);
    const Connector = schema(refTo(connectorId(def)));
    const mapping = mappingSchemas(def);
    const tags = [`${def.type}-connectors`];
    const log = ctx.logger.child({ component: "connector-api", connectorType: def.type });

    /**
     * A connector as `actor` may see it: managers (MANAGE_PERMISSIONS on the target share's root)
     * get every field; readers get what the connector does and its state, not where it connects
     * or as whom (host, share, user, site…), nor its filters.
     */
    const view = (c: ConnectorRecord, full: boolean): Json => ({
      id: c.id, type: c.type, name: c.name, description: c.description,
      target_share_id: c.target_share_id, target_path: c.target_path,
      sync_direction: c.sync_direction, conflict_resolution: c.conflict_resolution,
      sync_permissions: c.sync_permissions, sync_hidden_files: c.sync_hidden_files, sync_system_files: c.sync_system_files,
      ...(full ? { include_patterns: c.include_patterns, exclude_patterns: c.exclude_patterns } : {}),
      sync_interval_minutes: c.sync_interval_minutes, max_delete_percent: c.max_delete_percent,
      enabled: c.status === "enabled", status_reason: c.status_reason,
      ...(full ? configView(def, c) : {}),
      ...Object.fromEntries(columnFlags.map((k) => [k, c[k]])),
      created_by: c.created_by, created_at: c.created_at, updated_at: c.updated_at,
    });

    const canSee = async (actor: Actor, c: ConnectorRecord): Promise<boolean> => {
      if (actor.isAdmin) return true;
      try {
        await ctx.nodes.locate(actor, c.target_share_id, "/", "READ");
        return true;
      } catch (err) {
        if (isAppError(err) && (err.code === "NOT_FOUND" || err.code === "FORBIDDEN")) return false;
        throw err;
      }
    };

    const canManage = async (actor: Actor, c: ConnectorRecord): Promise<boolean> => {
      if (actor.isAdmin) return true;
      try {
        await ctx.nodes.locate(actor, c.target_share_id, "/", "MANAGE_PERMISSIONS");
        return true;
      } catch (err) {
        if (isAppError(err) && (err.code === "NOT_FOUND" || err.code === "FORBIDDEN")) return false;
        throw err;
      }
    };

    /**
     * The connector if the caller may see it (and, for "manage", change it); `manager` says
     * whether the caller holds MANAGE_PERMISSIONS on the target share. @throws NOT_FOUND, FORBIDDEN
     */
    const load = async (req: FastifyRequest, id: string, need: "read" | "manage"): Promise<{ actor: Actor; connector: ConnectorRecord; manager: boolean }> => {
      const actor = await requireUser(req);
      const connector = await stores.connectors.get(id);
      if (!connector || connector.type !== def.type || !(await canSee(actor, connector))) {
        throw new AppError("NOT_FOUND", `connector ${id} not found`);
      }
      const manager = await canManage(actor, connector);
      if (need === "manage" && !manager) {
        throw new AppError("FORBIDDEN", `connector ${id} needs MANAGE_PERMISSIONS on its target share for this`);
      }
      return { actor, connector, manager };
    };

    /** Who may create connectors and re-aim them (SCAIDRIVE_CONNECTOR_CREATORS). @throws FORBIDDEN */
    const requireCreator = (actor: Actor, what: string): void => {
      if (ctx.config.connectorCreators === "admins" && !actor.isAdmin) {
        throw new AppError("FORBIDDEN", `${what} is reserved to administrators on this server (SCAIDRIVE_CONNECTOR_CREATORS=admins)`);
      }
    };

    const audit = (c: Pick<ConnectorRecord, "id">, actor: Actor, action: "created" | "updated" | "deleted", fields: string[], scope: ScopeChange = { changed: [], dropped: [] }) =>
      stores.connectorAudit.record({
        connector_id: c.id, connector_type: def.type, actor_id: actor.userId ?? "system", action,
        fields, scope_fields: scope.changed, secrets_dropped: scope.dropped,
      });

    /** Creates the target folder (system actor: the MANAGE_PERMISSIONS holder configures, the engine writes). */
    const ensureTarget = async (shareId: string, path: string, ownerId: string | null): Promise<void> => {
      if (path === "/") return;
      try {
        await ctx.nodes.mkdirp(shareId, path, { actor: SYSTEM_ACTOR, ownerId: ownerId ?? undefined });
      } catch (err) {
        if (isAppError(err) && (err.code === "INVALID_NAME" || err.code === "CONFLICT" || err.code === "VALIDATION_FAILED")) {
          throw new AppError("VALIDATION_FAILED", `target_path: ${err.message}`, { field: "target_path" });
        }
        throw err;
      }
    };

    const typeInput = (body: Body): Body => {
      const out: Body = {};
      for (const k of Object.keys(def.configSchema.properties)) if (k in body) out[k] = body[k];
      return out;
    };
    const columnFlags = columnFlagsOf(def);
    /** `input` without the flags stored in their own columns (see COLUMN_SYNC_FLAGS). */
    const configInput = (input: Body): Body => {
      const out = { ...input };
      for (const k of columnFlags) delete out[k];
      return out;
    };
    const flagDefault = (k: string): boolean =>
      ((def.configSchema.properties as Record<string, { default?: unknown }>)[k]?.default ?? false) === true;

    app.post(basePath, {
      schema: {
        tags, summary: `Create a ${def.title} connector`,
        description: `Needs MANAGE_PERMISSIONS on the target share (403 otherwise). Secrets (${def.secretFields.join(", ")}) are write-only.`,
        body: schema(bodies.create), response: { 201: Connector, ...errors(JSON_BODY, 401, 403) },
      },
    }, async (req, reply) => {
      const actor = await requireUser(req);
      requireCreator(actor, "creating connectors");
      const body = req.body as Body;
      const shareId = body.target_share_id as string;
      try {
        await ctx.nodes.locate(actor, shareId, "/", "MANAGE_PERMISSIONS");
      } catch (err) {
        if (isAppError(err) && err.code === "NOT_FOUND") {
          throw new AppError("VALIDATION_FAILED", `target_share_id: share ${shareId} does not exist or you cannot see it`, { field: "target_share_id" });
        }
        if (isAppError(err) && err.code === "FORBIDDEN") {
          throw new AppError("FORBIDDEN", `creating a connector needs MANAGE_PERMISSIONS on share ${shareId}`);
        }
        throw err;
      }
      const input = typeInput(body);
      def.validate?.(input);
      checkDestinationFields(def, input, ctx.config.connectorNetwork);
      const targetPath = normalizeTargetPath((body.target_path as string | undefined) ?? "/");
      const { config, secrets } = splitConfig(def, configInput(input), ctx.vault);
      const v = <T>(k: string): T => (k in body && body[k] !== undefined ? body[k] : generic[k]?.default) as T;
      await ensureTarget(shareId, targetPath, actor.userId);
      const created = await stores.connectors.create({
        type: def.type,
        name: body.name as string,
        description: (body.description as string | null | undefined) ?? null,
        target_share_id: shareId,
        target_path: targetPath,
        sync_direction: v("sync_direction"),
        conflict_resolution: v("conflict_resolution"),
        include_patterns: v("include_patterns"),
        exclude_patterns: v("exclude_patterns"),
        sync_hidden_files: v("sync_hidden_files"),
        sync_system_files: v("sync_system_files"),
        sync_permissions: v("sync_permissions"),
        sync_versions: columnFlags.includes("sync_versions")
          ? (typeof body.sync_versions === "boolean" ? body.sync_versions : flagDefault("sync_versions"))
          : false,
        sync_interval_minutes: v("sync_interval_minutes"),
        max_delete_percent: v("max_delete_percent"),
        config,
        secrets,
        status: v<boolean>("enabled") ? "enabled" : "disabled",
        status_reason: v<boolean>("enabled") ? null : "disabled by an administrator",
        created_by: actor.userId,
      });
      await audit(created, actor, "created", Object.keys(body).sort());
      log.info({ connectorId: created.id, shareId, userId: actor.userId }, "connector created");
      return reply.status(201).send(view(created, true));
    });

    app.get(basePath, {
      schema: {
        tags, summary: `${def.title} connectors whose target share the caller can read`, querystring: PageQuery,
        response: { 200: schema({ type: "object", properties: { items: { type: "array", items: refTo(connectorId(def)) }, next_cursor: nullable({ type: "string" }) } }), ...errors(400, 401) },
      },
    }, async (req) => {
      const actor = await requireUser(req);
      const limit = clampLimit(req.query.limit);
      let after = decodeCursor(req.query.cursor, ["after"])?.after;
      const items: ConnectorRecord[] = [];
      let more = false;
      while (items.length < limit) {
        const batch = await stores.connectors.list({ type: def.type, after, limit: Math.max(limit, 50) });
        if (batch.length === 0) break;
        for (const c of batch) {
          after = c.id;
          if (!(await canSee(actor, c))) continue;
          if (items.length === limit) {
            more = true;
            break;
          }
          items.push(c);
        }
        if (more) break;
      }
      if (!more && items.length === limit) {
        const rest = await stores.connectors.list({ type: def.type, after: items[items.length - 1]!.id, limit: 50 });
        for (const c of rest) if (await canSee(actor, c)) { more = true; break; }
      }
      const views = await Promise.all(items.map(async (c) => view(c, await canManage(actor, c))));
      return { items: views, next_cursor: more ? encodeCursor({ after: items[items.length - 1]!.id }) : null };
    });

    app.get(`${basePath}/:id`, {
      schema: { tags, summary: `One ${def.title} connector`, params: IdParams, response: { 200: Connector, ...errors(401, 404) } },
    }, async (req) => {
      const { connector, manager } = await load(req, req.params.id, "read");
      return view(connector, manager);
    });

    app.patch(`${basePath}/:id`, {
      schema: {
        tags, summary: `Update a ${def.title} connector`,
        description: `Any field but target_share_id${def.immutableFields.length ? ", " + def.immutableFields.join(", ") : ""} (409 IMMUTABLE_FIELD). Rotate credentials by sending the new secret(s). Saving (even an empty body {}) re-enables a connector disabled by an authentication failure and resolves its alert, unless the body says enabled: false.`,
        params: IdParams, body: schema(bodies.patch), response: { 200: Connector, ...errors(JSON_BODY, 401, 403, 404, 409) },
      },
    }, async (req) => {
      const { connector: c, actor } = await load(req, req.params.id, "manage");
      const body = req.body as Body;
      for (const field of ["target_share_id", ...def.immutableFields]) {
        if (!(field in body)) continue;
        const current = field === "target_share_id" ? c.target_share_id : c.config[field];
        if (body[field] !== current) throw new AppError("IMMUTABLE_FIELD", `${field} cannot be changed; create a new connector instead`, { field });
      }
      const input = typeInput(body);
      const drops = def.preparePatch?.(input, { config: c.config, storedSecrets: Object.keys(c.secrets) }) ?? {};
      const { config, secrets } = splitConfig(def, configInput(input), ctx.vault);
      const keptConfig = Object.fromEntries(Object.entries(c.config).filter(([k]) => !drops.config?.includes(k)));
      const mergedConfig = { ...keptConfig, ...config };
      def.validate?.({ ...mergedConfig, ...input });
      // Only what the request sets: a stored address the policy has since come to refuse must not
      // block renaming or disabling the connector (its runs fail with DESTINATION_DENIED).
      checkDestinationFields(def, input, ctx.config.connectorNetwork);
      const scope = scopeChange(def, c, Object.keys(c.secrets).filter((k) => !drops.secrets?.includes(k)), input);
      if (scope.changed.length > 0) requireCreator(actor, `changing ${scope.changed.join(", ")}`);
      const droppedSecrets = [...(drops.secrets ?? []), ...scope.dropped];
      const keptSecrets = Object.fromEntries(Object.entries(c.secrets).filter(([k]) => !droppedSecrets.includes(k)));
      const patch: ConnectorPatch = {};
      if (Object.keys(config).length > 0 || drops.config?.length) patch.config = mergedConfig;
      if (Object.keys(secrets).length > 0 || droppedSecrets.length > 0) patch.secrets = { ...keptSecrets, ...secrets };
      if ("target_path" in body) {
        patch.target_path = normalizeTargetPath(body.target_path as string);
        await ensureTarget(c.target_share_id, patch.target_path, actor.userId);
      }
      const keys = ["name", "description", "sync_direction", "conflict_resolution", "sync_permissions", "sync_hidden_files", "sync_system_files",
        "include_patterns", "exclude_patterns", "sync_interval_minutes", "max_delete_percent"] as const;
      for (const k of keys) if (k in body) (patch as Record<string, unknown>)[k] = body[k];
      for (const k of columnFlags) if (typeof body[k] === "boolean") patch[k] = body[k] as boolean;
      if ("enabled" in body) {
        patch.status = body.enabled ? "enabled" : "disabled";
        patch.status_reason = body.enabled ? null : "disabled by an administrator";
      }
      let updated = await stores.connectors.update(c.id, patch);
      if (body.enabled !== false) updated = await runtime.authGuard.saved(updated);
      await audit(c, actor, "updated", Object.keys(body).sort(), scope);
      log.info({ connectorId: c.id, userId: actor.userId, fields: Object.keys(body), scopeFields: scope.changed, secretsDropped: scope.dropped }, "connector updated");
      return view(updated, true);
    });

    app.delete(`${basePath}/:id`, {
      schema: {
        tags, summary: `Delete a ${def.title} connector`,
        description: "Cancels a running job, then removes the connector, its identity mappings, jobs and file-states. Synced content stays in ScaiDrive; the remote is untouched.",
        params: IdParams, response: { 204: Type.Null(), ...errors(401, 403, 404) },
      },
    }, async (req, reply) => {
      const { connector: c, actor } = await load(req, req.params.id, "manage");
      const active = await stores.jobs.active(c.id);
      if (active) await service.cancel(c.id, active.id);
      await stores.connectors.delete(c.id);
      await audit(c, actor, "deleted", []);
      log.info({ connectorId: c.id, userId: actor.userId }, "connector deleted");
      return reply.status(204).send(null);
    });

    // Extra fields of the type's test answer: declared ones pass through, nothing else does.
    const testExtraProps = (def.testResultSchema?.properties ?? {}) as Record<string, Json>;
    const testExtraRequired = (def.testResultSchema as unknown as { required?: string[] } | undefined)?.required ?? [];
    app.post(`${basePath}/:id/test`, {
      schema: {
        tags, summary: "Test connectivity and credentials",
        params: IdParams,
        description: (def.testResultSchema as { description?: string } | undefined)?.description,
        response: {
          200: schema({
            type: "object", required: ["success", "message", "error", ...testExtraRequired],
            properties: { success: { type: "boolean" }, message: { type: "string" }, error: nullable({ type: "string" }), ...testExtraProps },
          }),
          ...errors(401, 403, 404),
        },
      },
    }, async (req) => {
      const { connector } = await load(req, req.params.id, "manage");
      const r = await def.test(effectiveConfig(def, connector, ctx.vault), { network: ctx.config.connectorNetwork });
      const extra = r as unknown as Record<string, unknown>;
      return { success: r.success, message: r.message, error: r.error, ...Object.fromEntries(Object.keys(testExtraProps).filter((k) => k in extra).map((k) => [k, extra[k]])) };
    });

    app.post(`${basePath}/:id/sync`, {
      schema: {
        tags, summary: "Start a sync run",
        description: "202 with the queued job (409 SYNC_ALREADY_RUNNING while one runs). dry_run=true waits for the plan and answers 200 with the finished job and `plan`; a dry run that cannot plan answers with the job's error code and its status (502 CONNECTOR_AUTH_FAILED, 504 CONNECTOR_UNREACHABLE, 409 SYNC_SAFETY_ABORT — add force=true to see such a plan…), `details.job_id` naming the failed job.",
        params: IdParams, querystring: SyncQuery,
        response: { 200: schema(refTo("ConnectorDryRun")), 202: schema(refTo("ConnectorJob")), ...errors(400, 401, 403, 404, 409, 502, 504) },
      },
    }, async (req, reply) => {
      const { connector, actor } = await load(req, req.params.id, "manage");
      const q = req.query;
      const job = await service.requestSync(connector.id, { fullSync: q.full_sync, dryRun: q.dry_run, force: q.force, trigger: "manual" });
      log.info({ connectorId: connector.id, jobId: job.id, userId: actor.userId, dryRun: !!q.dry_run }, "sync requested");
      if (!q.dry_run) return reply.status(202).send(jobView(job));
      const finished = (await service.waitForJob(job.id)) ?? job;
      // A plan that could not be made is an error, not an empty plan ("nothing to do").
      if (finished.status === "failed") {
        const code = finished.error?.code && finished.error.code in ERROR_CODES ? (finished.error.code as ErrorCode) : "INTERNAL";
        throw new AppError(code, `the dry run could not plan: ${finished.error?.message ?? "unknown error"}`, { job_id: finished.id, job_error: finished.error });
      }
      if (finished.status === "cancelled") throw new AppError("CONFLICT", "the dry run was cancelled before its plan was complete", { job_id: finished.id });
      return reply.status(200).send({ ...jobView(finished), plan: service.dryRunPlan(job.id) ?? [] });
    });

    app.get(`${basePath}/:id/jobs`, {
      schema: {
        tags, summary: "Jobs, newest first, with live progress and schedule decisions (skipped runs)",
        params: IdParams, querystring: PageQuery,
        response: { 200: schema({ type: "object", properties: { jobs: { type: "array", items: refTo("ConnectorJob") }, next_cursor: nullable({ type: "string" }) } }), ...errors(400, 401, 404) },
      },
    }, async (req) => {
      const { connector } = await load(req, req.params.id, "read");
      const limit = clampLimit(req.query.limit);
      const before = decodeCursor(req.query.cursor, ["before"])?.before;
      const rows = await stores.jobs.list(connector.id, { before, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { jobs: page.map(jobView), next_cursor: rows.length > limit ? encodeCursor({ before: page[page.length - 1]!.id }) : null };
    });

    const loadJob = async (connectorId: string, jobId: string): Promise<SyncJobRecord> => {
      const job = await stores.jobs.get(jobId);
      if (!job || job.connector_id !== connectorId) throw new AppError("NOT_FOUND", `job ${jobId} not found`);
      return job;
    };

    app.get(`${basePath}/:id/jobs/:job_id`, {
      schema: {
        tags, summary: "One job with its per-file log (paginated by limit/cursor)",
        description: "The per-file log (`entries`, `next_cursor`) names files and folders, so it is included only for callers with MANAGE_PERMISSIONS on the target share; readers get the job alone.",
        params: JobParams, querystring: PageQuery,
        response: {
          200: schema(refTo("ConnectorJobDetail")),
          ...errors(400, 401, 404),
        },
      },
    }, async (req) => {
      const { connector, manager } = await load(req, req.params.id, "read");
      const job = await loadJob(connector.id, req.params.job_id);
      if (!manager) return jobView(job);
      const limit = clampLimit(req.query.limit);
      const after = decodeCursor(req.query.cursor, ["after"])?.after;
      const rows = await stores.jobs.entries(job.id, { after: after !== undefined ? Number(after) : undefined, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { ...jobView(job), entries: page.map(entryView), next_cursor: rows.length > limit ? encodeCursor({ after: String(page[page.length - 1]!.seq) }) : null };
    });

    app.post(`${basePath}/:id/jobs/:job_id/cancel`, {
      schema: { tags, summary: "Cancel a queued or running job (a finished job is returned unchanged)", params: JobParams, response: { 200: schema(refTo("ConnectorJob")), ...errors(401, 403, 404) } },
    }, async (req) => {
      const { connector } = await load(req, req.params.id, "manage");
      await loadJob(connector.id, req.params.job_id);
      return jobView(await service.cancel(connector.id, req.params.job_id));
    });

    app.get(`${basePath}/:id/file-states`, {
      schema: {
        tags, summary: "Tracked files: last sync, last error, fingerprint/checksum on both sides (path order)",
        description: "Needs MANAGE_PERMISSIONS on the target share (403 otherwise): the list names every synced path, including folders whose ACL hides them from readers of the share root.",
        params: IdParams, querystring: PageQuery,
        response: { 200: schema({ type: "object", properties: { file_states: { type: "array", items: refTo("ConnectorFileState") }, next_cursor: nullable({ type: "string" }) } }), ...errors(400, 401, 403, 404) },
      },
    }, async (req) => {
      const { connector } = await load(req, req.params.id, "manage");
      const limit = clampLimit(req.query.limit);
      const after = decodeCursor(req.query.cursor, ["after"])?.after;
      const rows = await stores.fileStates.list(connector.id, { after, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { file_states: page.map(fileStateView), next_cursor: rows.length > limit ? encodeCursor({ after: page[page.length - 1]!.path }) : null };
    });

    const mappingView = (m: IdentityMappingRecord): Json => ({
      id: m.id, identity_type: m.identity_type, [def.principalField]: m.remote_principal, scaidrive_principal_id: m.scaidrive_principal_id, created_at: m.created_at,
    });

    app.post(`${basePath}/:id/identity-mappings`, {
      schema: {
        tags, summary: `Map a ${def.title} principal to a ScaiDrive user or group`,
        description: "409 ALREADY_EXISTS when the principal is already mapped on this connector.",
        params: IdParams, body: schema(mapping.body), response: { 201: schema(refTo(mappingId(def))), ...errors(JSON_BODY, 401, 403, 404, 409) },
      },
    }, async (req, reply) => {
      const { connector } = await load(req, req.params.id, "manage");
      const body = req.body as Body;
      const principalId = body.scaidrive_principal_id as string;
      const type = body.identity_type as "user" | "group";
      if (!principalId.startsWith(type === "user" ? "usr_" : "grp_")) {
        throw new AppError("VALIDATION_FAILED", `scaidrive_principal_id must be a ${type === "user" ? "usr_" : "grp_"} id for identity_type ${type}`, { field: "scaidrive_principal_id" });
      }
      if (!(await ctx.principals.principalExists(principalId))) {
        throw new AppError("VALIDATION_FAILED", `scaidrive_principal_id: no ${type} ${principalId}`, { field: "scaidrive_principal_id" });
      }
      const remotePrincipal = (body[def.principalField] as string).trim();
      if ((await stores.identityMappings.principalMap(connector.id)).has(remotePrincipal.toLowerCase())) {
        throw new AppError("ALREADY_EXISTS", `${remotePrincipal} is already mapped on this connector (principals are case-insensitive)`, { field: def.principalField });
      }
      const m = await stores.identityMappings.create({
        connector_id: connector.id, identity_type: type, remote_principal: remotePrincipal, scaidrive_principal_id: principalId,
      });
      return reply.status(201).send(mappingView(m));
    });

    app.get(`${basePath}/:id/identity-mappings`, {
      schema: {
        tags, summary: "Identity mappings of the connector (MANAGE_PERMISSIONS on the target share)", params: IdParams,
        response: { 200: schema({ type: "object", properties: { identity_mappings: { type: "array", items: refTo(mappingId(def)) } } }), ...errors(401, 403, 404) },
      },
    }, async (req) => {
      const { connector } = await load(req, req.params.id, "manage");
      return { identity_mappings: (await stores.identityMappings.list(connector.id)).map(mappingView) };
    });

    app.get(`${basePath}/:id/identity-mappings/:map_id`, {
      schema: { tags, summary: "One identity mapping (MANAGE_PERMISSIONS on the target share)", params: MapParams, response: { 200: schema(refTo(mappingId(def))), ...errors(401, 403, 404) } },
    }, async (req) => {
      const { connector } = await load(req, req.params.id, "manage");
      const m = await stores.identityMappings.get(connector.id, req.params.map_id);
      if (!m) throw new AppError("NOT_FOUND", `identity mapping ${req.params.map_id} not found`);
      return mappingView(m);
    });

    app.delete(`${basePath}/:id/identity-mappings/:map_id`, {
      schema: { tags, summary: "Remove an identity mapping", params: MapParams, response: { 204: Type.Null(), ...errors(401, 403, 404) } },
    }, async (req, reply) => {
      const { connector } = await load(req, req.params.id, "manage");
      if (!(await stores.identityMappings.delete(connector.id, req.params.map_id))) {
        throw new AppError("NOT_FOUND", `identity mapping ${req.params.map_id} not found`);
      }
      return reply.status(204).send(null);
    });

    const auditView = (a: ConnectorAuditRecord): Json => ({
      id: a.id, at: a.at, actor_id: a.actor_id, action: a.action, fields: a.fields, scope_fields: a.scope_fields, secrets_dropped: a.secrets_dropped,
    });

    app.get(`${basePath}/:id/audit`, {
      schema: {
        tags, summary: "Who created and changed the connector, when, and which fields (names only, never values); newest first",
        description: "Needs MANAGE_PERMISSIONS on the target share. `scope_fields` are the changed fields that decide where the stored secrets go; `secrets_dropped` the stored secrets such a change removed.",
        params: IdParams, querystring: PageQuery,
        response: {
          200: schema({ type: "object", properties: { items: { type: "array", items: refTo("ConnectorAuditEntry") }, next_cursor: nullable({ type: "string" }) } }),
          ...errors(400, 401, 403, 404),
        },
      },
    }, async (req) => {
      const { connector } = await load(req, req.params.id, "manage");
      const limit = clampLimit(req.query.limit);
      const before = decodeCursor(req.query.cursor, ["before"])?.before;
      const rows = await stores.connectorAudit.list(connector.id, { before, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { items: page.map(auditView), next_cursor: rows.length > limit ? encodeCursor({ before: page[page.length - 1]!.id }) : null };
    });
  };
  routes.sharedSchemas = connectorSharedSchemas(def);
  return routes;
}
