/**
 * The SMB client: one TCP connection and one authenticated session, shared by every tree
 * obtained from it. A dropped connection fails the calls in flight with an "unreachable"
 * SmbError; the next call reconnects and re-authenticates (open handles and streams of the
 * old connection stay failed).
 */
import type { LookupFunction } from "node:net";
import { SmbConnection, ALL_DIALECTS } from "./connection.js";
import { SmbSession } from "./session.js";
import { SmbError } from "./errors.js";
import { SmbTree, type SessionSource } from "./tree.js";
import type { SmbPipe, SmbPipeOptions } from "./pipe.js";
import type { DialectRevision } from "./messages/negotiate.js";

export interface SmbClientOptions {
  /** Server name or IP address, as UNC paths (TREE_CONNECT) name it; `lookup` decides where the TCP connection goes. */
  host: string;
  /** Default 445. */
  port?: number;
  /**
   * Resolves `host` for every (re)connect, in `net.connect`'s `lookup` signature — and, unlike
   * `net.connect`, for an IP-literal host too, so a lookup that refuses an address (a caller's
   * network policy) refuses it however the host is written. Its error fails the connect as an
   * "unreachable" SmbError whose `cause` is that error. Default: the system resolver.
   */
  lookup?: LookupFunction;
  domain?: string;
  username: string;
  password: string;
  workstation?: string;
  /** Per-request and connect timeout (default 30 s). */
  timeoutMs?: number;
  /** Dialects to offer (default 2.0.2, 2.1, 3.0, 3.0.2, 3.1.1). */
  dialects?: DialectRevision[];
  /** "auto" (default): encrypt when the server or a share requires it; "required": always, or fail. */
  encrypt?: "auto" | "required";
  /** Accept a session the server downgraded to guest/anonymous (default false: auth error). */
  allowGuest?: boolean;
  /**
   * "auto" (default): sign when the server requires it, as Windows and Samba clients do; the
   * NEGOTIATE is still protected (3.1.1 pre-auth integrity, 3.0.x validate-negotiate) and
   * TREE_CONNECT is signed. "required": sign every request and reject unsigned responses.
   */
  signing?: "auto" | "required";
}

export class SmbClient implements SessionSource {
  private state: { conn: SmbConnection; session: SmbSession; generation: number } | undefined;
  private connecting: Promise<{ conn: SmbConnection; session: SmbSession; generation: number }> | undefined;
  private generation = 0;
  private closed = false;
  private readonly trees = new Map<string, SmbTree>();
  readonly host: string;
  readonly timeoutMs: number;

  private constructor(private readonly opts: SmbClientOptions) {
    this.host = opts.host;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /**
   * Connects, negotiates and authenticates.
   * @throws SmbError "unreachable" (refused, timeout, DNS), "auth" (bad credentials, guest refused).
   */
  static async connect(opts: SmbClientOptions): Promise<SmbClient> {
    const c = new SmbClient(opts);
    await c.current();
    return c;
  }

  /** Negotiated dialect of the current connection, e.g. 0x0311. */
  get dialect(): number | undefined {
    return this.state?.conn.dialect;
  }

  /** What the current connection negotiated (undefined before the first connect / after a drop). */
  get security():
    | { dialect: number; signingAlgorithm: string; cipher: string | undefined; signing: boolean; encrypted: boolean }
    | undefined {
    const s = this.state;
    if (!s) return undefined;
    return {
      dialect: s.conn.dialect,
      signingAlgorithm: s.conn.signingAlgorithm,
      cipher: s.session.canEncrypt ? s.conn.cipher : undefined,
      signing: s.session.sign,
      encrypted: s.session.encryptAll,
    };
  }

  /** Whether the current session encrypts everything. */
  get encrypted(): boolean {
    return this.state?.session.encryptAll ?? false;
  }

  /** Whether the current session signs its requests. */
  get signing(): boolean {
    return this.state?.session.sign ?? false;
  }

  /** @internal the live session, reconnecting when the last one dropped. */
  async current(): Promise<{ conn: SmbConnection; session: SmbSession; generation: number }> {
    if (this.closed) throw SmbError.unreachable("SMB client is closed");
    if (this.state && !this.state.conn.isClosed) return this.state;
    this.state = undefined;
    return (this.connecting ??= this.establish().finally(() => (this.connecting = undefined)));
  }

  private async establish(): Promise<{ conn: SmbConnection; session: SmbSession; generation: number }> {
    const conn = await SmbConnection.open({
      host: this.opts.host,
      port: this.opts.port ?? 445,
      lookup: this.opts.lookup,
      timeoutMs: this.timeoutMs,
      dialects: this.opts.dialects ?? ALL_DIALECTS,
      requireSigning: this.opts.signing === "required",
    });
    try {
      const session = await SmbSession.setup(
        conn,
        {
          domain: this.opts.domain ?? "",
          username: this.opts.username,
          password: this.opts.password,
          workstation: this.opts.workstation,
        },
        {
          encrypt: this.opts.encrypt ?? "auto",
          signing: this.opts.signing ?? "auto",
          allowGuest: this.opts.allowGuest ?? false,
          timeoutMs: this.timeoutMs,
        },
      );
      this.state = { conn, session, generation: ++this.generation };
      return this.state;
    } catch (e) {
      conn.close();
      throw e;
    }
  }

  /**
   * Connects a share (TREE_CONNECT) and returns it.
   * @throws SmbError "not_found" for an unknown share, "access_denied" when refused.
   */
  async tree(share: string): Promise<SmbTree> {
    let t = this.trees.get(share.toLowerCase());
    if (!t) {
      t = new SmbTree(this, share);
      this.trees.set(share.toLowerCase(), t);
    }
    await t.bind();
    return t;
  }

  /** Opens a DCE/RPC named pipe (e.g. "lsarpc") on IPC$. */
  async openPipe(name: "lsarpc" | string, opts?: SmbPipeOptions): Promise<SmbPipe> {
    const ipc = await this.tree("IPC$");
    return ipc.openPipe(name, opts);
  }

  /** Logs off and closes the connection. Further calls fail with "unreachable". */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const s = this.state;
    this.state = undefined;
    if (!s || s.conn.isClosed) return;
    for (const t of this.trees.values()) await t.disconnect();
    await s.session.logoff();
    s.conn.close();
  }
}
