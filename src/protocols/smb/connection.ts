/**
 * One SMB2/3 connection: NEGOTIATE, message ids, credits, the pending-request map, interim
 * STATUS_PENDING, per-request timeouts, signing of outgoing requests, verification of signed
 * responses and the SMB3 transform (encryption). Sending happens synchronously in `request()`
 * (so message ids leave in order); receiving happens in the transport's data callback, which
 * routes each response to its pending entry.
 *
 * Contract: `request()` resolves with the raw response message when its status is in `ok`
 * (SUCCESS by default) and rejects with an {@link SmbError} otherwise; every in-flight request
 * is rejected with kind "unreachable" when the socket drops, and the connection never reconnects
 * itself (the client does that on the next call).
 */
import { randomBytes } from "node:crypto";
import type { LookupFunction } from "node:net";
import { SmbTransport } from "./transport.js";
import { SmbError, NtStatus } from "./errors.js";
import { pad8 } from "./messages/wire-reader.js";
import {
  Command,
  HeaderFlags,
  HEADER_SIZE,
  PROTOCOL_ID,
  TRANSFORM_PROTOCOL_ID,
  decodeHeader,
  encodeHeader,
  type Smb2Header,
} from "./messages/header.js";
import {
  Capabilities,
  Dialect,
  SecurityMode,
  decodeNegotiateResponse,
  encodeNegotiateRequest,
  type CipherName,
  type DialectRevision,
  type NegotiateResponse,
  type SigningName,
} from "./messages/negotiate.js";
import { encodeCancelRequest, encodeEchoRequest } from "./messages/notify-ioctl.js";
import { PreauthIntegrityHash } from "./crypto/preauth-hash.js";
import { computeSignature, computeSignatureParts, verifySignature } from "./crypto/signing.js";
import { encryptMessage, encryptMessageParts, decryptMessage, transformSessionId } from "./crypto/transform.js";

export const ALL_DIALECTS: DialectRevision[] = [
  Dialect.SMB202,
  Dialect.SMB210,
  Dialect.SMB300,
  Dialect.SMB302,
  Dialect.SMB311,
];

/** Keys and algorithms of one authenticated session, registered after SESSION_SETUP. */
export interface SessionSecurity {
  signingAlgorithm: SigningName;
  signingKey: Buffer;
  /** Set when the dialect can encrypt (3.x) and a cipher is known. */
  cipher?: CipherName;
  encryptionKey?: Buffer;
  decryptionKey?: Buffer;
  /** Responses to signed requests must be signed (or encrypted); unsigned ones are rejected. */
  requireSignedResponses: boolean;
}

export interface RequestOptions {
  command: number;
  /** The request body; several parts are laid out back to back (saves a copy of WRITE data). */
  body: Buffer | readonly Buffer[];
  sessionId?: bigint;
  treeId?: number;
  /** Credits this request costs (>= 1); payload size / 64 KiB rounded up for multi-credit ops. */
  creditCharge?: number;
  /** NTSTATUS values that resolve instead of reject (SUCCESS always does). */
  ok?: readonly number[];
  sign?: boolean;
  encrypt?: boolean;
  /** 0 = no timeout once an interim STATUS_PENDING arrived (CHANGE_NOTIFY). */
  timeoutMs?: number;
  /** Called with the async id when the server answers STATUS_PENDING (needed for CANCEL). */
  onInterim?: (asyncId: bigint) => void;
  /**
   * Called once the request left for the OS (or could not be sent): from then on the body
   * buffers are no longer read and the caller may reuse them. Bodies of at least 16 KiB are sent
   * without being copied, so a caller that reuses its buffers must wait for this.
   */
  onWritten?: () => void;
  /** Receives the plaintext message exactly as sent (for the pre-auth integrity hash). */
  onSent?: (message: Buffer) => void;
  /** Skip signature verification of the final response (SESSION_SETUP checks its own). */
  noVerify?: boolean;
  signal?: AbortSignal;
}

