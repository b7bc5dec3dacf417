/**
 * Remote mounts (`/api/v1/mounts`) and one-shot push/pull (`/api/v1/{type}-connectors/{id}/push|pull`),
 * for every connector type registered with the sync runtime. Also the per-context
 * {@link mountsOf} the core file/content routes consult to divert paths under a mount point.
 */
import { Type } from "typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Readable } from "node:stream";
import type { AppContext } from "../app-context.js";
import type { AppInstance, RouteModule } from "../app-types.js";
import { requireUser } from "../auth.js";
import { AppError, isAppError } from "../../core/errors.js";
import { MountService } from "../../core/mounts/mount-service.js";
import { MountRemotes } from "../../core/mounts/mount-remotes.js";
import { RemoteError } from "../../sync/remote-errors.js";
import { PushPullService } from "../../sync/push-pull-service.js";
import { syncRuntimeOf } from "../sync-runtime.js";
import { jobView } from "./connector-routes.js";
import { etagMatches, ifRangeHolds, parseRange } from "../range-header.js";
import { JSON_BODY, PageQuery, errors, ref } from "../schemas.js";
import { JobSchema, refTo } from "../connector-schemas.js";

const services = new WeakMap<AppContext, { mounts: MountService; pushPull: PushPullService }>();

function servicesOf(ctx: AppContext): { mounts: MountService; pushPull: PushPullService } {
  const existing = services.get(ctx);
  if (existing) return existing;
  const runtime = syncRuntimeOf(ctx);
  const logger = ctx.logger.child({ component: "mounts" });
  const remotes = new MountRemotes({
    load: (id) => runtime.stores.connectors.get(id),
    open: async (id) => {
      const connector = await runtime.stores.connectors.require(id);
      try {
        return await runtime.openDefinitionRemote(connector, { purpose: "mount", signal: new AbortController().signal });
      } catch (err) {
        // A refused credential disables the connector like a failed sync would (its type permitting).
        if (err instanceof RemoteError && err.kind === "auth") {
          await runtime.authGuard.authFailed(id, err.message).catch((e: unknown) => logger.error({ err: e, connectorId: id }, "could not disable the connector after an auth failure"));
        }
        throw err;
      }
    },
    logger,
  });
  const mounts = new MountService({
    db: ctx.db, nodes: ctx.nodes, remotes, logger,
    mayUseConnector: async (actor, id) => {
      const connector = await runtime.stores.connectors.get(id);
      if (!connector) return false;
      if (actor.isAdmin) return true;
      return ctx.nodes.locate(actor, connector.target_share_id, "/", "MANAGE_PERMISSIONS").then(() => true, () => false);
    },
  });
  const pushPull = new PushPullService({
    stores: runtime.stores,
    runner: runtime.runner,
    openRemote: (connector, signal) => {
      const type = runtime.types.get(connector.type);
      if (!type) throw new AppError("INTERNAL", `no connector type "${connector.type}" is registered`);
      return type.openRemote(connector, signal);
    },
    openScaidrive: (connector) => runtime.openScaidrive(connector),
    logger: ctx.logger.child({ component: "push-pull" }),
  });
  const made = { mounts, pushPull };
  services.set(ctx, made);
  return made;
}

/** The context's mount service (created on first use): the one place core routes ask about mounts. */
export function mountsOf(ctx: AppContext): MountService {
  return servicesOf(ctx).mounts;
}

/** The context's push/pull service (tests wait on its jobs). */
export function pushPullOf(ctx: AppContext): PushPullService {
  return servicesOf(ctx).pushPull;
}

/**
 * Answers a download under a mount (ETag / If-None-Match / If-Range / single Range like core downloads), or
 * returns undefined when the path is not under a mount.
 */
export async function sendMountDownload(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, shareId: string, path: string): Promise<FastifyReply | undefined> {
  const d = await mountsOf(ctx).divertDownload(shareId, path, await requireUser(req));
  if (!d) return undefined;
  reply.header("etag", d.etag).header("accept-ranges", "bytes").header("last-modified", new Date(d.node.modified_at).toUTCString());
  if (etagMatches(req.headers["if-none-match"], d.etag)) return reply.status(304).send();
  // A remote's modification time may repeat for different content, so only the ETag can validate If-Range.
  const ifRange = req.headers["if-range"];
  const honourRange = await ifRangeHolds(Array.isArray(ifRange) ? ifRange.join(", ") : ifRange, { etag: d.etag, lastModified: new Date(d.node.modified_at) });
  const range = honourRange ? parseRange(req.headers.range, d.size) : undefined;
  reply.header("content-type", "application/octet-stream").header("content-disposition", `attachment; filename*=UTF-8''${encodeURIComponent(d.node.name)}`);
  const head = req.method === "HEAD";
  if (range) {
    const stream = head ? Readable.from([]) : await d.open(range);
    return reply.status(206).header("content-range", `bytes ${range.start}-${range.end}/${d.size}`).header("content-length", range.end - range.start + 1).send(stream);
  }
  if (d.size === 0) return reply.status(200).header("content-length", 0).send(Buffer.alloc(0));
  const stream = head ? Readable.from([]) : await d.open();
  return reply.status(200).header("content-length", d.size).send(stream);
}

