/**
 * Direct TCP transport (MS-SMB2 2.1): every SMB2 message travels behind a 4-byte header, a zero
 * byte and a 24-bit big-endian length. The transport only frames bytes; it knows nothing of SMB.
 */
import { connect, isIP, type LookupFunction, type Socket } from "node:net";
import { SmbError } from "./errors.js";
import { FramePool } from "./frame-pool.js";

const MAX_FRAME = 0xffffff;
/**
 * Socket reads outside a large frame land here. Kept small: the first read of a large frame
 * (a READ response) is copied out of it into the frame's own buffer, the rest is read in place.
 */
const READ_BUFFER = 64 << 10;
/** Messages up to this size are joined with their 4-byte header and written as one buffer. */
const JOIN_MAX = 4096;
/** Below this many missing bytes a frame is finished through the shared buffer (fewer tiny reads). */
const DIRECT_MIN = 16 << 10;

export interface TransportHandlers {
  /**
   * One whole frame. Large frames come from the transport's pool: the handler owns the buffer and
   * may hand it back with {@link SmbTransport.release} once nothing reads it any more.
   */
  onFrame(frame: Buffer): void;
  /** Called once, when the socket is gone; `error` explains why (undefined after close()). */
  onClose(error: SmbError | undefined): void;
}

export class SmbTransport {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private closed = false;
  private closing = false;

  private constructor(
    private readonly socket: Socket,
    private readonly handlers: TransportHandlers,
  ) {
    socket.setNoDelay(true);
    socket.on("error", (e) => this.finish(SmbError.unreachable(`connection to SMB server failed: ${e.message}`, e)));
    socket.on("close", () =>
      this.finish(this.closing ? undefined : SmbError.unreachable("SMB server closed the connection")),
    );
  }