export interface SmbResponse {
  header: Smb2Header;
  /** The whole plaintext message, header included. */
  message: Buffer;
  /** True when the response arrived inside a transform (encrypted). */
  encrypted: boolean;
  /**
   * Present when `message` sits in a pooled receive buffer (a large plaintext response): hands it
   * back for reuse. Call it only once no view of `message` (e.g. READ data) is used any more.
   * Not calling it is safe; the buffer is then garbage-collected.
   */
  release?: () => void;
}

interface Pending {
  opts: RequestOptions;
  resolve(r: SmbResponse): void;
  reject(e: unknown): void;
  timer?: NodeJS.Timeout;
  asyncId?: bigint;
  charge: number;
  /** Still counted in the in-flight window (until answered, or until it went async). */
  windowed: boolean;
}

export interface ConnectionOptions {
  host: string;
  port: number;
  timeoutMs: number;
  /** Name resolution for the TCP connect, IP literals included (see {@link SmbTransport.open}). */
  lookup?: LookupFunction;
  dialects?: DialectRevision[];
  /** Ciphers offered for 3.1.1 in preference order. */
  ciphers?: CipherName[];
  signingAlgorithms?: SigningName[];
  /** Announce SIGNING_REQUIRED in NEGOTIATE (the caller demands signing). */
  requireSigning?: boolean;
  onClose?: (error: SmbError | undefined) => void;
}

/** How many credits the client tries to hold; enough for 32 MiB of multi-credit I/O in flight. */
const CREDIT_TARGET = 512;
/**
 * Credits' worth of requests (64 KiB each) allowed in flight at once, whatever the server
 * grants: bounds the READ/WRITE payload buffered by this client (8 MiB) when many streams share
 * one connection. A single request larger than the window still goes when nothing else is in
 * flight. Requests answered with an interim STATUS_PENDING leave the window.
 */
const WINDOW_CHARGE = 128;
const NO_BODY = Buffer.alloc(0);
/** Bodies at least this large are sent as separate parts instead of being copied behind the header. */
const ZERO_COPY_MIN = 16 << 10;

export class SmbConnection {
  private transport!: SmbTransport;
  private nextMessageId = 0;
  private credits = 1;
  /** Sum of the charges of windowed pending requests. */
  private inflightCharge = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly creditWaiters: { charge: number; resolve(): void; reject(e: unknown): void }[] = [];
  private readonly sessions = new Map<bigint, SessionSecurity>();
  private closedError: SmbError | undefined;
  private closed = false;

  readonly clientGuid = randomBytes(16);
  /** What this client sent in NEGOTIATE (FSCTL_VALIDATE_NEGOTIATE_INFO repeats it). */
  readonly sent = {
    securityMode: SecurityMode.SIGNING_ENABLED as number,
    capabilities: Capabilities.LARGE_MTU | Capabilities.ENCRYPTION,
    dialects: [] as DialectRevision[],
  };
  /** Set once FSCTL_VALIDATE_NEGOTIATE_INFO ran (3.0 / 3.0.2 only). */
  negotiateValidation: Promise<void> | undefined;
  negotiated!: NegotiateResponse;
  /** Connection.PreauthIntegrityHashValue after NEGOTIATE (3.1.1 only). */
  preauth: PreauthIntegrityHash | undefined;

  private constructor(private readonly opts: ConnectionOptions) {
    if (opts.requireSigning) this.sent.securityMode |= SecurityMode.SIGNING_REQUIRED;
  }

  /**
   * Connects and negotiates.
   * @throws SmbError "unreachable" when the server cannot be reached or drops the connection;
   *   "other" when no common dialect exists.
   */
  static async open(opts: ConnectionOptions): Promise<SmbConnection> {
    const c = new SmbConnection(opts);
    c.transport = await SmbTransport.open(
      opts.host,
      opts.port,
      opts.timeoutMs,
      {
        onFrame: (f) => c.onFrame(f),
        onClose: (e) => c.onTransportClose(e),
      },
      opts.lookup,
    );
    try {
      await c.negotiate();
    } catch (e) {
      c.close();
      throw e;
    }
    return c;
  }

