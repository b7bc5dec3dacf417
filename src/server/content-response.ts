import { Readable } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Node, Version } from "../core/node-types.js";
import type { AppContext } from "./app-context.js";
import { sendBlobReader } from "./blob-response.js";
import { etagMatches, parseRange } from "./range-header.js";

/** The ETag of a version's content: its SHA-256, so equal bytes give equal ETags across versions. */
export function contentEtag(sha256: string): string {
  return `"${sha256}"`;
}

/**
 * Streams a version's bytes honouring If-None-Match (304) and a single Range (206/416).
 * Content-Type is always application/octet-stream: ScaiDrive does not guess types.
 */
export async function sendContent(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, node: Node, version: Version): Promise<FastifyReply> {
  const etag = contentEtag(version.sha256);
  reply.header("etag", etag).header("accept-ranges", "bytes").header("last-modified", new Date(node.modified_at).toUTCString());
  if (etagMatches(request.headers["if-none-match"], etag)) return reply.status(304).send();
  const range = parseRange(request.headers.range, version.size);
  const disposition = `attachment; filename*=UTF-8''${encodeURIComponent(node.name)}`;
  reply.header("content-type", "application/octet-stream").header("content-disposition", disposition);
  // HEAD: headers only. An empty stream, because Fastify's HEAD handler would drain a real one.
  const head = request.method === "HEAD";
  if (range) {
    reply
      .status(206)
      .header("content-range", `bytes ${range.start}-${range.end}/${version.size}`)
      .header("content-length", range.end - range.start + 1);
  } else {
    if (version.size === 0) return reply.status(200).header("content-length", 0).send(Buffer.alloc(0));
    reply.status(200).header("content-length", version.size);
  }
  if (head) return reply.send(Readable.from([]));
  // The version row was just read, so its content is opened by hash rather than looked up again.
  const body = await ctx.nodes.openBlobContent(version.sha256, range ?? undefined);
  return Buffer.isBuffer(body) ? reply.send(body) : sendBlobReader(reply, body);
}
