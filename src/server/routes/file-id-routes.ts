import { Type } from "typebox";
import type { RouteModule } from "../app-types.js";
import { requireUser } from "../auth.js";
import { Disposition, JSON_BODY, Metadata, Node, PageQuery, Version, errors, ref } from "../schemas.js";
import { sendContent } from "../content-response.js";

const FileParams = Type.Object({ file_id: Type.String() });
const VersionParams = Type.Object({ file_id: Type.String(), version_id: Type.String() });
const Binary = Type.String({ format: "binary" });

/**
 * Nodes by id (stable across renames): the node, its versions and its metadata dict. Ids under a mount point are
 * unknown here (404).
 */
export const fileIdRoutes: RouteModule = (app, ctx) => {
  app.get(
    "/api/v1/files/:file_id",
    {
      schema: {
        tags: ["files"],
        summary: "A node by id",
        params: FileParams,
        response: { 200: ref(Node), ...errors(401, 404) },
      },
    },
    async (req) => ctx.files.statById(req.params.file_id, await requireUser(req)),
  );

  app.get(
    "/api/v1/files/:file_id/versions",
    {
      schema: {
        tags: ["versions"],
        summary: "Versions, newest first",
        params: FileParams,
        querystring: Type.Object(PageQuery),
        response: {
          200: Type.Object({
            versions: Type.Array(ref(Version)),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errors(400, 401, 404),
        },
      },
    },
    async (req) => {
      const page = await ctx.files.listVersions(req.params.file_id, req.query, await requireUser(req));
      return { versions: page.items, next_cursor: page.next_cursor };
    },
  );

  app.get(
    "/api/v1/files/:file_id/versions/:version_id/content",
    {
      schema: {
        tags: ["versions"],
        summary: "Bytes of one version (Range, ETag honoured)",
        params: VersionParams,
        querystring: Type.Object({ disposition: Disposition }),
        response: { 200: Binary, 206: Binary, 304: Type.Null(), ...errors(400, 401, 404, 416) },
      },
    },
    async (req, reply) => {
      const { node, version } = await ctx.files.getVersion(
        req.params.file_id,
        req.params.version_id,
        await requireUser(req),
      );
      return sendContent(ctx.files, req, reply, node, version, req.query.disposition === "inline");
    },
  );

  app.post(
    "/api/v1/files/:file_id/versions/:version_id/restore",
    {
      schema: {
        tags: ["versions"],
        summary: "Make an old version current (adds a new version)",
        params: VersionParams,
        response: { 200: ref(Node), ...errors(401, 403, 404) },
      },
    },
    async (req) => ctx.files.restoreVersion(req.params.file_id, req.params.version_id, await requireUser(req)),
  );

  app.get(
    "/api/v1/files/:file_id/metadata",
    {
      schema: {
        tags: ["metadata"],
        summary: "The metadata dict",
        params: FileParams,
        response: { 200: Metadata, ...errors(401, 404) },
      },
    },
    async (req) => ctx.files.getMetadata(req.params.file_id, await requireUser(req)),
  );

  app.patch(
    "/api/v1/files/:file_id/metadata",
    {
      schema: {
        tags: ["metadata"],
        summary: "Merge keys into the dict; null removes a key",
        params: FileParams,
        body: Metadata,
        response: { 200: Metadata, ...errors(JSON_BODY, 401, 403, 404) },
      },
    },
    async (req) => ctx.files.patchMetadata(req.params.file_id, req.body, await requireUser(req)),
  );
};
