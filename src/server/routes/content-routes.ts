import { Type } from "typebox";
import type { RouteModule } from "../app-types.js";
import { requireUser } from "../auth.js";
import { AppError } from "../../core/errors.js";
import { Disposition, Node, PathQuery, errors, ref } from "../schemas.js";
import { sendContent, sendMountContent } from "../content-response.js";
import { parseEntityTags } from "../range-header.js";
import { UploadGuard, markUpload } from "../upload-guard.js";

const ShareParams = Type.Object({ share_id: Type.String() });
const Binary = Type.String({ format: "binary", description: "file bytes" });

/**
 * Parses If-None-Match for uploads: `*` (only create), or entity-tags whose match with the
 * current file's ETag refuses the upload (RFC 9110 §13.1.2, weak comparison).
 * @throws AppError VALIDATION_FAILED for a value that is neither.
 */
function ifNoneMatch(header: string | undefined): { any: boolean; tags?: string[] } {
  if (header === undefined) return { any: false };
  const parsed = parseEntityTags(header);
  if (parsed === undefined)
    throw new AppError("VALIDATION_FAILED", "If-None-Match must be * or a " + 'list of entity-tags ("...")', {
      field: "if-none-match",
    });
  if (parsed === "*") return { any: true };
  return { any: false, tags: parsed.map((t) => t.opaque) };
}

/**
 * Upload and download by path. The upload body is raw bytes of any media type, streamed straight
 * into the blob store (never buffered); its own scope swaps the JSON parser for a pass-through.
 * Paths under a remote mount point stream to/from the remote instead (the node facade dispatches them).
 */
export const contentRoutes: RouteModule = async (app, ctx) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_req, _payload, done) => done(null, undefined));

  app.put(
    "/api/v1/shares/:share_id/content",
    {
      schema: {
        tags: ["content"],
        summary: "Upload a file (raw body): 201 new file, 200 new version; parents are created",
        description:
          "Optional headers: If-Match (ETag of the current content), If-None-Match: * (only create) or a " +
          "list of ETags (412 when the current content has one of them), X-Modified-At (RFC 3339 mtime).",
        params: ShareParams,
        querystring: PathQuery,
        headers: Type.Object({
          "if-match": Type.Optional(Type.String()),
          "if-none-match": Type.Optional(Type.String()),
          "x-modified-at": Type.Optional(Type.String({ format: "date-time" })),
        }),
        response: { 200: ref(Node), 201: ref(Node), ...errors(400, 401, 403, 404, 408, 409, 412, 413, 502, 504) },
      },
      // The whole-request timeout does not apply while the body arrives; the idle timeout does.
      onRequest: (req, _reply, done) => {
        markUpload(req);
        done();
      },
    },
    async (req, reply) => {
      const actor = await requireUser(req);
      const length = req.headers["content-length"];
      if (length !== undefined && Number(length) > ctx.config.maxUploadBytes) {
        throw new AppError("PAYLOAD_TOO_LARGE", `uploads ` + `are limited to ${ctx.config.maxUploadBytes} bytes`, {
          max_bytes: ctx.config.maxUploadBytes,
        });
      }
      const mtime = req.headers["x-modified-at"] ? new Date(req.headers["x-modified-at"]) : undefined;
      const noneMatch = ifNoneMatch(req.headers["if-none-match"]);
      const guard = new UploadGuard(req, reply, ctx.config.uploadIdleTimeoutMs);
      try {
        const { node, created, mounted } = await ctx.files.upload(req.params.share_id, req.query.path, req.raw, {
          actor,
          mtime,
          size: length === undefined ? undefined : Number(length),
          ifNoneMatch: noneMatch,
          ifMatch: req.headers["if-match"],
        });
        if (mounted) return reply.status(created ? 201 : 200).send(node);
        return reply
          .status(created ? 201 : 200)
          .header("etag", `"${node.sha256}"`)
          .send(node);
      } catch (err) {
        // The idle timeout already answered 408 (or cut the connection) and logged it.
        if (guard.timedOut) return reply;
        guard.noteFailure(err);
        throw err;
      } finally {
        guard.stop();
      }
    },
  );

  app.get(
    "/api/v1/shares/:share_id/content",
    {
      schema: {
        tags: ["content"],
        summary: "Download the current version; Range, If-Range, ETag and If-None-Match honoured",
        params: ShareParams,
        querystring: Type.Object({ ...PathQuery.properties, disposition: Disposition }),
        response: { 200: Binary, 206: Binary, 304: Type.Null(), ...errors(400, 401, 403, 404, 409, 416, 502, 504) },
      },
    },
    async (req, reply) => {
      const d = await ctx.files.download(req.params.share_id, req.query.path, await requireUser(req));
      const inline = req.query.disposition === "inline";
      if (d.kind === "mount") return sendMountContent(req, reply, d.mount, inline);
      return sendContent(ctx.files, req, reply, d.node, d.version, inline);
    },
  );
};
