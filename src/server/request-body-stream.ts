import type { IncomingMessage } from "node:http";

/** Bytes of a request body buffered ahead of its consumer before the socket is paused. */
const BUFFER_BYTES = 1024 * 1024;

/**
 * A request body as a web stream that buffers at most about {@link BUFFER_BYTES}: the request is
 * paused whenever that much waits unread and resumed when the consumer pulls, so a body of any
 * size passes through in constant memory (the socket's own window then holds the sender back).
 * A body cut short (the client went away) errors the stream.
 */
export function requestBodyStream(raw: IncomingMessage): ReadableStream<Uint8Array> {
  let open = true;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const fail = (err: Error) => {
          if (!open) return;
          open = false;
          controller.error(err);
        };
        raw.on("data", (chunk: Buffer) => {
          if (!open) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) raw.pause();
        });
        raw.once("end", () => {
          if (!open) return;
          open = false;
          controller.close();
        });
        raw.once("error", fail);
        raw.once("close", () => {
          if (!raw.complete) fail(Object.assign(new Error("the request body was cut short"), { code: "ECONNRESET" }));
        });
      },
      pull() {
        raw.resume();
      },
      cancel() {
        // The consumer stopped early (e.g. more bytes than announced): let the rest drain.
        open = false;
        raw.resume();
      },
    },
    { highWaterMark: BUFFER_BYTES, size: (chunk) => chunk.byteLength },
  );
}
