import { connect } from "node:net";

export interface RawResponse {
  /** 0 when the server closed the connection without answering. */
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Everything the server sent, as received. */
  raw: Buffer;
  /** Whether the server closed the connection. */
  closed: boolean;
}

/**
 * Sends `bytes` as they are over a fresh TCP connection (no client library in between, so
 * requests fetch would refuse to send — NUL bytes, conflicting lengths, bad chunk sizes — reach
 * the server) and reads one response: status line, headers, and a body of Content-Length bytes.
 * Resolves when that response is complete or the server closes the connection; `maxMs` only
 * bounds a hang. `keepOpen` leaves the socket open after writing (a body the server must wait for).
 */
export function sendRaw(
  port: number,
  bytes: Buffer | string,
  opts: { maxMs?: number; endAfterWrite?: boolean } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    const chunks: Buffer[] = [];
    let done = false;
    const timer = setTimeout(() => finish(false), opts.maxMs ?? 10_000);
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...parseResponse(Buffer.concat(chunks)), closed });
    };
    socket.on("data", (c) => {
      chunks.push(c);
      if (isComplete(Buffer.concat(chunks))) finish(false);
    });
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("error", (err: NodeJS.ErrnoException) => {
      // A reset after (or instead of) an answer is the server closing on us.
      if (err.code === "ECONNRESET" || err.code === "EPIPE") finish(true);
      else if (!done) {
        done = true;
        clearTimeout(timer);
        reject(err);
      }
    });
    socket.on("connect", () => {
      socket.write(bytes);
      if (opts.endAfterWrite) socket.end();
    });
  });
}

function headerEnd(buf: Buffer): number {
  return buf.indexOf("\r\n\r\n");
}

function isComplete(buf: Buffer): boolean {
  const end = headerEnd(buf);
  if (end < 0) return false;
  const { headers } = parseHead(buf.subarray(0, end).toString("latin1"));
  const length = headers["content-length"];
  if (length === undefined) return false;
  return buf.length >= end + 4 + Number(length);
}

function parseHead(head: string): { status: number; headers: Record<string, string> } {
  const [statusLine, ...lines] = head.split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "")?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status, headers };
}

function parseResponse(raw: Buffer): Omit<RawResponse, "closed"> {
  const end = headerEnd(raw);
  if (end < 0) return { status: 0, headers: {}, body: Buffer.alloc(0), raw };
  const { status, headers } = parseHead(raw.subarray(0, end).toString("latin1"));
  const rest = raw.subarray(end + 4);
  const length = headers["content-length"];
  return { status, headers, body: length === undefined ? rest : rest.subarray(0, Number(length)), raw };
}