  /**
   * Opens the TCP connection to `host` (a name or an IP literal). With `lookup` (net's signature),
   * names are resolved through it, and so are IP literals — which `net.connect` would connect to
   * without asking — so a lookup that refuses an address refuses it however the host is written.
   * @throws SmbError kind "unreachable" on refusal, DNS failure, a lookup error (its `cause`) or timeout.
   */
  static open(
    host: string,
    port: number,
    timeoutMs: number,
    handlers: TransportHandlers,
    lookup?: LookupFunction,
  ): Promise<SmbTransport> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let socket: Socket | undefined;
      const fail = (e: SmbError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket?.destroy();
        reject(e);
      };
      const timer = setTimeout(
        () => fail(SmbError.unreachable(`connecting to ${host}:${port} timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
      const start = (address: string) => {
        if (settled) return;
        // Reads land in a reused buffer, or — in the middle of a large frame — straight into that
        // frame's own buffer (no copy, no per-read allocation). See nextReadTarget().
        const sink: { t?: SmbTransport } = {};
        const fallback = Buffer.allocUnsafe(READ_BUFFER);
        const s = connect({
          host: address,
          port,
          ...(lookup ? { lookup } : {}),
          onread: {
            buffer: () => sink.t?.nextReadTarget() ?? fallback,
            callback: (n: number, buf: Uint8Array) => {
              sink.t?.onRead(n, buf);
              return true;
            },
          },
        });
        socket = s;
        s.once("error", (e) => fail(SmbError.unreachable(`cannot connect to ${host}:${port}: ${e.message}`, e)));
        s.once("connect", () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          s.removeAllListeners("error");
          sink.t = new SmbTransport(s, handlers);
          resolve(sink.t);
        });
      };
      if (!lookup || isIP(host) === 0) {
        start(host);
        return;
      }
      lookup(host, { all: true }, (err, addresses) => {
        if (err) return fail(SmbError.unreachable(`cannot connect to ${host}:${port}: ${err.message}`, err));
        const first = Array.isArray(addresses) ? addresses[0]?.address : addresses;
        if (!first) return fail(SmbError.unreachable(`cannot connect to ${host}:${port}: no address`));
        start(first);
      });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Sends one SMB2 message (or transform) as one frame; several parts are sent back to back
   * without being concatenated (a WRITE's data is never copied). The parts must not change until
   * the socket has written them: `onWritten` is called once it has (or once the socket failed),
   * after which the caller may reuse them. Returns false when the socket buffer is full.
   */
  send(message: Buffer | readonly Buffer[], onWritten?: () => void): boolean {
    if (this.closed) throw SmbError.unreachable("SMB connection is closed");
    const parts = Buffer.isBuffer(message) ? [message] : message;
    let length = 0;
    for (const p of parts) length += p.length;
    if (length > MAX_FRAME) throw SmbError.protocol(`message of ${length} bytes exceeds the transport limit`);
    if (length <= JOIN_MAX) {
      // Small messages (READ requests, metadata ops): one buffer, one plain write — cheaper than
      // a corked writev of header and parts; the copy is a few hundred bytes.
      const frame = Buffer.allocUnsafe(4 + length);
      frame.writeUInt32BE(length, 0);
      let at = 4;
      for (const p of parts) at += p.copy(frame, at);
      return onWritten ? this.socket.write(frame, () => onWritten()) : this.socket.write(frame);
    }
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32BE(length, 0);
    this.socket.cork();
    this.socket.write(head);
    let ok = true;
    parts.forEach((p, i) => {
      ok = i === parts.length - 1 && onWritten ? this.socket.write(p, () => onWritten()) : this.socket.write(p);
    });
    this.socket.uncork();
    return ok;
  }

  /** Hands a frame received through `onFrame` back for reuse; no view of it may be used after. */
  release(frame: Buffer): void {
    this.pool.release(frame);
  }

  close(): void {
    this.closing = true;
    this.socket.end();
    this.socket.destroySoon();
  }

  destroy(error?: SmbError): void {
    this.socket.destroy();
    this.finish(error);
  }

  private finish(error: SmbError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.chunks = [];
    this.socket.destroy();
    this.handlers.onClose(error);
  }

  private readonly pool = new FramePool();
  /** The frame being filled when a large message spans several socket reads. */
  private partial: { buf: Buffer; filled: number } | undefined;
  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER);
  /** Set while the next socket read targets the rest of `partial` directly. */
  private direct: { buf: Buffer; filled: number } | undefined;

  /** Where the next socket read lands: the rest of a large pending frame, else the shared buffer. */
  private nextReadTarget(): Buffer {
    const p = this.partial;
    if (p && p.buf.length - p.filled >= DIRECT_MIN) {
      this.direct = p;
      return p.buf.subarray(p.filled);
    }
    this.direct = undefined;
    return this.readBuffer;
  }

  private onRead(n: number, buf: Uint8Array): void {
    const p = this.direct;
    if (p && this.partial === p && buf.buffer === p.buf.buffer) {
      p.filled += n;
      if (p.filled === p.buf.length) {
        this.partial = undefined;
        this.direct = undefined;
        this.handlers.onFrame(p.buf);
      }
      return;
    }
    this.onData(Buffer.from(buf.buffer, buf.byteOffset, n));
  }

  /** `d` is only valid during this call (it views the socket's reused read buffer). */
  private onData(d: Buffer): void {
    let data = d;
    while (data.length && !this.closed) {
      if (this.partial) {
        const p = this.partial;
        const k = Math.min(data.length, p.buf.length - p.filled);
        data.copy(p.buf, p.filled, 0, k);
        p.filled += k;
        data = data.subarray(k);
        if (p.filled === p.buf.length) {
          this.partial = undefined;
          this.handlers.onFrame(p.buf);
        }
        continue;
      }
      // Gather at least the 4-byte header. `data` views the reused read buffer: copy what we keep.
      if (this.buffered + data.length < 4) {
        this.chunks.push(Buffer.from(data));
        this.buffered += data.length;
        return;
      }
      if (this.buffered) {
        data = Buffer.concat([...this.chunks, data]);
        this.chunks = [];
        this.buffered = 0;
      }
      if (data[0] !== 0) {
        this.destroy(SmbError.protocol("the peer did not answer as an SMB server (bad direct-TCP frame header)"));
        return;
      }
      const len = data.readUInt32BE(0) & MAX_FRAME;
      if (data.length >= 4 + len) {
        const frame = this.pool.acquire(len);
        data.copy(frame, 0, 4, 4 + len);
        data = data.subarray(4 + len);
        this.handlers.onFrame(frame);
      } else {
        // Copy straight into the frame's own buffer: one copy, no list of socket chunks kept.
        const buf = this.pool.acquire(len);
        data.copy(buf, 0, 4);
        this.partial = { buf, filled: data.length - 4 };
        data = data.subarray(data.length);
      }
    }
  }
}
