import { STATUS_CODES, maxHeaderSize, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { FastifyBaseLogger } from "fastify";
import { AppError, ERROR_CODES, type ErrorCode } from "../core/errors.js";
import { newUlid } from "../core/ids.js";
import { envelope } from "./error-envelope.js";
import { isReceivingUpload } from "./upload-guard.js";
import { noteClientErrorAnswer } from "./request-logging.js";
import { SECURITY_HEADERS } from "./security-headers.js";

/** What Node's HTTP parser and timers report on a connection (`clientError`); `code` is HPE_* or ERR_*. */
type ClientError = Error & { code?: string; reason?: string; rawPacket?: unknown };

/** Responses in flight per connection, so an answer is never written into one already started. */
const responses = new WeakMap<Socket, ServerResponse>();

/** Follows the server's requests (call once); see {@link createClientErrorHandler}. */
export function trackResponses(server: Server): void {
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    responses.set(req.socket, res);
  });
}

/**
 * Whether the header overflow is the request line alone (the URL): the packet that overflowed
 * starts a request whose first line runs past the header size limit. A request line split over
 * several reads is not recognised and answers 431 like any header overflow.
 */
function requestLineTooLong(err: ClientError, maxHeaderSize: number): boolean {
  const packet = err.rawPacket;
  if (!Buffer.isBuffer(packet) || !/^[A-Z]+ \S/.test(packet.subarray(0, 32).toString("latin1"))) return false;
  const eol = packet.indexOf(0x0a);
  return eol === -1 || eol > maxHeaderSize;
}

function classify(err: ClientError, maxHeaderSize: number): { code: ErrorCode; message: string } {
  switch (err.code) {
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return { code: "REQUEST_TIMEOUT", message: "the request did not arrive in time" };
    case "HPE_HEADER_OVERFLOW":
      return requestLineTooLong(err, maxHeaderSize)
        ? { code: "URI_TOO_LONG", message: "the request line (URL) exceeds the server's limit" }
        : { code: "HEADERS_TOO_LARGE", message: "the request headers exceed the server's limit" };
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return { code: "PAYLOAD_TOO_LARGE", message: "chunk extensions exceed the server's limit" };
    default:
      return { code: "MALFORMED_REQUEST", message: `not a valid HTTP request${err.reason ? `: ${err.reason}` : ""}` };
  }
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser rejects before Fastify sees a request
 * (NUL or control bytes in the URL or headers, bad or conflicting Content-Length, a bad chunk
 * size, an unknown method, headers or URL over the size limit) and the headers/request
 * timeouts. Answers with the error envelope, a request id and the security headers, then closes
 * the connection, as Node would. Nothing can be answered when the socket is no longer writable
 * or a response on it has already started; then the connection is only closed.
 *
 * The whole-request timeout is ignored for a connection that is receiving an upload body: uploads
 * have their own idle timeout (upload-guard.ts), and Node reports a connection only once.
 */
export function createClientErrorHandler(logger: FastifyBaseLogger) {
  return (err: ClientError, socket: Socket): void => {
    if (err.code === "ECONNRESET" || socket.destroyed) return;
    if (err.code === "ERR_HTTP_REQUEST_TIMEOUT" && isReceivingUpload(socket)) return;
    const { code, message } = classify(err, maxHeaderSize);
    const status = ERROR_CODES[code].status;
    const id = newUlid();
    const inFlight = responses.get(socket);
    const started = inFlight !== undefined && inFlight.headersSent && !inFlight.writableFinished;
    logger.info({ req_id: id, status, code, parser_code: err.code, reason: err.reason }, "malformed request refused");
    if (socket.writable && !started) {
      const body = JSON.stringify(envelope(code, message, err.reason ? { reason: err.reason } : undefined));
      const headers: Record<string, string | number> = {
        "content-type": "application/json; charset=utf-8",
        "content-length": Buffer.byteLength(body),
        connection: "close",
        "x-request-id": id,
        ...SECURITY_HEADERS,
      };
      const head = Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join("");
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n${body}`);
      if (inFlight && !inFlight.writableFinished) noteClientErrorAnswer(socket, status);
    }
    socket.destroySoon();
  };
}

/**
 * onRequest hook standing in for Node's `requireHostHeader` (turned off, as Node answers it with
 * an empty 400 of its own): an HTTP/1.1 request without Host is malformed (RFC 9112 §3.2).
 */
export async function requireHostHeader(request: {
  raw: IncomingMessage;
  headers: Record<string, unknown>;
}): Promise<void> {
  if (request.raw.httpVersion === "1.1" && request.headers.host === undefined) {
    throw new AppError("MALFORMED_REQUEST", "HTTP/1.1 requests need a Host header", { header: "host" });
  }
}
