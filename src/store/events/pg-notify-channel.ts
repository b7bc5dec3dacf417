/**
 * A PostgreSQL NOTIFY channel between the nodes of one installation: every message sent reaches
 * every process LISTENing on the channel in the same database, the sender included. It carries
 * text and knows nothing of what the text means (core/cluster-event-bus.ts gives it meaning).
 *
 * - **Sending** goes through the application's pool, one `pg_notify` at a time in send order, so a
 *   receiver sees one node's messages in the order they were sent. Unsent messages wait in a
 *   bounded queue: a message with a coalescing key replaces an unsent one with the same key (a
 *   newer progress sample makes the older one worthless), and beyond `maxPending` new messages are
 *   dropped, so a slow or unreachable database never grows memory. A failed send is dropped too:
 *   messages are live notifications, not records (the records are in the tables).
 * - **Receiving** uses one dedicated connection per process (a plain pg Client outside the pool: a
 *   pooled connection would be handed to queries and recycled, losing its LISTEN). When it drops
 *   (server restart, `pg_terminate_backend`, network), it reconnects with a doubling backoff;
 *   messages sent while it was down are not received (NOTIFY queues only for live listeners).
 *   Receivers must treat messages as hints and read the state from the tables after a gap.
 */
import pg from "pg";
import { sql, type Kysely } from "kysely";
import type { Logger } from "pino";
import type { Database } from "../db/schema.js";

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more (in the server encoding, UTF-8). */
export const NOTIFY_MAX_PAYLOAD_BYTES = 7999;

/** How the LISTEN connection shows in `pg_stat_activity.application_name`. */
export const LISTEN_APPLICATION_NAME = "scaidrive-listen";

export interface PgNotifyChannelOptions {
  /** The database of the installation (`SCAIDRIVE_DATABASE_URL`): the LISTEN connection's target. */
  connectionString: string;
  /** The application's pool: sends the NOTIFYs. */
  db: Kysely<Database>;
  /** A lower-case SQL identifier, e.g. `scaidrive_events`. */
  channel: string;
  logger: Logger;
  /** First reconnect delay after the LISTEN connection drops (default 250 ms); doubles per failure. */
  minReconnectMs?: number;
  /** Longest reconnect delay (default 10 s). */
  maxReconnectMs?: number;
  /** Unsent messages kept at most (default 1000); later ones are dropped while the queue is full. */
  maxPending?: number;
}

interface Pending {
  text: string;
  key: string | undefined;
}

export class PgNotifyChannel {
  readonly maxMessageBytes = NOTIFY_MAX_PAYLOAD_BYTES;
  private readonly handlers: ((message: string) => void)[] = [];
  private readonly pending: Pending[] = [];
  private draining: Promise<void> | undefined;
  private dropped = 0;
  private sendFailing = false;
  private client: pg.Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelay: number;
  private failedAttempts = 0;
  private closed = false;

