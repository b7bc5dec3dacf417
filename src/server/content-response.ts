import { Readable } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Node, Version } from "../core/node-types.js";
import type { NodeFacade } from "../core/node-facade.js";
import type { MountDownload } from "../core/mounts/mount-service.js";
import { sendBlobReader } from "./blob-response.js";
import { etagMatches, ifRangeHolds, parseRange } from "./range-header.js";
import { requireUser } from "./auth.js";
import { setContentHeaders } from "./inline-content-type.js";

/** The ETag of a version's content: its SHA-256, so equal bytes give equal ETags across versions. */
export function contentEtag(sha256: string): string {
  return `"${sha256}"`;
}

/**
 * Streams a version's bytes honouring If-None-Match (304), If-Range and a single Range (206/416).
 * Content-Type is application/octet-stream (an attachment) unless `inline` is asked for and the
 * name's extension is on the inline list (see setContentHeaders).
 */
export async function sendContent(
  files: NodeFacade,
  request: FastifyRequest,
  reply: FastifyReply,
  node: Node,
  version: Version,
  inline = false,
): Promise<FastifyReply> {
  const etag = contentEtag(version.sha256);
  reply
    .header("etag", etag)
    .header("accept-ranges", "bytes")
    .header("last-modified", new Date(node.modified_at).toUTCString());
  if (etagMatches(request.headers["if-none-match"], etag)) return reply.status(304).send();
  const lastModified = new Date(node.modified_at);
  const rangeHeader = request.headers.range;
  const honourRange =
    rangeHeader !== undefined &&
    (await ifRangeHolds(single(request.headers["if-range"]), {
      etag,
      lastModified,
      lastModifiedIsStrong: () => lastModifiedIsStrong(files, request, node, version),
    }));
  const range = honourRange ? parseRange(rangeHeader, version.size) : undefined;
  setContentHeaders(reply, node.name, inline);
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
  const body = await files.openBlobContent(version.sha256, range ?? undefined);
  return Buffer.isBuffer(body) ? reply.send(body) : sendBlobReader(reply, body);
}

/**
 * Whether the file's Last-Modified second identifies its current content (RFC 9110 §8.8.2.2): the
 * modification time is the second the current content was committed (not a time a client or a
 * sync supplied), that second is over, and no other version was committed in it. Otherwise an
 * If-Range date could match content that changed within the same second, so it must not count.
 */
async function lastModifiedIsStrong(
  files: NodeFacade,
  request: FastifyRequest,
  node: Node,
  version: Version,
): Promise<boolean> {
  const second = (iso: string) => Math.floor(Date.parse(iso) / 1000);
  const lastModified = second(node.modified_at);
  if (second(version.created_at) !== lastModified || Math.floor(Date.now() / 1000) <= lastModified) return false;
  const recent = await files.recentVersions(node.id, 3, await requireUser(request));
  return recent.items.every((v) => v.id === version.id || second(v.created_at) < lastModified);
}

/**
 * Answers a download of a mounted file like {@link sendContent} answers a version (ETag,
 * If-None-Match, If-Range, a single Range), except that only the ETag can validate If-Range: a
 * remote's modification time may repeat for different content.
 */
export async function sendMountContent(
  request: FastifyRequest,
  reply: FastifyReply,
  d: MountDownload,
  inline = false,
): Promise<FastifyReply> {
  reply
    .header("etag", d.etag)
    .header("accept-ranges", "bytes")
    .header("last-modified", new Date(d.node.modified_at).toUTCString());
  if (etagMatches(request.headers["if-none-match"], d.etag)) return reply.status(304).send();
  const honourRange = await ifRangeHolds(single(request.headers["if-range"]), {
    etag: d.etag,
    lastModified: new Date(d.node.modified_at),
  });
  const range = honourRange ? parseRange(request.headers.range, d.size) : undefined;
  setContentHeaders(reply, d.node.name, inline);
  const head = request.method === "HEAD";
  if (range) {
    const stream = head ? Readable.from([]) : await d.open(range);
    return reply
      .status(206)
      .header("content-range", `bytes ${range.start}-${range.end}/${d.size}`)
      .header("content-length", range.end - range.start + 1)
      .send(stream);
  }
  if (d.size === 0) return reply.status(200).header("content-length", 0).send(Buffer.alloc(0));
  const stream = head ? Readable.from([]) : await d.open();
  return reply.status(200).header("content-length", d.size).send(stream);
}

/** A header sent more than once is joined, which makes an If-Range value invalid (and so false). */
function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}
