import type { FastifyInstance, FastifyReply } from "fastify";
import type { Readable } from "node:stream";
import { promoteProperties } from "../content/property-promotion.js";
import { GraphError } from "./graph-error.js";
import type { GraphEnv } from "./graph-env.js";
import { itemJson } from "./item-json.js";

/**
 * The pre-authenticated endpoints Graph hands out: download URLs (`/_download/{token}`, from
 * `@microsoft.graph.downloadUrl` and the `/content` redirect) and upload session URLs
 * (`/_upload/{session}`). Neither takes an Authorization header, as on SharePoint.
 */
export function registerTransferRoutes(app: FastifyInstance, env: GraphEnv): void {
  void app.register(async (inst) => {
    inst.removeAllContentTypeParsers();
    inst.addContentTypeParser("*", (_req, payload, done) => done(null, payload));

    inst.get<{ Params: { token: string } }>("/_download/:token", async (req, reply) => {
      const grant = env.links.verify(req.params.token);
      if (!grant) throw new GraphError(401, "unauthenticated", "The download URL is invalid or has expired.");
      const drive = env.store.getDrive(grant.driveId);
      const item = env.store.getItem(drive, grant.itemId);
      const version = item.versions[grant.version];
      if (!version) throw new GraphError(404, "itemNotFound", "The version no longer exists.");
      return sendBlob(
        env,
        reply,
        version.blob,
        req.headers.range,
        item.mimeType ?? "application/octet-stream",
        item.name,
      );
    });

    inst.get<{ Params: { id: string } }>("/_upload/:id", async (req, reply) => {
      const s = env.uploads.get(req.params.id);
      return reply.send({
        expirationDateTime: s.expires.toISOString().replace(/\.\d{3}Z$/, "Z"),
        nextExpectedRanges: env.uploads.nextExpectedRanges(s),
      });
    });

    inst.delete<{ Params: { id: string } }>("/_upload/:id", async (req, reply) => {
      env.uploads.get(req.params.id);
      await env.uploads.cancel(req.params.id);
      return reply.code(204).send();
    });

    inst.put<{ Params: { id: string } }>("/_upload/:id", async (req, reply) => {
      const s = env.uploads.get(req.params.id);
      const length = req.headers["content-length"] !== undefined ? Number(req.headers["content-length"]) : undefined;
      const body = (req.body as Readable | undefined) ?? (req.raw as unknown as Readable);
      const uploaded = await env.uploads.putFragment(s, req.headers["content-range"], length, body);
      if (!uploaded) {
        return reply.code(202).send({
          expirationDateTime: s.expires.toISOString().replace(/\.\d{3}Z$/, "Z"),
          nextExpectedRanges: env.uploads.nextExpectedRanges(s),
        });
      }
      const drive = env.store.getDrive(s.driveId);
      const parent = env.store.getItem(drive, s.parentId);
      const blob = await promoteProperties(env.store.blobs, env.rewriteOnUpload, s.name, uploaded);
      const { item, created } = env.store.writeFile(drive, parent, s.name, blob, s.actor, {
        conflict: s.conflict,
        ifMatch: s.ifMatch,
        fileSystemInfo: s.fileSystemInfo,
      });
      return reply.code(created ? 201 : 200).send(itemJson(env.json, drive, item));
    });
  });
}

/** Streams a blob, honouring a single `Range: bytes=a-b` / `a-` / `-n` (206, or 416). */
function sendBlob(
  env: GraphEnv,
  reply: FastifyReply,
  blob: { path: string; size: number },
  range: string | undefined,
  mime: string,
  name: string,
): FastifyReply {
  reply.header("accept-ranges", "bytes");
  reply.header("content-disposition", `attachment; filename*=UTF-8''${encodeURIComponent(name)}`);
  reply.type(mime);
  if (range) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    let start = NaN;
    let end = NaN;
    if (m && (m[1] || m[2])) {
      if (m[1] === "") {
        start = Math.max(0, blob.size - Number(m[2]));
        end = blob.size - 1;
      } else {
        start = Number(m[1]);
        end = m[2] === "" ? blob.size - 1 : Math.min(Number(m[2]), blob.size - 1);
      }
    }
    if (!m || Number.isNaN(start) || start >= blob.size || end < start) {
      throw new GraphError(416, "invalidRange", "The requested range is not satisfiable.", undefined, {
        "content-range": `bytes */${blob.size}`,
      });
    }
    reply.code(206);
    reply.header("content-range", `bytes ${start}-${end}/${blob.size}`);
    reply.header("content-length", String(end - start + 1));
    return reply.send(env.store.blobs.read(blob as never, { start, end }));
  }
  reply.header("content-length", String(blob.size));
  return reply.send(env.store.blobs.read(blob as never));
}
