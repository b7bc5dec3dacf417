import type { FastifyReply } from "fastify";
import { CHUNK_BYTES, giveBackChunk, takeChunk, type ContentReader } from "../core/content-reader.js";

/**
 * Sends a blob as the body of `reply` (status and headers as set on it), reading into pooled
 * chunks that go back to the pool once the socket has taken them (the write callback), so a
 * download allocates nothing per chunk. Fastify's own stream sending (a pipe) cannot tell when a
 * chunk is free, hence the reply is hijacked; the onResponse hook (request log) still runs.
 *
 * The reader is closed when the body is sent or the client goes away. A read failure after the
 * headers went out can only cut the connection, which the client sees as a short body.
 */
export function sendBlobReader(reply: FastifyReply, reader: ContentReader): FastifyReply {
  const res = reply.raw;
  reply.hijack();
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) res.setHeader(name, value);
  res.writeHead(reply.statusCode);
  let remaining = reader.length;
  let done = false;
  const stop = (err?: Error) => {
    if (done) return;
    done = true;
    reader.close();
    if (err) {
      reply.log.warn({ err }, "blob download cut short");
      res.destroy(err);
    }
  };
  res.once("close", () => stop());

  // One chunk at a time: read it, hand it to the socket, read the next once the socket has taken
  // it. The kernel's socket buffer (several MiB on loopback, autotuned on a LAN) keeps the client
  // fed meanwhile, as a page-cache read of 1 MiB takes a fraction of a millisecond. pump runs again
  // only from the write callback of the chunk before it, so there is never more than one read.
  const pump = (): void => {
    if (done || remaining === 0) return;
    const chunk = takeChunk(Math.min(CHUNK_BYTES, remaining));
    reader.read(chunk).then(
      (n) => {
        if (done) return giveBackChunk(chunk);
        remaining -= n;
        res.write(n === chunk.length ? chunk : chunk.subarray(0, n), (err) => {
          giveBackChunk(chunk);
          if (err) stop(err);
          else pump();
        });
        if (remaining === 0) {
          res.end();
          stop();
        }
      },
      (err: Error) => {
        giveBackChunk(chunk);
        stop(err);
      },
    );
  };
  if (remaining === 0) {
    res.end();
    stop();
  } else pump();
  return reply;
}
