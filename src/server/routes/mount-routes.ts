/**
 * Remote mounts (`/api/v1/mounts`) and one-shot push/pull (`/api/v1/{type}-connectors/{id}/push|pull`),
 * for every connector type registered with the sync engine. Paths under a mount point are
 * dispatched by the node facade (`core/node-facade.ts`), which every file route goes through.
 */
import { Type } from "typebox";
import type { AppInstance, RouteContext, RouteModule } from "../app-types.js";
import { requireUser } from "../auth.js";
import { JSON_BODY, PageQuery, errors, ref } from "../schemas.js";
import { JobSchema, refTo } from "../connector-schemas.js";

const MountSchema = Type.Object(
  {
    id: Type.String({ description: "mnt_ + ULID" }),
    share_id: Type.String(),
    path: Type.String({ description: "the mount point's current path in the share" }),
    node_id: Type.String({ description: "the mount point folder's node id" }),
    connector_id: Type.String(),
    remote_path: Type.String({ description: "folder relative to the connector's base ('' = its root)" }),
    created_by: Type.String(),
    created_at: Type.String({ format: "date-time" }),
  },
  { $id: "Mount" },
);
const IdParams = Type.Object({ id: Type.String() });
const PushPullBody = Type.Object(
  {
    after_copy: Type.Union([Type.Literal("keep"), Type.Literal("delete")], {
      description: "delete: remove each source file once its copy is verified (size + SHA-256)",
    }),
    path: Type.Optional(
      Type.String({
        description: "sub-folder relative to both the connector's base and its target_path (default: everything)",
      }),
    ),
  },
  { additionalProperties: false },
);
const Job = Type.Unsafe<Record<string, unknown>>(refTo("ConnectorJob"));

export const mountRoutes: RouteModule = (app: AppInstance, ctx: RouteContext) => {
  const { mounts } = ctx;

  app.post(
    "/api/v1/mounts",
    {
      schema: {
        tags: ["mounts"],
        summary: "Mount a connector's remote folder on an empty (or new) share folder",
        description:
          "Needs MANAGE_PERMISSIONS on the share. Everything at or " +
          "under `path` then passes through to the remote live.",
        body: Type.Object(
          {
            share_id: Type.String(),
            path: Type.String({ minLength: 1 }),
            connector_id: Type.String(),
            remote_path: Type.Optional(
              Type.String({ description: "relative to the connector's base; default its root" }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: ref(MountSchema), ...errors(JSON_BODY, 401, 403, 404, 409, 502, 504) },
      },
    },
    async (req, reply) => reply.status(201).send(await mounts.create(await requireUser(req), req.body)),
  );

  app.get(
    "/api/v1/mounts",
    {
      schema: {
        tags: ["mounts"],
        summary: "Mounts whose mount point the caller can read",
        querystring: Type.Object(PageQuery),
        response: {
          200: Type.Object({
            items: Type.Array(ref(MountSchema)),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errors(400, 401),
        },
      },
    },
    async (req) => mounts.list(await requireUser(req), req.query),
  );

  app.get(
    "/api/v1/mounts/:id",
    {
      schema: {
        tags: ["mounts"],
        summary: "One mount",
        params: IdParams,
        response: { 200: ref(MountSchema), ...errors(401, 404) },
      },
    },
    async (req) => mounts.get(await requireUser(req), req.params.id),
  );

  app.delete(
    "/api/v1/mounts/:id",
    {
      schema: {
        tags: ["mounts"],
        summary: "Unmount: the share folder stays (empty), the remote is untouched",
        params: IdParams,
        response: { 204: Type.Null(), ...errors(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await mounts.remove(await requireUser(req), req.params.id);
      return reply.status(204).send(null);
    },
  );

  for (const { definition: def, runs } of ctx.connectorTypes.values()) {
    for (const mode of ["push", "pull"] as const) {
      app.post(
        `/api/v1/${def.type}-connectors/:id/${mode}`,
        {
          schema: {
            tags: [`${def.type}-connectors`],
            summary:
              mode === "push"
                ? "One-shot push: copy new/changed ScaiDrive files to the remote"
                : "One-shot pull: copy new/changed remote files into ScaiDrive",
            description:
              "202 with the job (same shape and list as syncs, trigger push|pull). Never deletes on " +
              "the destination; after_copy=delete removes each source file once its copy is verified.",
            params: IdParams,
            body: PushPullBody,
            response: { 202: Job, ...errors(JSON_BODY, 401, 403, 404, 409) },
          },
        },
        async (req, reply) => {
          const actor = await requireUser(req);
          const { connectorId, job } = await runs.startPushPull(actor, req.params.id, mode, {
            afterCopy: req.body.after_copy,
            path: req.body.path,
          });
          req.log.info(
            { connectorId, jobId: job.id, userId: actor.userId, mode, afterCopy: req.body.after_copy },
            `${mode} requested`,
          );
          return reply.status(202).send(job);
        },
      );
    }
  }
};
mountRoutes.sharedSchemas = [MountSchema, JobSchema];
