/**
 * The one HTTP surface every connector type shares, generated from its {@link ConnectorDefinition}
 * and mounted at `/api/v1/<type>-connectors` by a two-line module per type:
 *
 * - `POST /` create (201), `GET /` list (paginated), `GET|PATCH|DELETE /{id}`.
 * - `POST /{id}/test` → `{success, message, error}` plus the fields the type's `testResultSchema`
 *   declares (none for SMB); an optional body of PATCH fields tests the edited configuration
 *   without saving it. `POST /test` tests a create body without creating anything.
 * - `POST /{id}/sync[?full_sync][&dry_run][&force]` → 202 with the job; a dry run waits for the plan
 *   and answers 200 with the finished job plus `plan`.
 * - `GET /{id}/jobs` (newest first, paginated, live progress), `GET /{id}/jobs/{job_id}` (with the
 *   per-file log, paginated), `GET /{id}/jobs/{job_id}/summary` (log counts per action/result),
 *   `POST /{id}/jobs/{job_id}/cancel`.
 * - `GET /{id}/file-states` (paginated), `/{id}/identity-mappings[/{map_id}]` create/list/get/delete,
 *   `GET /{id}/audit`.
 *
 * Each handler parses the request, calls the type's connector or run service (built by the
 * application context; the rules — access, defaults, secrets, audit — live there) and answers.
 */
import { Type, type TSchema } from "typebox";
import type { AppInstance, RouteModule } from "./app-types.js";
import { requireUser } from "./auth.js";
import { JSON_BODY, errors } from "./schemas.js";
import {
  CONNECTOR_JOB_SCHEMAS,
  mappingSchemas,
  nullable,
  refTo,
  schema,
  testResultSchema,
} from "./connector-schemas.js";
import type { ConnectorDefinition } from "../connectors/connector-definition.js";
import { bodySchemas, connectorReadSchema, type Json } from "../connectors/connector-fields.js";
import type { ConnectorService } from "../connectors/connector-service.js";
import type { ConnectorRunService } from "../connectors/connector-run-service.js";

const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: "page size (default 100)" })),
  cursor: Type.Optional(Type.String({ description: "next_cursor of the previous page" })),
});
const JOB_ENTRY_RESULTS = ["ok", "error", "skipped", "warning", "planned"] as const;
const JobLogQuery = Type.Object({
  ...PageQuery.properties,
  result: Type.Optional(
    Type.Array(Type.String({ pattern: `^(${JOB_ENTRY_RESULTS.join("|")})(,(${JOB_ENTRY_RESULTS.join("|")}))*$` }), {
      description: `only entries with one of these results (${JOB_ENTRY_RESULTS.join(", ")}); repeat or comma-separate`,
      maxItems: 10,
    }),
  ),
  action: Type.Optional(
    Type.Array(Type.String({ pattern: "^[a-z_]{1,40}(,[a-z_]{1,40})*$" }), {
      description:
        "only entries with one of these actions (copy, delete, move, push, delete_source…); repeat or comma-separate",
      maxItems: 20,
    }),
  ),
});
const FileStatesQuery = Type.Object({
  ...PageQuery.properties,
  search: Type.Optional(
    Type.String({ maxLength: 1024, description: "only paths containing this text (case-insensitive)" }),
  ),
});
const IdParams = Type.Object({ id: Type.String() });
const JobParams = Type.Object({ id: Type.String(), job_id: Type.String() });
const MapParams = Type.Object({ id: Type.String(), map_id: Type.String() });
const SyncQuery = Type.Object({
  full_sync: Type.Optional(Type.Boolean({ description: "ignore the stored fingerprints and re-compare content" })),
  dry_run: Type.Optional(
    Type.Boolean({ description: "plan only: waits and answers 200 with " + "the job and `plan`; nothing changes" }),
  ),
  force: Type.Optional(Type.Boolean({ description: "override the mass-deletion safety stop" })),
});

/** Component names of one type's connector view and identity mapping (e.g. SMBConnector). */
const connectorId = (def: ConnectorDefinition): string => `${def.title.replace(/\W/g, "")}Connector`;

/**
 * A type's create and PATCH bodies, titled so the OpenAPI document states each once (openapi.ts
 * `shareTitledBodies`) though create and test-before-saving, PATCH and the test of edited fields share them.
 */
