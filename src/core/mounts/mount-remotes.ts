import type { Logger } from "pino";
import type { Remote } from "../../sync/remote.js";
import { AppError } from "../errors.js";
import { mountError } from "./mount-errors.js";

/** What the cache needs to know of a connector: its id and a stamp that changes on every update. */
export interface MountConnector {
  id: string;
  updated_at: string;
  status?: string;
}

export interface MountRemotesOptions {
  /** The connector's current record, or undefined when it was deleted. */
  load(connectorId: string): Promise<MountConnector | undefined>;
  /** Opens and authenticates a Remote for the connector (throws RemoteError auth / unreachable). */
  open(connectorId: string): Promise<Remote>;
  logger: Logger;
}

interface Cached {
  stamp: string;
  remote: Promise<Remote>;
}

/**
 * One open Remote per connector, shared by every mount of it and every request. Each use reads
 * the connector record (one indexed query): a changed `updated_at` (PATCH) closes the cached
 * connection and opens a new one with the new settings; a deleted connector closes it and answers
 * 404. A failed open is not cached; {@link invalidate} after a connection-level failure makes the
 * next request reconnect. {@link sweep} closes connections of deleted or changed connectors
 * between requests.
 */
export class MountRemotes {
  private readonly cache = new Map<string, Cached>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly o: MountRemotesOptions) {}

  /**
   * @throws AppError NOT_FOUND (connector deleted), CONFLICT (disabled), CONNECTOR_AUTH_FAILED, CONNECTOR_UNREACHABLE.
   */
  async get(connectorId: string): Promise<Remote> {
    const connector = await this.o.load(connectorId);
    if (!connector) {
      await this.invalidate(connectorId);
      throw new AppError("NOT_FOUND", `the mount's connector ${connectorId} no longer exists; delete the mount`, {
        connector_id: connectorId,
      });
    }
    if (connector.status === "disabled") {
      throw new AppError("CONFLICT", `the mount's connector ${connectorId} is disabled; save it again to re-enable`, {
        connector_id: connectorId,
      });
    }
    const cached = this.cache.get(connectorId);
    if (cached && cached.stamp === connector.updated_at) return cached.remote;
    if (cached) await this.invalidate(connectorId);
    const entry: Cached = { stamp: connector.updated_at, remote: this.o.open(connectorId) };
    this.cache.set(connectorId, entry);
    try {
      return await entry.remote;
    } catch (err) {
      if (this.cache.get(connectorId) === entry) this.cache.delete(connectorId);
      throw mountError(err, "/");
    }
  }

  /** Closes and forgets the connector's cached Remote (idempotent). */
  async invalidate(connectorId: string): Promise<void> {
    const cached = this.cache.get(connectorId);
    if (!cached) return;
    this.cache.delete(connectorId);
    try {
      await (await cached.remote).close();
    } catch (err) {
      this.o.logger.debug({ connectorId, err: (err as Error).message }, "closing a mount remote failed");
    }
  }

  /**
   * Closes cached connections whose connector was deleted or changed since they were opened, so a
   * deleted connector's connection does not linger until the next request. Run periodically.
   */
  async sweep(): Promise<void> {
    for (const [id, cached] of [...this.cache.entries()]) {
      const connector = await this.o.load(id).catch(() => undefined);
      if (!connector || connector.updated_at !== cached.stamp) await this.invalidate(id);
    }
  }

  /** Starts {@link sweep} every `everyMs` (unref'd); `closeAll` stops it. */
  startSweeping(everyMs = 30_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), everyMs);
    this.timer.unref();
  }

  async closeAll(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([...this.cache.keys()].map((id) => this.invalidate(id)));
  }
}
