import { Server } from "@tus/server";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { RouteModule } from "../app-types.js";
import { requireUser } from "../auth.js";
import { AppError, isAppError, type ErrorCode } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { errors } from "../schemas.js";
import { UploadGuard, markUpload } from "../upload-guard.js";
import { requestBodyStream } from "../request-body-stream.js";
import { TusUploadStore, tusScope, type TusRequestScope } from "../tus-upload-store.js";

const PREFIX = "/api/v1/uploads";
const UploadParams = Type.Object({ upload_id: Type.String() });
const TUS_RESUMABLE = "1.0.0";

/** What @tus/server's own refusals (text bodies) become in the error envelope, by status. */
const TUS_STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: "VALIDATION_FAILED",
  // tus-node answers a missing Upload-Offset or Content-Type with 403; they are malformed requests.
  403: "VALIDATION_FAILED",
  404: "NOT_FOUND",
  409: "CONFLICT",
  410: "NOT_FOUND",
  412: "PRECONDITION_FAILED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  460: "VALIDATION_FAILED",
  // An extension this server does not offer (deferred length, concatenation).
  501: "VALIDATION_FAILED",
};

const DESCRIPTION =
  "Resumable uploads, tus 1.0 (https://tus.io/protocols/resumable-upload) with the creation, " +
  "creation-with-upload, termination and expiration extensions. Every request but OPTIONS carries " +
  "`Tus-Resumable: 1.0.0`. Create with `Upload-Length` and `Upload-Metadata` keys `share_id`, `path` " +
  "(the destination file, folders are created as for PUT) and optionally `if_match` (the ETag of the " +
  "content to replace). `HEAD /api/v1/uploads/{upload_id}` answers Upload-Offset (where to resume) " +
  "and Upload-Length; `OPTIONS /api/v1/uploads` (no token) the protocol version and " +
  "extensions. Only the creator sees an upload (others: 404). Creation checks the name rules " +
  "(400), the share and WRITE permission (404/403) and SCAIDRIVE_MAX_UPLOAD_BYTES (413). The last " +
  "PATCH commits the version and answers `ScaiDrive-Node-Id` and `ScaiDrive-Version-Id`; an `if_match` " +
  "that no longer holds then is 412 and the upload is discarded. Uploads expire after " +
  "SCAIDRIVE_UPLOAD_EXPIRY_HOURS (default 24). Errors use the error envelope.";

/**
 * tus resumable uploads (@tus/server) at /api/v1/uploads, inside Fastify: authentication, security
 * headers, request logging and the error envelope apply as to every route. Bodies are never
 * parsed: PATCH (and a creation with data) hand the request stream to the tus handler, which
 * writes it through {@link TusUploadStore} into the blob store's uploads directory; a body is exempt
 * from the whole-request timeout and watched by the idle timeout instead, like PUT .../content.
 */