function titledBodies(def: ConnectorDefinition): { create: Json; patch: Json } {
  const bodies = bodySchemas(def);
  return {
    create: { title: `${connectorId(def)}Create`, ...bodies.create },
    patch: { title: `${connectorId(def)}Patch`, ...bodies.patch },
  };
}
const mappingId = (def: ConnectorDefinition): string => `${def.title.replace(/\W/g, "")}IdentityMapping`;

/** The components the routes of `def` reference, for `RouteModule.sharedSchemas`. */
export function connectorSharedSchemas(def: ConnectorDefinition): TSchema[] {
  return [
    ...CONNECTOR_JOB_SCHEMAS,
    schema({ $id: connectorId(def), ...connectorReadSchema(def) }),
    schema({ $id: mappingId(def), ...mappingSchemas(def).item }),
  ];
}

/** What every handler group of one type needs. */
interface TypeRoutes {
  app: AppInstance;
  def: ConnectorDefinition;
  basePath: string;
  tags: string[];
  connectors: ConnectorService;
  runs: ConnectorRunService;
}

/** Create, list, read, update, delete. */
function connectorCrudRoutes({ app, def, basePath, tags, connectors }: TypeRoutes): void {
  const bodies = titledBodies(def);
  const Connector = schema(refTo(connectorId(def)));

  app.post(
    basePath,
    {
      schema: {
        tags,
        summary: `Create a ${def.title} connector`,
        description:
          `Needs MANAGE_PERMISSIONS ` +
          `on the target share (403 otherwise). Secrets (${def.secretFields.join(", ")}) are write-only.`,
        body: schema(bodies.create),
        response: { 201: Connector, ...errors(JSON_BODY, 401, 403) },
      },
    },
    async (req, reply) => reply.status(201).send(await connectors.create(await requireUser(req), req.body as Json)),
  );

  app.get(
    basePath,
    {
      schema: {
        tags,
        summary: `${def.title} connectors whose target share the caller can read`,
        querystring: PageQuery,
        response: {
          200: schema({
            type: "object",
            properties: {
              items: { type: "array", items: refTo(connectorId(def)) },
              next_cursor: nullable({ type: "string" }),
            },
          }),
          ...errors(400, 401),
        },
      },
    },
    async (req) => connectors.list(await requireUser(req), req.query),
  );

  app.get(
    `${basePath}/:id`,
    {
      schema: {
        tags,
        summary: `One ${def.title} connector`,
        params: IdParams,
        response: { 200: Connector, ...errors(401, 404) },
      },
    },
    async (req) => connectors.get(await requireUser(req), req.params.id),
  );

  app.patch(
    `${basePath}/:id`,
    {
      schema: {
        tags,
        summary: `Update a ${def.title} connector`,
        description:
          `Any field ` +
          `but target_share_id${def.immutableFields.length ? ", " + def.immutableFields.join(", ") : ""} (409 IMMUTABLE_FIELD). Rotate credentials by sending the new secret(s). Saving ` +
          `(even an empty body {}) re-enables a connector disabled by an authentication failure and resolves its alert, unless the body says enabled: false.`,
        params: IdParams,
        body: schema(bodies.patch),
        response: { 200: Connector, ...errors(JSON_BODY, 401, 403, 404, 409) },
      },
    },
    async (req) => connectors.patch(await requireUser(req), req.params.id, req.body as Json),
  );

  app.delete(
    `${basePath}/:id`,
    {
      schema: {
        tags,
        summary: `Delete a ${def.title} connector`,
        description:
          "Cancels a running job, then removes the connector, its identity mappings, jobs " +
          "and file-states. Synced content stays in ScaiDrive; the remote is untouched.",
        params: IdParams,
        response: { 204: Type.Null(), ...errors(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await connectors.delete(await requireUser(req), req.params.id);
      return reply.status(204).send(null);
    },
  );
}

/**
 * `POST /{id}/test` (optionally with PATCH fields: the edited configuration, nothing saved) and `POST /test` (a create
 * body: a connection not yet saved).
 */
function connectionTestRoute({ app, def, basePath, tags, connectors }: TypeRoutes): void {
  const bodies = titledBodies(def);
  const typeDescription = (def.testResultSchema as { description?: string } | undefined)?.description;
  const scopeRule =
    `Changing a field that decides where the stored secrets go (${def.secretScopeFields.join(", ")}) ` +
    `needs the secrets again, as PATCH does (400 SECRET_REQUIRED).`;
  app.post(
    `${basePath}/:id/test`,
    {
      schema: {
        tags,
        summary: "Test connectivity and credentials",
        params: IdParams,
        description:
          (typeDescription ? `${typeDescription} ` : "") +
          `Optional JSON body of PATCH fields: tests the stored configuration merged with them and saves nothing. ` +
          scopeRule,
        // Nullable: a POST without a body tests the stored configuration (the document shows the PATCH body).
        body: schema(nullable(bodies.patch)),
        response: { 200: schema(testResultSchema(def)), ...errors(JSON_BODY, 401, 403, 404, 409) },
      },
    },
    async (req) => connectors.test(await requireUser(req), req.params.id, req.body as Json | null | undefined),
  );

  app.post(
    `${basePath}/test`,
    {
      schema: {
        tags,
        summary: `Test a ${def.title} connector before creating it`,
        description:
          "A create body: the checks of create (who may create, MANAGE_PERMISSIONS on the target share, " +
          "validation, the connector network policy), then connects like POST /{id}/test. Stores nothing " +
          "(the target folder is not created)." +
          (typeDescription ? ` ${typeDescription}` : ""),
        body: schema(bodies.create),
        response: { 200: schema(testResultSchema(def)), ...errors(JSON_BODY, 401, 403) },
      },
    },
    async (req) => connectors.testNew(await requireUser(req), req.body as Json),
  );
}

/** Sync requests, jobs and their per-file log, cancelling, file-states. */
function runRoutes({ app, basePath, tags, runs }: TypeRoutes): void {
  app.post(
    `${basePath}/:id/sync`,
    {
      schema: {
        tags,
        summary: "Start a sync run",
        description:
          "202 with the queued job (409 SYNC_ALREADY_RUNNING while one runs). dry_run=true waits for the plan " +
          "and answers 200 with the finished job and `plan`; a dry run that cannot plan answers with the " +
          "job's error code and its status (502 CONNECTOR_AUTH_FAILED, 504 CONNECTOR_UNREACHABLE, 409 " +
          "SYNC_SAFETY_ABORT — add force=true to see such a plan…), `details.job_id` naming the failed job.",
        params: IdParams,
        querystring: SyncQuery,
        response: {
          200: schema(refTo("ConnectorDryRun")),
          202: schema(refTo("ConnectorJob")),
          ...errors(400, 401, 403, 404, 409, 502, 504),
        },
      },
    },
    async (req, reply) => {
      const { job, plan } = await runs.startSync(await requireUser(req), req.params.id, req.query);
      if (!req.query.dry_run) return reply.status(202).send(job);
      return reply.status(200).send({ ...job, plan });
    },
  );

  app.get(
    `${basePath}/:id/jobs`,
    {
      schema: {
        tags,
        summary: "Jobs, newest first, with live progress and schedule decisions (skipped runs)",
        params: IdParams,
        querystring: PageQuery,
        response: {
          200: schema({
            type: "object",
            properties: {
              jobs: { type: "array", items: refTo("ConnectorJob") },
              next_cursor: nullable({ type: "string" }),
            },
          }),
          ...errors(400, 401, 404),
        },
      },
    },
    async (req) => runs.jobs(await requireUser(req), req.params.id, req.query),
  );

  app.get(
    `${basePath}/:id/jobs/:job_id`,
    {
      schema: {
        tags,
        summary: "One job with its per-file log (paginated by limit/cursor, filtered by result/action)",
        description:
          "The per-file log (`entries`, `next_cursor`) names files and folders, so it is included " +
          "only for callers with MANAGE_PERMISSIONS on the target share; readers get the job alone. " +
          "`result` and `action` keep only matching entries; send the same filters with `cursor`.",
        params: JobParams,
        querystring: JobLogQuery,
        response: {
          200: schema(refTo("ConnectorJobDetail")),
          ...errors(400, 401, 404),
        },
      },
    },
    async (req) => runs.job(await requireUser(req), req.params.id, req.params.job_id, req.query),
  );

  app.get(
    `${basePath}/:id/jobs/:job_id/summary`,
    {
      schema: {
        tags,
        summary: "Counts of a job's log entries per action and per result (counted in SQL, entries not read)",
        params: JobParams,
        response: { 200: schema(refTo("ConnectorJobSummary")), ...errors(401, 404) },
      },
    },
    async (req) => runs.jobSummary(await requireUser(req), req.params.id, req.params.job_id),
  );

  app.post(
    `${basePath}/:id/jobs/:job_id/cancel`,
    {
      schema: {
        tags,
        summary: "Cancel a queued or running job (a " + "finished job is returned unchanged)",
        params: JobParams,
        response: { 200: schema(refTo("ConnectorJob")), ...errors(401, 403, 404) },
      },
    },
    async (req) => runs.cancelJob(await requireUser(req), req.params.id, req.params.job_id),
  );

  app.get(
    `${basePath}/:id/file-states`,
    {
      schema: {
        tags,
        summary: "Tracked files: last sync, last error, fingerprint/checksum on both sides (path order)",
        description:
          "Needs MANAGE_PERMISSIONS on the target share (403 otherwise): the list names every " +
          "synced path, including folders whose ACL hides them from readers of the share root.",
        params: IdParams,
        querystring: FileStatesQuery,
        response: {
          200: schema({
            type: "object",
            properties: {
              file_states: { type: "array", items: refTo("ConnectorFileState") },
              next_cursor: nullable({ type: "string" }),
            },
          }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (req) => runs.fileStates(await requireUser(req), req.params.id, req.query),
  );
}

function identityMappingRoutes({ app, def, basePath, tags, connectors }: TypeRoutes): void {
  const mapping = mappingSchemas(def);

  app.post(
    `${basePath}/:id/identity-mappings`,
    {
      schema: {
        tags,
        summary: `Map a ${def.title} principal to a ScaiDrive user or group`,
        description: "409 ALREADY_EXISTS when the principal is already mapped on this connector.",
        params: IdParams,
        body: schema(mapping.body),
        response: { 201: schema(refTo(mappingId(def))), ...errors(JSON_BODY, 401, 403, 404, 409) },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await connectors.addMapping(await requireUser(req), req.params.id, req.body as Json)),
  );

  app.get(
    `${basePath}/:id/identity-mappings`,
    {
      schema: {
        tags,
        summary: "Identity mappings of the connector (MANAGE_PERMISSIONS on the target share)",
        params: IdParams,
        response: {
          200: schema({
            type: "object",
            properties: { identity_mappings: { type: "array", items: refTo(mappingId(def)) } },
          }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (req) => connectors.listMappings(await requireUser(req), req.params.id),
  );

  app.get(
    `${basePath}/:id/identity-mappings/:map_id`,
    {
      schema: {
        tags,
        summary: "One identity mapping (MANAGE_PERMISSIONS " + "on the target share)",
        params: MapParams,
        response: { 200: schema(refTo(mappingId(def))), ...errors(401, 403, 404) },
      },
    },
    async (req) => connectors.getMapping(await requireUser(req), req.params.id, req.params.map_id),
  );

  app.delete(
    `${basePath}/:id/identity-mappings/:map_id`,
    {
      schema: {
        tags,
        summary: "Remove an identity mapping",
        params: MapParams,
        response: { 204: Type.Null(), ...errors(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await connectors.deleteMapping(await requireUser(req), req.params.id, req.params.map_id);
      return reply.status(204).send(null);
    },
  );
}

function auditRoute({ app, basePath, tags, connectors }: TypeRoutes): void {
  app.get(
    `${basePath}/:id/audit`,
    {
      schema: {
        tags,
        summary:
          "Who created and changed the connector, when, and which " + "fields (names only, never values); newest first",
        description:
          "Needs MANAGE_PERMISSIONS on the target share. `scope_fields` are the changed fields that decide " +
          "where the stored secrets go; `secrets_dropped` the stored secrets such a change removed.",
        params: IdParams,
        querystring: PageQuery,
        response: {
          200: schema({
            type: "object",
            properties: {
              items: { type: "array", items: refTo("ConnectorAuditEntry") },
              next_cursor: nullable({ type: "string" }),
            },
          }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (req) => connectors.auditTrail(await requireUser(req), req.params.id, req.query),
  );
}

/**
 * The route module for one connector type at `basePath` (e.g. "/api/v1/smb-connectors"). The type
 * must be registered with the sync engine (the context builds its services then).
 */
export function createConnectorRoutes(def: ConnectorDefinition, basePath: string): RouteModule {
  const mod: RouteModule = (app, ctx) => {
    const services = ctx.connectorTypes.get(def.type);
    if (!services) throw new Error(`connector type ${def.type} is not registered with the sync engine`);
    const routes: TypeRoutes = {
      app,
      def,
      basePath,
      tags: [`${def.type}-connectors`],
      connectors: services.connectors,
      runs: services.runs,
    };
    connectorCrudRoutes(routes);
    connectionTestRoute(routes);
    runRoutes(routes);
    identityMappingRoutes(routes);
    auditRoute(routes);
  };
  mod.sharedSchemas = connectorSharedSchemas(def);
  return mod;
}