const MountSchema = Type.Object({
  id: Type.String({ description: "mnt_ + ULID" }),
  share_id: Type.String(),
  path: Type.String({ description: "the mount point's current path in the share" }),
  node_id: Type.String({ description: "the mount point folder's node id" }),
  connector_id: Type.String(),
  remote_path: Type.String({ description: "folder relative to the connector's base ('' = its root)" }),
  created_by: Type.String(),
  created_at: Type.String({ format: "date-time" }),
}, { $id: "Mount" });
const IdParams = Type.Object({ id: Type.String() });
const PushPullBody = Type.Object({
  after_copy: Type.Union([Type.Literal("keep"), Type.Literal("delete")], { description: "delete: remove each source file once its copy is verified (size + SHA-256)" }),
  path: Type.Optional(Type.String({ description: "sub-folder relative to both the connector's base and its target_path (default: everything)" })),
}, { additionalProperties: false });
const Job = Type.Unsafe<Record<string, unknown>>(refTo("ConnectorJob"));

export const mountRoutes: RouteModule = (app: AppInstance, ctx) => {
  const { mounts, pushPull } = servicesOf(ctx);
  const runtime = syncRuntimeOf(ctx);
  app.addHook("onReady", async () => {
    mounts.startSweeping();
  });
  // Push/pull jobs run on the sync runtime's job runner, which the runtime stops on close.
  app.addHook("onClose", async () => {
    await mounts.close();
  });

  app.post("/api/v1/mounts", {
    schema: {
      tags: ["mounts"], summary: "Mount a connector's remote folder on an empty (or new) share folder",
      description: "Needs MANAGE_PERMISSIONS on the share. Everything at or under `path` then passes through to the remote live.",
      body: Type.Object({
        share_id: Type.String(), path: Type.String({ minLength: 1 }), connector_id: Type.String(),
        remote_path: Type.Optional(Type.String({ description: "relative to the connector's base; default its root" })),
      }, { additionalProperties: false }),
      response: { 201: ref(MountSchema), ...errors(JSON_BODY, 401, 403, 404, 409, 502, 504) },
    },
  }, async (req, reply) => reply.status(201).send(await mounts.create(await requireUser(req), req.body)));

  app.get("/api/v1/mounts", {
    schema: { tags: ["mounts"], summary: "Mounts whose mount point the caller can read", querystring: Type.Object(PageQuery), response: { 200: Type.Object({ items: Type.Array(ref(MountSchema)), next_cursor: Type.Union([Type.String(), Type.Null()]) }), ...errors(400, 401) } },
  }, async (req) => mounts.list(await requireUser(req), req.query));

  app.get("/api/v1/mounts/:id", {
    schema: { tags: ["mounts"], summary: "One mount", params: IdParams, response: { 200: ref(MountSchema), ...errors(401, 404) } },
  }, async (req) => mounts.get(await requireUser(req), req.params.id));

  app.delete("/api/v1/mounts/:id", {
    schema: { tags: ["mounts"], summary: "Unmount: the share folder stays (empty), the remote is untouched", params: IdParams, response: { 204: Type.Null(), ...errors(401, 403, 404) } },
  }, async (req, reply) => {
    await mounts.remove(await requireUser(req), req.params.id);
    return reply.status(204).send(null);
  });

  for (const def of runtime.definitions.values()) {
    for (const mode of ["push", "pull"] as const) {
      app.post(`/api/v1/${def.type}-connectors/:id/${mode}`, {
        schema: {
          tags: [`${def.type}-connectors`],
          summary: mode === "push" ? "One-shot push: copy new/changed ScaiDrive files to the remote" : "One-shot pull: copy new/changed remote files into ScaiDrive",
          description: "202 with the job (same shape and list as syncs, trigger push|pull). Never deletes on the destination; after_copy=delete removes each source file once its copy is verified.",
          params: IdParams, body: PushPullBody,
          response: { 202: Job, ...errors(JSON_BODY, 401, 403, 404, 409) },
        },
      }, async (req, reply) => {
        const actor = await requireUser(req);
        const connector = await runtime.stores.connectors.get(req.params.id);
        if (!connector || connector.type !== def.type) throw new AppError("NOT_FOUND", `connector ${req.params.id} not found`);
        try {
          await ctx.nodes.locate(actor, connector.target_share_id, "/", "MANAGE_PERMISSIONS");
        } catch (err) {
          if (isAppError(err) && err.code === "FORBIDDEN") throw new AppError("FORBIDDEN", `${mode} needs MANAGE_PERMISSIONS on the connector's target share`);
          throw new AppError("NOT_FOUND", `connector ${req.params.id} not found`);
        }
        const job = await pushPull.start(connector.id, mode, { afterCopy: req.body.after_copy, path: req.body.path });
        req.log.info({ connectorId: connector.id, jobId: job.id, userId: actor.userId, mode, afterCopy: req.body.after_copy }, `${mode} requested`);
        return reply.status(202).send(jobView(job));
      });
    }
  }
};
mountRoutes.sharedSchemas = [MountSchema, JobSchema];
