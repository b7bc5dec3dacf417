import { Type } from "typebox";
import type { RouteModule } from "../app-types.js";
import { requireUser } from "../auth.js";
import { errors } from "../schemas.js";
import { sendZip } from "../zip-response.js";
import { MAX_ARCHIVE_PATHS } from "../../core/archive-plan.js";
import { normalizeName } from "../../core/name-rules.js";

/** Several files and folders of a share as one ZIP, built on the fly. */
export const archiveRoutes: RouteModule = (app, ctx) => {
  app.get(
    "/api/v1/shares/:share_id/zip",
    {
      schema: {
        tags: ["content"],
        summary: "Download files and folders as one ZIP, streamed as it is built",
        description:
          "Repeat `path` for each file or folder (up to 1000); folders are included with everything in them " +
          "the caller can read, named relative to the selection's common parent folder. Every path must " +
          "exist (404 before any byte is sent). Entries are stored uncompressed; ZIP64 where needed; " +
          "Content-Length is known up front. Remote mounts are not included (a path inside one is 400).",
        params: Type.Object({ share_id: Type.String() }),
        querystring: Type.Object({
          path: Type.Array(Type.String({ minLength: 1 }), {
            minItems: 1,
            maxItems: MAX_ARCHIVE_PATHS,
            description: "a file or folder to include; repeat the parameter for more",
          }),
          name: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 200,
              description:
                "archive file name without .zip (default: the one selected folder's name, else the common parent's)",
            }),
          ),
        }),
        response: {
          200: Type.String({ format: "binary", description: "application/zip" }),
          ...errors(400, 401, 404),
        },
      },
    },
    async (req, reply) => {
      const actor = await requireUser(req);
      const name = req.query.name === undefined ? undefined : normalizeName(req.query.name).replace(/\.zip$/i, "");
      const plan = await ctx.files.planArchive(req.params.share_id, req.query.path, actor);
      return sendZip(req, reply, plan, (sha256) => ctx.files.openBlobStream(sha256), name || plan.baseName);
    },
  );
};
