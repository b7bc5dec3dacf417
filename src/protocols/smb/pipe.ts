/**
 * A named pipe on IPC$ (e.g. "lsarpc") for DCE/RPC. `transceive` is FSCTL_PIPE_TRANSCEIVE
 * (MS-SMB2 3.2.4.20.1, MS-FSCC 2.3.37): write a request PDU and read the reply in one round trip.
 * `write` / `read` are plain SMB2 WRITE / READ on the pipe handle (MS-SMB2 3.2.4.6 / 3.2.4.7),
 * which DCE/RPC needs for the leading fragments of a large request and the trailing fragments of
 * a large response. Pipes are message-mode: a message longer than the READ or the IOCTL output
 * buffer comes back in pieces with STATUS_BUFFER_OVERFLOW (MS-SMB2 3.3.4.4), and both `read` and
 * `transceive` keep reading until the message is complete.
 */
import type { SmbHandle } from "./file-handle.js";
import { Command } from "./messages/header.js";
import { FSCTL_PIPE_TRANSCEIVE, decodeIoctlResponse, encodeIoctlRequest } from "./messages/notify-ioctl.js";
import {
  decodeReadResponse,
  decodeWriteResponse,
  encodeReadRequest,
  encodeWriteRequestHead,
} from "./messages/read-write.js";
import { NtStatus, SmbError } from "./errors.js";

/** Output buffer of one IOCTL or READ on the pipe; any RPC fragment (≤ 65535 bytes) fits. */
const PIPE_BUFFER = 65536;
/** A pipe message larger than this is a misbehaving server, not an RPC fragment stream. */
const MAX_MESSAGE = 16 << 20;

export interface SmbPipeOptions {
  /**
   * Output buffer of each IOCTL / READ (default and maximum 64 KiB, also capped by the
   * negotiated MaxTransactSize / MaxReadSize). A message longer than this arrives in pieces.
   */
  bufferSize?: number;
}

export interface SmbPipe {
  /**
   * FSCTL_PIPE_TRANSCEIVE; on STATUS_BUFFER_OVERFLOW reads the rest with READ and returns all
   * bytes; interim STATUS_PENDING answers (Samba starting its RPC helper) are waited out.
   * @throws SmbError on any other status, "unreachable" when the connection drops.
   */
  transceive(data: Buffer): Promise<Buffer>;
  /**
   * Writes one message (SMB2 WRITE at offset 0). Resolves with the byte count once the server
   * took all of it.
   * @throws SmbError on a failing status or a short write (kind "other").
   */
  write(data: Buffer): Promise<number>;
  /**
   * Reads the next message whole (SMB2 READ, repeated while the server answers
   * STATUS_BUFFER_OVERFLOW). Waits while the pipe is empty (the server answers STATUS_PENDING).
   * @throws SmbError on a failing status, e.g. STATUS_PIPE_EMPTY / STATUS_PIPE_BROKEN.
   */
  read(): Promise<Buffer>;
  close(): Promise<void>;
}

export class SmbNamedPipe implements SmbPipe {
  constructor(
    private readonly handle: SmbHandle,
    private readonly opts: SmbPipeOptions = {},
  ) {
    const b = opts.bufferSize;
    if (b !== undefined && (!Number.isInteger(b) || b < 1))
      throw new RangeError("bufferSize must be a positive integer");
  }

  private get bufferSize(): number {
    const c = this.handle.tree.conn;
    return Math.min(this.opts.bufferSize ?? PIPE_BUFFER, PIPE_BUFFER, c.maxTransactSize, c.maxReadSize);
  }

  async transceive(data: Buffer): Promise<Buffer> {
    const t = this.handle.tree;
    const max = this.bufferSize;
    const res = await t.send(Command.IOCTL, encodeIoctlRequest(this.handle.fileId, FSCTL_PIPE_TRANSCEIVE, data, max), {
      creditCharge: t.conn.creditChargeFor(Math.max(data.length, max)),
      ok: [NtStatus.BUFFER_OVERFLOW],
    });
    const first = decodeIoctlResponse(res.message);
    if (res.header.status !== NtStatus.BUFFER_OVERFLOW) return first;
    return this.readRest([first]);
  }

  async write(data: Buffer): Promise<number> {
    const t = this.handle.tree;
    const res = await t.send(Command.WRITE, [encodeWriteRequestHead(this.handle.fileId, 0n, data.length), data], {
      creditCharge: t.conn.creditChargeFor(data.length),
    });
    const count = decodeWriteResponse(res.message);
    if (count !== data.length) throw SmbError.protocol(`short pipe WRITE: ${count} of ${data.length} bytes`);
    return count;
  }

  read(): Promise<Buffer> {
    return this.readRest([]);
  }

  /** READs until the current message ends (a status other than BUFFER_OVERFLOW). */
  private async readRest(parts: Buffer[]): Promise<Buffer> {
    const t = this.handle.tree;
    const max = this.bufferSize;
    let total = parts.reduce((n, p) => n + p.length, 0);
    for (;;) {
      const r = await t.send(Command.READ, encodeReadRequest(this.handle.fileId, 0n, max), {
        creditCharge: t.conn.creditChargeFor(max),
        ok: [NtStatus.BUFFER_OVERFLOW],
      });
      const data = decodeReadResponse(r.message);
      parts.push(data);
      total += data.length;
      if (total > MAX_MESSAGE) throw SmbError.protocol(`pipe message exceeds ${MAX_MESSAGE} bytes`);
      if (r.header.status !== NtStatus.BUFFER_OVERFLOW)
        return parts.length === 1 ? parts[0] : Buffer.concat(parts, total);
      if (data.length === 0) throw SmbError.protocol("pipe READ answered STATUS_BUFFER_OVERFLOW without data");
    }
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