export const uploadRoutes: RouteModule = (app, ctx) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_req, _payload, done) => done(null, undefined));

  const tus = new Server({
    path: PREFIX,
    datastore: new TusUploadStore(ctx.uploads),
    relativeLocation: true,
    // Same-origin only: no Access-Control-Allow-Origin for anyone.
    allowedOrigins: [],
    namingFunction: () => newId("upl"),
    // Several nodes: the lock of an upload is in the database (see core/upload-locker.ts).
    ...(ctx.uploadLocker ? { locker: ctx.uploadLocker } : {}),
    async onUploadFinish(_req, upload) {
      const scope = tusScope.getStore()!;
      const record = await ctx.uploads.finish(scope.actor!, upload.id);
      const done = record.completed!;
      return {
        headers: {
          "ScaiDrive-Node-Id": done.node_id,
          ...(done.version_id ? { "ScaiDrive-Version-Id": done.version_id } : {}),
          ETag: `"${done.sha256}"`,
        },
      };
    },
    onResponseError(_req, err) {
      if (!isAppError(err)) return undefined;
      const scope = tusScope.getStore();
      if (scope && !scope.failure) scope.failure = err;
      return { status_code: err.status, body: err.message };
    },
  });

  const handle = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const scope: TusRequestScope = { actor: req.routeOptions.config?.public ? undefined : await requireUser(req) };
    const withBody = hasBody(req);
    const guard = withBody ? new UploadGuard(req, reply, ctx.config.uploadIdleTimeoutMs) : undefined;
    // An answer given before the whole body was read (a refused offset, a lost lock): the unread rest
    // would hold the connection (the body stream is paused) until the keep-alive timeout, and the
    // client's retry would wait behind it. Closing the connection after the answer frees it at once.
    const closeIfUnread = () => {
      if (withBody && !req.raw.complete) reply.header("connection", "close");
    };
    try {
      const web = new Request(`http://scaidrive${req.raw.url!.split("?")[0]}`, {
        method: req.method,
        headers: forwardedHeaders(req),
        ...(withBody ? { body: requestBodyStream(req.raw), duplex: "half" } : {}),
      } as RequestInit);
      const res = await tusScope.run(scope, () => tus.handleWeb(web));
      if (guard?.timedOut) return reply;
      reply.header("tus-resumable", TUS_RESUMABLE);
      if (scope.failure) throw scope.failure;
      const text = await res.text();
      closeIfUnread();
      if (res.status >= 400) throw tusRefusal(res.status, text.trim());
      for (const [name, value] of res.headers) {
        if (!/^(access-control-|content-length$|connection$|content-type$)/i.test(name)) reply.header(name, value);
      }
      return reply.status(res.status).send(text === "" ? undefined : text);
    } catch (err) {
      if (guard?.timedOut) return reply;
      guard?.noteFailure(err);
      closeIfUnread();
      throw err;
    } finally {
      guard?.stop();
    }
  };
  // The handler answers through `reply` itself (statuses and headers come from the tus handler).
  const route = (req: FastifyRequest, reply: FastifyReply) => handle(req, reply) as Promise<never>;
  const receivesBody = {
    // The whole-request timeout does not apply while a body arrives; the idle timeout does.
    onRequest: (req: FastifyRequest, _reply: FastifyReply, done: () => void) => {
      markUpload(req);
      done();
    },
  };
  const tusHeaders = (extra: Record<string, ReturnType<typeof Type.String>> = {}) =>
    Type.Object({ "tus-resumable": Type.Optional(Type.String({ description: "1.0.0" })), ...extra });

  app.post(
    PREFIX,
    {
      ...receivesBody,
      schema: {
        tags: ["uploads"],
        summary: "Create a resumable upload (tus): 201 with Location /api/v1/uploads/{upload_id}",
        description: DESCRIPTION,
        headers: tusHeaders({
          "upload-length": Type.Optional(Type.String({ description: "the file's size in bytes" })),
          "upload-metadata": Type.Optional(
            Type.String({ description: "share_id <base64>,path <base64>[,if_match <base64>]" }),
          ),
        }),
        response: { 201: Type.Null(), ...errors(400, 401, 403, 404, 408, 409, 412, 413, 415) },
      },
    },
    route,
  );
  app.head(
    `${PREFIX}/:upload_id`,
    {
      schema: {
        tags: ["uploads"],
        summary: "Offset of a resumable upload (Upload-Offset, Upload-Length)",
        params: UploadParams,
        response: { 200: Type.Null(), ...errors(400, 401, 404) },
      },
    },
    route,
  );
  app.patch(
    `${PREFIX}/:upload_id`,
    {
      ...receivesBody,
      schema: {
        tags: ["uploads"],
        summary: "Append bytes at Upload-Offset (application/offset+octet-stream); the last ones commit the version",
        description:
          "204 with the new Upload-Offset. The PATCH that completes the upload also carries ScaiDrive-Node-Id, " +
          "ScaiDrive-Version-Id and ETag; 409 when Upload-Offset is not the upload's offset.",
        params: UploadParams,
        headers: tusHeaders({ "upload-offset": Type.Optional(Type.String()) }),
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 408, 409, 412, 413, 415) },
      },
    },
    route,
  );
  app.delete(
    `${PREFIX}/:upload_id`,
    {
      schema: {
        tags: ["uploads"],
        summary: "Cancel a resumable upload and remove what it received (tus termination)",
        params: UploadParams,
        response: { 204: Type.Null(), ...errors(400, 401, 404) },
      },
    },
    route,
  );
  // tus discovery (Tus-Version, Tus-Extension, Tus-Max-Size); public, and not an API operation.
  for (const url of [PREFIX, `${PREFIX}/:upload_id`])
    app.options(url, { schema: { hide: true }, config: { public: true } }, route);
};

function hasBody(req: FastifyRequest): boolean {
  const length = req.headers["content-length"];
  return (length !== undefined && length !== "0") || req.headers["transfer-encoding"] !== undefined;
}

/** The request's headers for the tus handler, minus those describing the connection. */
function forwardedHeaders(req: FastifyRequest): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || /^(connection|keep-alive|transfer-encoding|upgrade|host)$/i.test(name)) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return headers;
}

/** A refusal of the tus handler itself (malformed tus request) as an AppError; anything else is a server fault. */
function tusRefusal(status: number, text: string): Error {
  const code = TUS_STATUS_CODES[status];
  if (!code) return new Error(`the tus handler answered ${status}: ${text}`);
  return new AppError(code, text || `tus request refused (${status})`, { tus_status: status });
}
