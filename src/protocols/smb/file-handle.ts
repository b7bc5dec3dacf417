/**
 * A bound tree (connection + session + tree id) and an open file handle on it. Every operation
 * below the public API sends through {@link BoundTree.send}, which applies the session's and
 * share's signing/encryption choice.
 */
import type { SmbConnection, RequestOptions, SmbResponse } from "./connection.js";
import type { SmbSession } from "./session.js";
import { Command } from "./messages/header.js";
import {
  decodeCloseResponse,
  decodeCreateResponse,
  encodeCloseRequest,
  encodeCreateRequest,
  type CreateRequest,
  type CreateResponse,
  type FileId,
} from "./messages/create.js";
import { NO_FILE_ID } from "./messages/notify-ioctl.js";
import { SmbError } from "./errors.js";

export class BoundTree {
  constructor(
    readonly conn: SmbConnection,
    readonly session: SmbSession,
    readonly treeId: number,
    /** Requests on this tree are encrypted (session or share demands it). */
    readonly encrypt: boolean,
    readonly timeoutMs: number,
  ) {}

  send(command: number, body: Buffer | readonly Buffer[], extra: Partial<RequestOptions> = {}): Promise<SmbResponse> {
    return this.conn.request({
      command,
      body,
      sessionId: this.session.sessionId,
      treeId: this.treeId,
      sign: this.session.sign && !this.encrypt,
      encrypt: this.encrypt,
      timeoutMs: this.timeoutMs,
      ...extra,
    });
  }

  /**
   * CREATE, the `middle` requests on the new handle, CLOSE — one compound chain, one round trip.
   * Middle bodies must carry the all-ones FileId ({@link NO_FILE_ID}). Resolves the CREATE
   * response and the middle responses. With `closeMatters`, a failed CLOSE fails the call too:
   * a delete-on-close happens at CLOSE, and that is where a server refuses it (Samba answers
   * STATUS_DIRECTORY_NOT_EMPTY there for a folder holding only vetoed files).
   * @throws SmbError of the CREATE when it fails, else of the first failed middle request, else
   * (with `closeMatters`) of the CLOSE.
   */
  async onPath(
    create: CreateRequest,
    middle: { command: number; body: Buffer; extra?: Partial<RequestOptions> }[],
    opts: { closeFirst?: SmbHandle; closeMatters?: boolean } = {},
  ): Promise<{ create: CreateResponse; results: SmbResponse[] }> {
    const base = {
      sessionId: this.session.sessionId,
      treeId: this.treeId,
      sign: this.session.sign && !this.encrypt,
      encrypt: this.encrypt,
      timeoutMs: this.timeoutMs,
    };
    const chain: RequestOptions[] = [
      { ...base, command: Command.CREATE, body: encodeCreateRequest(create) },
      ...middle.map((m) => ({ ...base, command: m.command, body: m.body, ...m.extra })),
      { ...base, command: Command.CLOSE, body: encodeCloseRequest(NO_FILE_ID) },
    ];
    // A leading CLOSE of another handle (MS-SMB2 3.3.5.2.7.2: the first request of a related
    // chain names its FileId itself; the CREATE after it needs none, so it runs whatever the
    // CLOSE answered). The server handles the chain in order without waiting for the network.
    const held = opts.closeFirst;
    if (held) {
      if (held.tree !== this) throw SmbError.unreachable("the handle to close belongs to an earlier connection");
      chain.unshift({ ...base, command: Command.CLOSE, body: encodeCloseRequest(held.fileId) });
      held.markClosed();
    }
    const settled = await Promise.allSettled(await this.conn.compound(chain));
    if (held) settled.shift();
    const [c, ...rest] = settled;
    if (c.status === "rejected") throw c.reason;
    const created = decodeCreateResponse(c.value.message);
    const close = rest.pop()!;
    if (close.status === "rejected" && !this.conn.isClosed) {
      // The server did not run the related CLOSE (it failed the chain): close by the real id.
      await this.send(Command.CLOSE, encodeCloseRequest(created.fileId)).catch(() => undefined);
    }
    const results: SmbResponse[] = [];
    for (const r of rest) {
      if (r.status === "rejected") throw r.reason;
      results.push(r.value);
    }
    if (opts.closeMatters && close.status === "rejected") throw close.reason;
    return { create: created, results };
  }

  /**
   * CREATE; the returned handle must be closed.
   * @throws SmbError (not_found, access_denied, sharing_violation, exists, invalid_name, ...).
   */
  async open(req: CreateRequest): Promise<SmbHandle> {
    const res = await this.send(Command.CREATE, encodeCreateRequest(req));
    const info = decodeCreateResponse(res.message);
    return new SmbHandle(this, info.fileId, info);
  }
}

export class SmbHandle {
  private closed = false;

  constructor(
    readonly tree: BoundTree,
    readonly fileId: FileId,
    /** What CREATE reported: times, sizes and attributes at open time. */
    readonly info: CreateResponse,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** The handle is closed by a request sent elsewhere (a compound's leading CLOSE): close() does nothing more. */
  markClosed(): void {
    this.closed = true;
  }

  /** CLOSE; idempotent. Failures on a dead connection are swallowed (the server drops the handle). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.tree.conn.isClosed) return;
    const res = await this.tree.send(Command.CLOSE, encodeCloseRequest(this.fileId));
    decodeCloseResponse(res.message);
  }
}
