import { Type } from "typebox";
import type { RouteModule } from "../app-types.js";
import { requireUser } from "../auth.js";
import { JSON_BODY, Node, Page, PageQuery, PathQuery, errors, ref } from "../schemas.js";

const ShareParams = Type.Object({ share_id: Type.String() });

/**
 * Tree operations by path inside a share: list, search, stat, mkdir -p, move, delete. Paths at or under a
 * remote mount point go to the remote (the node facade dispatches them).
 */
export const fileRoutes: RouteModule = (app, ctx) => {
  app.get(
    "/api/v1/shares/:share_id/files",
    {
      schema: {
        tags: ["files"],
        summary: "List a folder (paginated, by name)",
        params: ShareParams,
        querystring: Type.Object({
          path: Type.Optional(Type.String({ description: "folder path, default /" })),
          ...PageQuery,
        }),
        response: { 200: Page(ref(Node)), ...errors(400, 401, 403, 404, 409, 502, 504) },
      },
    },
    async (req) => {
      return ctx.files.list(req.params.share_id, req.query.path ?? "/", req.query, await requireUser(req));
    },
  );

  app.get(
    "/api/v1/shares/:share_id/search",
    {
      schema: {
        tags: ["files"],
        summary: "Find files and folders by name below a folder (paginated, by path)",
        description:
          "Nodes below `path` (default /) whose name contains `q`, compared case-insensitively; only nodes " +
          "the caller can read. Does not descend into remote mounts (a mount point itself can be found; " +
          "a `path` inside a mount is 400 with `details.reason: inside_mount`).",
        params: ShareParams,
        querystring: Type.Object({
          q: Type.String({ minLength: 1, maxLength: 200, description: "part of the name to look for" }),
          path: Type.Optional(Type.String({ description: "folder to search below, default /" })),
          ...PageQuery,
        }),
        response: { 200: Page(ref(Node)), ...errors(400, 401, 404) },
      },
    },
    async (req) => {
      const { q, path, ...page } = req.query;
      return ctx.files.search(req.params.share_id, path ?? "/", q, page, await requireUser(req));
    },
  );

  app.get(
    "/api/v1/shares/:share_id/files/stat",
    {
      schema: {
        tags: ["files"],
        summary: "One node by path",
        params: ShareParams,
        querystring: PathQuery,
        response: { 200: ref(Node), ...errors(400, 401, 403, 404, 409, 502, 504) },
      },
    },
    async (req) => {
      return ctx.files.stat(req.params.share_id, req.query.path, await requireUser(req));
    },
  );

  app.post(
    "/api/v1/shares/:share_id/folders",
    {
      schema: {
        tags: ["files"],
        summary: "Create a folder and missing parents (201 created, 200 existed)",
        params: ShareParams,
        body: Type.Object({ path: Type.String({ minLength: 1 }) }),
        response: { 200: ref(Node), 201: ref(Node), ...errors(JSON_BODY, 401, 403, 404, 409, 502, 504) },
      },
    },
    async (req, reply) => {
      const { node, created } = await ctx.files.mkdirp(req.params.share_id, req.body.path, await requireUser(req));
      return reply.status(created ? 201 : 200).send(node);
    },
  );

  app.post(
    "/api/v1/shares/:share_id/move",
    {
      schema: {
        tags: ["files"],
        summary: "Move or rename (ids are kept); replace: overwrite a destination of the same type",
        params: ShareParams,
        body: Type.Object({
          from: Type.String({ minLength: 1 }),
          to: Type.String({ minLength: 1 }),
          replace: Type.Optional(Type.Boolean()),
        }),
        response: { 200: ref(Node), ...errors(JSON_BODY, 401, 403, 404, 409, 502, 504) },
      },
    },
    async (req) => {
      return ctx.files.move(req.params.share_id, req.body.from, req.body.to, {
        actor: await requireUser(req),
        replace: req.body.replace,
      });
    },
  );

  app.delete(
    "/api/v1/shares/:share_id/files",
    {
      schema: {
        tags: ["files"],
        summary: "Delete a file or a folder recursively",
        params: ShareParams,
        querystring: PathQuery,
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 409, 502, 504) },
      },
    },
    async (req, reply) => {
      await ctx.files.delete(req.params.share_id, req.query.path, await requireUser(req));
      return reply.status(204).send(null);
    },
  );
};
