import { Type } from "typebox";
import type { RouteModule } from "../app-types.js";
import { requireUser } from "../auth.js";
import { JSON_BODY, Node, Page, PageQuery, Share, errors, ref } from "../schemas.js";

/** Shares: any user may create one (and then holds every permission on it). */
export const shareRoutes: RouteModule = (app, ctx) => {
  app.post(
    "/api/v1/shares",
    {
      schema: {
        tags: ["shares"],
        summary: "Create a share",
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 400 }),
          description: Type.Optional(Type.Union([Type.String({ maxLength: 4000 }), Type.Null()])),
        }),
        response: { 201: ref(Share), ...errors(JSON_BODY, 401) },
      },
    },
    async (req, reply) => {
      const actor = await requireUser(req);
      return reply.status(201).send(await ctx.shares.create(actor, req.body));
    },
  );

  app.get(
    "/api/v1/shares",
    {
      schema: {
        tags: ["shares"],
        summary: "Shares visible to the caller",
        querystring: Type.Object(PageQuery),
        response: { 200: Page(ref(Share)), ...errors(400, 401) },
      },
    },
    async (req) => ctx.shares.list(await requireUser(req), req.query),
  );

  app.get(
    "/api/v1/shares/:share_id",
    {
      schema: {
        tags: ["shares"],
        summary: "One share",
        params: Type.Object({ share_id: Type.String() }),
        response: { 200: ref(Share), ...errors(401, 404) },
      },
    },
    async (req) => ctx.shares.get(await requireUser(req), req.params.share_id),
  );

  app.get(
    "/api/v1/shares/:share_id/entry-points",
    {
      schema: {
        tags: ["shares"],
        summary: "Where the caller's access starts: the root, or the folders and files shared with it below",
        description:
          "The share's root when the caller can read it; otherwise the readable nodes whose parent the caller " +
          "cannot read (folders or files given to the caller or one of its groups further down), by path. " +
          "What a web client opens when someone was given a folder but not the share's top level.",
        params: Type.Object({ share_id: Type.String() }),
        response: { 200: Type.Object({ items: Type.Array(ref(Node)) }), ...errors(401, 404) },
      },
    },
    async (req) => {
      const actor = await requireUser(req);
      await ctx.shares.get(actor, req.params.share_id);
      return { items: await ctx.files.entryPoints(req.params.share_id, actor) };
    },
  );

  app.delete(
    "/api/v1/shares/:share_id",
    {
      schema: {
        tags: ["shares"],
        summary: "Delete a share and all its content",
        params: Type.Object({ share_id: Type.String() }),
        response: { 204: Type.Null(), ...errors(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await ctx.shares.delete(await requireUser(req), req.params.share_id);
      return reply.status(204).send(null);
    },
  );
};
