import { Readable } from "node:stream";
import type { ContentSource } from "./node-types.js";

export type Taken = { whole: Buffer } | { rest: ContentSource };

/**
 * Reads `source` up to `limit` bytes: `{ whole }` when it ended within the limit (in memory, at
 * most `limit` bytes), else `{ rest }`, to be streamed on from its first byte. A Node stream comes
 * back itself, paused, with what was read pushed back to its front (`unshift`), so the consumer
 * pipes or iterates it exactly as before, with no extra stage; any other iterable comes back
 * as one that replays what was read and goes on.
 *
 * The caller's stream is never destroyed here: an HTTP request must stay alive for its error
 * answer (413). An error or a premature close of the source rejects.
 */
export function takeSmall(source: ContentSource, limit: number): Promise<Taken> {
  return source instanceof Readable
    ? takeFromStream(source, limit)
    : takeFromIterable(source as AsyncIterable<Uint8Array>, limit);
}

function takeFromStream(source: Readable, limit: number): Promise<Taken> {
  return new Promise<Taken>((resolve, reject) => {
    const head: Buffer[] = [];
    let length = 0;
    const stop = () => {
      source.off("data", onData);
      source.off("end", onEnd);
      source.off("error", onError);
      source.off("close", onClose);
    };
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      head.push(buf);
      length += buf.length;
      if (length <= limit) return;
      source.pause();
      stop();
      for (let i = head.length - 1; i >= 0; i--) source.unshift(head[i]!);
      resolve({ rest: source });
    };
    const onEnd = () => {
      stop();
      resolve({ whole: head.length === 1 ? head[0]! : Buffer.concat(head, length) });
    };
    const onError = (err: Error) => {
      stop();
      reject(err);
    };
    const onClose = () => {
      stop();
      reject(
        Object.assign(new Error("the content stream closed before its end"), { code: "ERR_STREAM_PREMATURE_CLOSE" }),
      );
    };
    if (source.readableEnded) return resolve({ whole: Buffer.alloc(0) });
    if (source.errored) return reject(source.errored);
    if (source.destroyed) return onClose();
    source.on("data", onData);
    source.once("end", onEnd);
    source.once("error", onError);
    source.once("close", onClose);
  });
}

async function takeFromIterable(source: AsyncIterable<Uint8Array>, limit: number): Promise<Taken> {
  const it = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let length = 0;
  for (;;) {
    const next = await it.next();
    if (next.done) return { whole: head.length === 1 ? head[0]! : Buffer.concat(head, length) };
    const chunk = toBuffer(next.value);
    head.push(chunk);
    length += chunk.length;
    if (length > limit) return { rest: replay(head, it) };
  }
}

async function* replay(head: Buffer[], it: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* head.splice(0);
  for (;;) {
    const next = await it.next();
    if (next.done) return;
    yield next.value;
  }
}

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  return typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