  constructor(private readonly o: PgNotifyChannelOptions) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(o.channel)) throw new Error(`invalid NOTIFY channel name "${o.channel}"`);
    this.reconnectDelay = o.minReconnectMs ?? 250;
  }

  /** Whether the LISTEN connection is up (messages of other nodes arrive). */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Calls `handler` with every message received on the channel, this process's own included. */
  onMessage(handler: (message: string) => void): void {
    this.handlers.push(handler);
  }

  /**
   * Opens the LISTEN connection. A failure is logged and retried in the background (the server
   * runs without messages from other nodes meanwhile); it never rejects.
   */
  async start(): Promise<void> {
    if (!(await this.connect())) this.scheduleReconnect();
  }

  /**
   * Queues `text` for every listener. A message that is too large is refused (false) and logged;
   * one with `coalesceKey` replaces an unsent message with the same key, and takes its place at
   * the end of the queue (so it stays after everything sent before it).
   */
  send(text: string, coalesceKey?: string): boolean {
    if (this.closed) return false;
    if (Buffer.byteLength(text) > NOTIFY_MAX_PAYLOAD_BYTES) {
      this.o.logger.warn(
        { bytes: Buffer.byteLength(text), channel: this.o.channel },
        "NOTIFY message too large; dropped",
      );
      return false;
    }
    if (coalesceKey !== undefined) {
      const older = this.pending.findIndex((p) => p.key === coalesceKey);
      if (older >= 0) this.pending.splice(older, 1);
    }
    if (this.pending.length >= (this.o.maxPending ?? 1000)) {
      if (this.dropped++ === 0)
        this.o.logger.warn({ channel: this.o.channel }, "NOTIFY queue full; dropping messages until it drains");
      return false;
    }
    this.pending.push({ text, key: coalesceKey });
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
    return true;
  }

  /** Resolves when every queued message has been sent (or given up). */
  async flushed(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Sends what is queued (waiting at most `flushMs`), then closes the LISTEN connection. */
  async close(flushMs = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.flushed(), new Promise((r) => (timer = setTimeout(r, flushMs)))]);
    clearTimeout(timer);
    this.pending.length = 0;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async drain(): Promise<void> {
    for (let next = this.pending.shift(); next !== undefined; next = this.pending.shift()) {
      try {
        await sql`select pg_notify(${this.o.channel}, ${next.text})`.execute(this.o.db);
        if (this.sendFailing) this.o.logger.info({ channel: this.o.channel }, "NOTIFY works again");
        this.sendFailing = false;
      } catch (err) {
        // Logged once per outage, not once per message.
        if (!this.sendFailing) this.o.logger.warn({ err, channel: this.o.channel }, "NOTIFY failed; message dropped");
        this.sendFailing = true;
      }
    }
    if (this.dropped > 0) {
      this.o.logger.warn(
        { channel: this.o.channel, dropped: this.dropped },
        "NOTIFY queue drained after dropping messages",
      );
      this.dropped = 0;
    }
  }

  /** One attempt to connect and LISTEN; true when listening. */
  private async connect(): Promise<boolean> {
    const client = new pg.Client({
      connectionString: this.o.connectionString,
      application_name: LISTEN_APPLICATION_NAME,
      // A silently dead peer (a dropped route) is noticed by TCP keepalive rather than never.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 10_000,
    });
    // Both fire when the server ends the connection; unhandled, 'error' would crash the process.
    client.on("error", (err) => this.lost(client, err));
    client.on("end", () => this.lost(client));
    client.on("notification", (n) => {
      if (n.channel !== this.o.channel || n.payload === undefined) return;
      for (const h of this.handlers) h(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.o.channel}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      if (this.failedAttempts++ === 0 || this.reconnectDelay >= (this.o.maxReconnectMs ?? 10_000))
        this.o.logger.warn(
          { err, channel: this.o.channel, attempts: this.failedAttempts },
          "could not LISTEN for messages of other nodes; retrying",
        );
      return false;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return false;
    }
    this.client = client;
    if (this.failedAttempts > 0)
      this.o.logger.info({ channel: this.o.channel, attempts: this.failedAttempts }, "listening to other nodes again");
    this.failedAttempts = 0;
    this.reconnectDelay = this.o.minReconnectMs ?? 250;
    return true;
  }

  private lost(client: pg.Client, err?: Error): void {
    // Events of a connection that failed while connecting, or of one already replaced, are old news.
    if (client !== this.client) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    if (this.closed) return;
    this.o.logger.warn(
      { err: err?.message, channel: this.o.channel },
      "LISTEN connection lost; reconnecting (messages of other nodes are missed until then)",
    );
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer !== undefined) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(delay * 2, this.o.maxReconnectMs ?? 10_000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect().then((ok) => {
        if (!ok) this.scheduleReconnect();
      });
    }, delay);
    this.reconnectTimer.unref();
  }
}
