import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../core/errors.js";

/** Connections whose current request is an upload still receiving its body (see {@link markUpload}). */
const uploads = new WeakMap<Socket, IncomingMessage>();

/**
 * Marks the request as an upload (a route onRequest hook). Its connection is then exempt from the
 * server's whole-request timeout while the body arrives: a large upload may take hours on a slow
 * link, and {@link UploadGuard}'s idle timeout protects it instead.
 */
export function markUpload(request: FastifyRequest): void {
  uploads.set(request.raw.socket, request.raw);
}

/** Whether the connection's current request is an upload whose body has not fully arrived. */
export function isReceivingUpload(socket: Socket): boolean {
  const raw = uploads.get(socket);
  return raw !== undefined && !raw.complete && !raw.destroyed;
}

/**
 * Watches an upload body while a handler consumes it: counts the bytes that arrived, aborts the
 * upload when none arrives for `idleMs`, and logs what happened once.
 *
 * Idle means no byte arrived from the client *and* none waits unread in the request stream: when
 * the server is the slow side (disk busy, the stream paused), the clock does not run. The check
 * polls the socket's byte counter, so the body stream itself gets no extra stage.
 *
 * On idle: a warning with the bytes received, then 408 REQUEST_TIMEOUT (`Connection: close`) if
 * nothing was answered yet, then the request stream is destroyed, which makes the handler's
 * consumer fail and throw away what it stored (temp files, nothing committed). The handler must
 * then return `reply` rather than rethrow (see {@link UploadGuard.timedOut}).
 */
export class UploadGuard {
  private readonly raw: IncomingMessage;
  private readonly socket: Socket;
  private readonly bodyStart: number;
  private readonly timer: NodeJS.Timeout;
  private lastRead: number;
  private lastActivity = Date.now();
  private stopped = false;
  private abortLogged = false;
  /** The idle timeout fired: the guard answered (or cut) the request. */
  timedOut = false;

  constructor(
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    private readonly idleMs: number,
  ) {
    this.raw = request.raw;
    this.socket = request.raw.socket;
    // Nothing has consumed the body yet: every body byte read from the socket so far sits in the
    // request stream's buffer, so this is where the body starts in the socket's byte count.
    this.lastRead = this.socket.bytesRead;
    this.bodyStart = this.lastRead - this.raw.readableLength;
    this.timer = setInterval(() => this.check(), Math.max(10, Math.min(1000, Math.floor(idleMs / 4))));
    this.timer.unref();
    this.raw.once("close", () => this.stop());
    this.raw.once("end", () => this.stop());
  }

  /** Body bytes that arrived from the client so far (also after the connection closed). */
  bytesReceived(): number {
    return Math.max(0, this.socket.bytesRead - this.bodyStart);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
  }

  /**
   * For the handler's catch: when the upload failed because the client went away, logs that once
   * (info, with the bytes received). The error then goes on to the error handler, which answers
   * nobody and logs nothing more (the request log line still follows).
   */
  noteFailure(err: unknown): void {
    // The client is gone when its socket is destroyed, or when it half-closed (FIN) before the
    // body was complete: the request stream then ends aborted while the socket still lives.
    const clientGone = this.socket.destroyed || !this.socket.readable || this.raw.readableAborted;
    if (this.timedOut || this.abortLogged || !clientGone) return;
    this.abortLogged = true;
    this.request.log.info(
      {
        bytes_received: this.bytesReceived(),
        expected_bytes: expectedBytes(this.raw),
        reason: (err as { code?: string }).code ?? (err as Error).message,
      },
      "upload aborted by the client",
    );
  }

  private check(): void {
    if (this.stopped) return;
    if (this.raw.complete || this.raw.destroyed) return this.stop();
    const read = this.socket.bytesRead;
    if (read !== this.lastRead || this.raw.readableLength > 0) {
      this.lastRead = read;
      this.lastActivity = Date.now();
      return;
    }
    if (Date.now() - this.lastActivity >= this.idleMs) this.fire();
  }

  private fire(): void {
    this.stop();
    this.timedOut = true;
    const bytes = this.bytesReceived();
    this.request.log.warn(
      { bytes_received: bytes, expected_bytes: expectedBytes(this.raw), idle_timeout_ms: this.idleMs },
      "upload stalled: no data for the idle timeout; aborted",
    );
    const err = new AppError("REQUEST_TIMEOUT", `no upload data arrived for ${this.idleMs} ms`, {
      idle_timeout_ms: this.idleMs,
      bytes_received: bytes,
    });
    const cut = (): void => {
      this.raw.destroy(err);
    };
    if (this.reply.sent || this.reply.raw.headersSent) return cut();
    this.reply.raw.once("finish", cut);
    this.reply.raw.once("close", cut);
    this.reply.header("connection", "close").send(err);
  }
}

function expectedBytes(raw: IncomingMessage): number | undefined {
  const length = raw.headers["content-length"];
  return length === undefined ? undefined : Number(length);
}
