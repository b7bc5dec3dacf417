import { Type } from "typebox";
import type { RouteModule } from "../app-types.js";
import { requireUser } from "../auth.js";
import { JSON_BODY, Node, Page, PageQuery, PathQuery, errors, ref } from "../schemas.js";
import { mountsOf } from "./mount-routes.js";

const ShareParams = Type.Object({ share_id: Type.String() });

/**
 * Tree operations by path inside a share: list, stat, mkdir -p, move, delete. Paths at or under a
 * remote mount point are answered by the mount service first (`mountsOf(ctx).divert*`).
 */
export const fileRoutes: RouteModule = (app, ctx) => {
  app.get("/api/v1/shares/:share_id/files", {
    schema: {
      tags: ["files"], summary: "List a folder (paginated, by name)", params: ShareParams,
      querystring: Type.Object({ path: Type.Optional(Type.String({ description: "folder path, default /" })), ...PageQuery }),
      response: { 200: Page(ref(Node)), ...errors(400, 401, 403, 404, 409, 502, 504) },
    },
  }, async (req) => {
    const actor = await requireUser(req);
    const mounted = await mountsOf(ctx).divertList(req.params.share_id, req.query.path ?? "/", req.query, actor);
    if (mounted) return mounted;
    return ctx.nodes.list(req.params.share_id, req.query.path ?? "/", req.query, actor);
  });

  app.get("/api/v1/shares/:share_id/files/stat", {
    schema: { tags: ["files"], summary: "One node by path", params: ShareParams, querystring: PathQuery, response: { 200: ref(Node), ...errors(400, 401, 403, 404, 409, 502, 504) } },
  }, async (req) => {
    const actor = await requireUser(req);
    return (await mountsOf(ctx).divertStat(req.params.share_id, req.query.path, actor)) ?? ctx.nodes.stat(req.params.share_id, req.query.path, actor);
  });

  app.post("/api/v1/shares/:share_id/folders", {
    schema: {
      tags: ["files"], summary: "Create a folder and missing parents (201 created, 200 existed)", params: ShareParams,
      body: Type.Object({ path: Type.String({ minLength: 1 }) }),
      response: { 200: ref(Node), 201: ref(Node), ...errors(JSON_BODY, 401, 403, 404, 409, 502, 504) },
    },
  }, async (req, reply) => {
    const actor = await requireUser(req);
    const { node, created } = (await mountsOf(ctx).divertMkdir(req.params.share_id, req.body.path, actor)) ?? (await ctx.nodes.mkdirp(req.params.share_id, req.body.path, { actor }));
    return reply.status(created ? 201 : 200).send(node);
  });

  app.post("/api/v1/shares/:share_id/move", {
    schema: {
      tags: ["files"], summary: "Move or rename (ids are kept); replace: overwrite a destination of the same type", params: ShareParams,
      body: Type.Object({ from: Type.String({ minLength: 1 }), to: Type.String({ minLength: 1 }), replace: Type.Optional(Type.Boolean()) }),
      response: { 200: ref(Node), ...errors(JSON_BODY, 401, 403, 404, 409, 502, 504) },
    },
  }, async (req) => {
    const actor = await requireUser(req);
    const mounted = await mountsOf(ctx).divertMove(req.params.share_id, req.body.from, req.body.to, actor);
    if (mounted) return mounted;
    return ctx.nodes.move(req.params.share_id, req.body.from, req.body.to, { actor, replace: req.body.replace });
  });

  app.delete("/api/v1/shares/:share_id/files", {
    schema: { tags: ["files"], summary: "Delete a file or a folder recursively", params: ShareParams, querystring: PathQuery, response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 409, 502, 504) } },
  }, async (req, reply) => {
    const actor = await requireUser(req);
    if (!(await mountsOf(ctx).divertDelete(req.params.share_id, req.query.path, actor))) await ctx.nodes.delete(req.params.share_id, req.query.path, actor);
    return reply.status(204).send(null);
  });
};