  get dialect(): DialectRevision {
    return this.negotiated.dialect as DialectRevision;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Requests sent and not yet answered (interim STATUS_PENDING ones included). */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Multi-credit operations (LARGE_MTU, 2.1+): payloads above 64 KiB are allowed. */
  get multiCredit(): boolean {
    return this.negotiated.dialect !== Dialect.SMB202 && (this.negotiated.capabilities & Capabilities.LARGE_MTU) !== 0;
  }

  get maxReadSize(): number {
    return this.multiCredit
      ? Math.min(this.negotiated.maxReadSize, 8 << 20)
      : Math.min(this.negotiated.maxReadSize, 65536);
  }

  get maxWriteSize(): number {
    return this.multiCredit
      ? Math.min(this.negotiated.maxWriteSize, 8 << 20)
      : Math.min(this.negotiated.maxWriteSize, 65536);
  }

  get maxTransactSize(): number {
    return this.multiCredit
      ? Math.min(this.negotiated.maxTransactSize, 8 << 20)
      : Math.min(this.negotiated.maxTransactSize, 65536);
  }

  /** The server requires signing (SecurityMode SIGNING_REQUIRED). */
  get serverRequiresSigning(): boolean {
    return (this.negotiated.securityMode & SecurityMode.SIGNING_REQUIRED) !== 0;
  }

  /** The cipher this connection can encrypt with, if any (3.0/3.0.2: AES-128-CCM with CAP_ENCRYPTION). */
  get cipher(): CipherName | undefined {
    const d = this.negotiated.dialect;
    if (d === Dialect.SMB311) return this.negotiated.cipher;
    if ((d === Dialect.SMB300 || d === Dialect.SMB302) && this.negotiated.capabilities & Capabilities.ENCRYPTION)
      return "aes-128-ccm";
    return undefined;
  }

  get signingAlgorithm(): SigningName {
    const d = this.negotiated.dialect;
    if (d === Dialect.SMB202 || d === Dialect.SMB210) return "hmac-sha256";
    if (d === Dialect.SMB311 && this.negotiated.signingAlgorithm) return this.negotiated.signingAlgorithm;
    return "aes-cmac";
  }

  /** Credit charge for a payload of `bytes` (MS-SMB2 3.1.5.2). */
  creditChargeFor(bytes: number): number {
    if (!this.multiCredit) return 1;
    return Math.max(1, Math.ceil(bytes / 65536));
  }

  /**
   * Hands back the receive frame `view` lies in, for a response that carried `release` when the
   * caller no longer has the response itself (only a view of its data). No view of the frame may
   * be used after. Frames this connection's pool does not have out are ignored.
   */
  releaseFrame(view: Buffer): void {
    this.transport.release(view);
  }

  registerSession(sessionId: bigint, security: SessionSecurity): void {
    this.sessions.set(sessionId, security);
  }

  forgetSession(sessionId: bigint): void {
    this.sessions.delete(sessionId);
  }

  private async negotiate(): Promise<void> {
    const dialects = this.opts.dialects ?? ALL_DIALECTS;
    this.sent.dialects = dialects;
    const offers311 = dialects.includes(Dialect.SMB311);
    const pre = offers311 ? new PreauthIntegrityHash() : undefined;
    const body = encodeNegotiateRequest({
      dialects,
      securityMode: this.sent.securityMode,
      capabilities: this.sent.capabilities,
      clientGuid: this.clientGuid,
      preauthSalt: randomBytes(32),
      ciphers: this.opts.ciphers ?? ["aes-128-gcm", "aes-128-ccm", "aes-256-gcm", "aes-256-ccm"],
      signingAlgorithms: this.opts.signingAlgorithms ?? ["aes-gmac", "aes-cmac", "hmac-sha256"],
    });
    const res = await this.request({ command: Command.NEGOTIATE, body, onSent: (m) => pre?.update(m) });
    this.negotiated = decodeNegotiateResponse(res.message);
    if (!dialects.includes(this.negotiated.dialect as DialectRevision)) {
      throw SmbError.protocol(
        `server selected dialect 0x${this.negotiated.dialect.toString(16)} which was not offered`,
      );
    }
    if (this.negotiated.dialect === Dialect.SMB311) {
      pre!.update(res.message);
      this.preauth = pre;
    }
  }

  /**
   * Sends one request and waits for its final response. Waits for credits first; charges
   * `creditCharge` credits and message ids.
   */
  async request(opts: RequestOptions): Promise<SmbResponse> {
    const [only] = await this.send([opts]);
    return only;
  }

  /**
   * Sends related requests as one compound chain (MS-SMB2 3.2.4.1.4) in one frame: the 2nd and
   * later inherit the session, tree and the FileId the first CREATE opened (callers pass the
   * all-ones FileId). Each part is signed on its own (padding included); an encrypted chain is
   * one transform. Resolves one promise per part; when the first fails the rest fail alike.
   */
  async compound(parts: RequestOptions[]): Promise<Promise<SmbResponse>[]> {
    return this.send(parts);
  }

  private async send(list: RequestOptions[]): Promise<Promise<SmbResponse>[]> {
    if (this.closed) throw this.closedError ?? SmbError.unreachable("SMB connection is closed");
    const charges = list.map((o) => Math.max(1, o.creditCharge ?? 1));
    const total = charges.reduce((a, b) => a + b, 0);
    while (!this.canSend(total) && !this.closed) await this.waitForCredits(total);
    if (this.closed) throw this.closedError ?? SmbError.unreachable("SMB connection is closed");
    for (const o of list) o.signal?.throwIfAborted();

    const first = list[0];
    const encrypt = first.encrypt ?? false;
    const security = first.sessionId ? this.sessions.get(first.sessionId) : undefined;
    const messages: Buffer[] = [];
    const ids: number[] = [];
    /** Set for a lone request with a large body: header and body go out as separate parts. */
    let parts: Buffer[] | undefined;
    for (let i = 0; i < list.length; i++) {
      const opts = list[i];
      const charge = charges[i];
      const messageId = this.nextMessageId;
      this.nextMessageId += charge;
      this.credits -= charge;
      ids.push(messageId);
      const ask = charge + (this.credits < CREDIT_TARGET ? Math.min(CREDIT_TARGET - this.credits, 256) : 0);
      const bodyParts = Buffer.isBuffer(opts.body) ? [opts.body] : opts.body;
      let bodyLength = 0;
      for (const part of bodyParts) bodyLength += part.length;
      const last = i === list.length - 1;
      const zeroCopy = list.length === 1 && bodyLength >= ZERO_COPY_MIN && !opts.onSent;
      // Every part but the last is padded to 8 bytes; NextCommand points past the padding.
      const size = last ? HEADER_SIZE + bodyLength : pad8(HEADER_SIZE + bodyLength);
      const message = Buffer.allocUnsafe(zeroCopy ? HEADER_SIZE : size);
      encodeHeader(
        {
          creditCharge: this.negotiated && this.dialect !== Dialect.SMB202 ? charge : 0,
          command: opts.command,
          credits: ask,
          flags: (opts.sign && !encrypt ? HeaderFlags.SIGNED : 0) | (i > 0 ? HeaderFlags.RELATED_OPERATIONS : 0),
          messageId: BigInt(messageId),
          asyncId: 0n,
          treeId: opts.treeId ?? 0,
          sessionId: opts.sessionId ?? 0n,
          nextCommand: last ? 0 : size,
        },
        message,
      );
      if (zeroCopy) parts = [message, ...bodyParts];
      else {
        let at = HEADER_SIZE;
        for (const part of bodyParts) at += part.copy(message, at);
        message.fill(0, at);
      }
      if (opts.sign && !encrypt) {
        if (!security) throw SmbError.protocol("signing requested without session keys");
        computeSignatureParts(security.signingAlgorithm, security.signingKey, parts ?? [message]).copy(message, 48);
      }
      opts.onSent?.(message);
      messages.push(message);
    }
    let frame: Buffer | Buffer[] = parts ?? (messages.length === 1 ? messages[0] : Buffer.concat(messages));
    if (encrypt) {
      if (!security?.cipher || !security.encryptionKey)
        throw SmbError.protocol("encryption requested but the session has no cipher");
      frame = encryptMessageParts(
        security.cipher,
        security.encryptionKey,
        first.sessionId!,
        Buffer.isBuffer(frame) ? [frame] : frame,
      );
    }

    const promises = list.map(
      (opts, i) =>
        new Promise<SmbResponse>((resolve, reject) => {
          const messageId = ids[i];
          // The body is dropped here: once the socket wrote it, WRITE data should be collectable.
          const p: Pending = { opts: { ...opts, body: NO_BODY }, resolve, reject, charge: charges[i], windowed: true };
          this.pending.set(messageId, p);
          this.inflightCharge += p.charge;
          this.armTimer(messageId, p, opts.timeoutMs ?? this.opts.timeoutMs);
          if (opts.signal) {
            const onAbort = () => {
              if (!this.pending.has(messageId)) return;
              this.cancel(messageId, p);
            };
            opts.signal.addEventListener("abort", onAbort, { once: true });
          }
        }),
    );
    const written = list.flatMap((o) => (o.onWritten ? [o.onWritten] : []));
    const onWritten = written.length ? () => written.forEach((w) => w()) : undefined;
    try {
      this.transport.send(frame, onWritten);
    } catch (e) {
      onWritten?.();
      for (const id of ids) {
        const p = this.pending.get(id);
        if (!p) continue;
        this.unpend(id, p);
        if (p.timer) clearTimeout(p.timer);
        p.reject(e);
      }
    }
    return promises;
  }

  /** Sends CANCEL (MS-SMB2 2.2.30) for a pending request; the request then fails with STATUS_CANCELLED. */
  private cancel(messageId: number, p: Pending): void {
    if (this.closed) return;
    const message = Buffer.allocUnsafe(HEADER_SIZE + 4);
    const async = p.asyncId !== undefined;
    encodeHeader(
      {
        creditCharge: 0,
        command: Command.CANCEL,
        credits: 0,
        flags: (async ? HeaderFlags.ASYNC_COMMAND : 0) | (p.opts.sign && !p.opts.encrypt ? HeaderFlags.SIGNED : 0),
        messageId: BigInt(messageId),
        asyncId: p.asyncId ?? 0n,
        treeId: p.opts.treeId ?? 0,
        sessionId: p.opts.sessionId ?? 0n,
      },
      message,
    );
    encodeCancelRequest().copy(message, HEADER_SIZE);
    let out: Buffer = message;
    const security = p.opts.sessionId ? this.sessions.get(p.opts.sessionId) : undefined;
    if (security && p.opts.sign && !p.opts.encrypt)
      computeSignature(security.signingAlgorithm, security.signingKey, message).copy(message, 48);
    if (security && p.opts.encrypt && security.cipher && security.encryptionKey)
      out = encryptMessage(security.cipher, security.encryptionKey, p.opts.sessionId!, message);
    try {
      this.transport.send(out);
    } catch {
      // the close handler fails the request
    }
  }

  private armTimer(messageId: number, p: Pending, timeoutMs: number): void {
    if (p.timer) clearTimeout(p.timer);
    p.timer = undefined;
    if (!timeoutMs) return;
    p.timer = setTimeout(() => {
      if (this.pending.get(messageId) !== p) return;
      this.unpend(messageId, p);
      p.reject(
        new SmbError(
          NtStatus.IO_TIMEOUT,
          "unreachable",
          `SMB request (command ${p.opts.command}) timed out after ${timeoutMs} ms`,
        ),
      );
      // A response that never comes leaves the server state unknown; start over on the next call.
      this.fail(SmbError.unreachable("SMB server stopped answering"));
    }, timeoutMs);
  }

  /** Enough credits, and room in the in-flight window (or nothing in flight at all). */
  private canSend(charge: number): boolean {
    return this.credits >= charge && (this.inflightCharge === 0 || this.inflightCharge + charge <= WINDOW_CHARGE);
  }

  private unpend(messageId: number, p: Pending): void {
    this.pending.delete(messageId);
    this.leaveWindow(p);
  }

  private leaveWindow(p: Pending): void {
    if (!p.windowed) return;
    p.windowed = false;
    this.inflightCharge -= p.charge;
  }

  private waitForCredits(charge: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.creditWaiters.push({ charge, resolve, reject });
      if (this.pending.size === 0) this.topUpCredits();
    });
  }

  /** With nothing in flight no response will grant credits: ask for some with an ECHO. */
  private topUpCredits(): void {
    if (this.credits < 1) {
      this.fail(SmbError.protocol("server granted no credits"));
      return;
    }
    this.request({ command: Command.ECHO, body: encodeEchoRequest() }).catch(() => undefined);
  }

  private releaseCreditWaiters(): void {
    // Waiters re-check in request(); wake them in order while credits and window could cover them.
    let budget = this.credits;
    let window = this.inflightCharge;
    while (this.creditWaiters.length && this.creditWaiters[0].charge <= budget) {
      const w = this.creditWaiters[0];
      if (window > 0 && window + w.charge > WINDOW_CHARGE) break;
      this.creditWaiters.shift();
      budget -= w.charge;
      window += w.charge;
      w.resolve();
    }
    if (
      this.creditWaiters.length &&
      this.pending.size === 0 &&
      this.credits >= 1 &&
      this.credits < this.creditWaiters[0].charge
    )
      this.topUpCredits();
  }

  /**
   * The frame belongs to us (it may be a pooled receive buffer). It goes back to the pool at once
   * unless a response resolved with a view of it: a lone plaintext response then carries
   * `release` and its caller decides; compound parts keep the frame alive until GC.
   */
  private onFrame(frame: Buffer): void {
    let kept = false;
    try {
      if (frame.length >= 4 && frame.readUInt32LE(0) === TRANSFORM_PROTOCOL_ID) {
        const sid = transformSessionId(frame);
        const s = this.sessions.get(sid);
        if (!s?.cipher || !s.decryptionKey) throw SmbError.protocol("encrypted message for an unknown session");
        const { message } = decryptMessage(s.cipher, s.decryptionKey, frame);
        this.transport.release(frame);
        this.onMessages(message, true, undefined);
      } else if (frame.length >= 4 && frame.readUInt32LE(0) === PROTOCOL_ID) {
        kept = this.onMessages(frame, false, () => this.transport.release(frame));
      } else {
        throw SmbError.protocol("unexpected message type (SMB1 or compressed)");
      }
    } catch (e) {
      this.fail(e instanceof SmbError ? e : SmbError.protocol(`bad message from server: ${(e as Error).message}`));
    }
    if (!kept) this.transport.release(frame);
  }

  /**
   * A frame may hold a compound chain (NextCommand); each part is handled alone. Returns true
   * when a resolved response still views `frame`.
   */
  private onMessages(frame: Buffer, encrypted: boolean, release: (() => void) | undefined): boolean {
    let off = 0;
    let kept = false;
    for (;;) {
      const rest = frame.subarray(off);
      const next = rest.length >= 24 ? rest.readUInt32LE(20) : 0;
      const message = next ? rest.subarray(0, next) : rest;
      const lone = off === 0 && !next;
      if (this.onMessage(message, encrypted, lone ? release : undefined)) kept = true;
      if (!next) break;
      off += next;
    }
    return kept;
  }

  /** Returns true when a pending request resolved with `message` (it may hold on to it). */
  private onMessage(message: Buffer, encrypted: boolean, release: (() => void) | undefined): boolean {
    const header = decodeHeader(message);
    if (!(header.flags & HeaderFlags.SERVER_TO_REDIR)) throw SmbError.protocol("request received from server");
    this.credits += header.credits;
    // unsolicited OPLOCK_BREAK: not used (no oplocks requested)
    if (header.messageId === 0xffffffffffffffffn) return false;
    const messageId = Number(header.messageId);
    const p = this.pending.get(messageId);
    if (!p) {
      this.releaseCreditWaiters();
      return false; // answer to a timed-out or cancelled request
    }
    const interim = header.status === NtStatus.PENDING && (header.flags & HeaderFlags.ASYNC_COMMAND) !== 0;
    if (interim) {
      p.asyncId = header.asyncId;
      this.leaveWindow(p);
      p.opts.onInterim?.(header.asyncId);
      // The server accepted the work; a long wait (CHANGE_NOTIFY, pipe) is legitimate now.
      const t = p.opts.timeoutMs ?? this.opts.timeoutMs;
      this.armTimer(messageId, p, p.opts.command === Command.CHANGE_NOTIFY ? 0 : t * 4);
      this.releaseCreditWaiters();
      return false;
    }
    this.unpend(messageId, p);
    if (p.timer) clearTimeout(p.timer);
    try {
      this.checkSignature(header, message, encrypted, p);
    } catch (e) {
      p.reject(e);
      this.releaseCreditWaiters();
      this.fail(e as SmbError);
      return false;
    }
    let kept = false;
    if (header.status === NtStatus.SUCCESS || p.opts.ok?.includes(header.status)) {
      p.resolve(release ? { header, message, encrypted, release } : { header, message, encrypted });
      kept = true;
    } else p.reject(SmbError.fromStatus(header.status, commandName(p.opts.command)));
    this.releaseCreditWaiters();
    if (header.status === NtStatus.USER_SESSION_DELETED || header.status === NtStatus.NETWORK_SESSION_EXPIRED) {
      // The session is gone on the server: drop the connection so the next call re-authenticates.
      this.fail(SmbError.fromStatus(header.status, "session"));
    }
    return kept;
  }

  private checkSignature(header: Smb2Header, message: Buffer, encrypted: boolean, p: Pending): void {
    if (encrypted || p.opts.noVerify) return;
    const sessionEnded =
      header.status === NtStatus.USER_SESSION_DELETED || header.status === NtStatus.NETWORK_SESSION_EXPIRED;
    if (p.opts.encrypt && !sessionEnded)
      throw SmbError.protocol(`unencrypted ${commandName(header.command)} response to an encrypted request`);
    const s = header.sessionId ? this.sessions.get(header.sessionId) : undefined;
    if (header.flags & HeaderFlags.SIGNED) {
      if (!s) return; // e.g. a signed response for a session being set up; SESSION_SETUP verifies itself
      if (!verifySignature(s.signingAlgorithm, s.signingKey, message))
        throw SmbError.protocol(`bad signature on ${commandName(header.command)} response`);
      return;
    }
    // A signed request gets a signed response (MS-SMB2 3.3.4.1.1), whatever the session's policy.
    if (s?.requireSignedResponses && p.opts.sign) {
      // MS-SMB2 3.2.5.1.3: errors that end the session may come back unsigned.
      if (sessionEnded) return;
      throw SmbError.protocol(`unsigned ${commandName(header.command)} response on a signed session`);
    }
  }

  private onTransportClose(error: SmbError | undefined): void {
    this.closed = true;
    const e = error ?? this.closedError ?? SmbError.unreachable("SMB connection closed");
    this.closedError = e;
    for (const [, p] of this.pending) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(e);
    }
    this.pending.clear();
    this.inflightCharge = 0;
    for (const w of this.creditWaiters.splice(0)) w.reject(e);
    this.opts.onClose?.(error);
  }

  /** Tears the connection down and fails everything in flight with `error`. */
  fail(error: SmbError): void {
    if (this.closed) return;
    this.closedError = error;
    this.transport.destroy(error);
  }

  close(): void {
    if (this.closed) return;
    this.closedError = SmbError.unreachable("SMB connection closed by the client");
    this.transport.close();
  }
}

const NAMES = Object.fromEntries(Object.entries(Command).map(([k, v]) => [v, k])) as Record<number, string>;
export function commandName(command: number): string {
  return NAMES[command] ?? `command ${command}`;
}
