/**
 * Who may do what with a connector (README "Connectors: who may do what"), in one place for every
 * connector type and every route that names a connector:
 *
 * - Seeing a connector needs READ on its target share's root; a connector the caller cannot see
 *   answers 404 like an unknown id (or one of another type).
 * - Managing it (changing, testing, running it, its mappings, file-states, audit trail and
 *   per-file logs) needs MANAGE_PERMISSIONS there (403 otherwise). Admins may do everything.
 * - Creating connectors and re-aiming them is for administrators unless
 *   `SCAIDRIVE_CONNECTOR_CREATORS=share-managers`.
 */
import { AppError, isAppError } from "../core/errors.js";
import type { Actor } from "../core/actor.js";
import type { NodeService } from "../core/node-service.js";
import type { ConnectorRecord, ConnectorStore } from "../store/sync/connector-store.js";

export type ConnectorCreators = "admins" | "share-managers";

export interface ConnectorAccessOptions {
  connectors: Pick<ConnectorStore, "get">;
  nodes: Pick<NodeService, "locate">;
  /** `SCAIDRIVE_CONNECTOR_CREATORS`. */
  creators: ConnectorCreators;
}

/** A connector the caller may see; `manager` says whether they may also change it. */
export interface LoadedConnector {
  connector: ConnectorRecord;
  manager: boolean;
}

export class ConnectorAccess {
  constructor(private readonly o: ConnectorAccessOptions) {}

  /** Whether `actor` holds `perm` on the connector's target share root (admins always). */
  private async holds(actor: Actor, c: ConnectorRecord, perm: "READ" | "MANAGE_PERMISSIONS"): Promise<boolean> {
    if (actor.isAdmin) return true;
    try {
      await this.o.nodes.locate(actor, c.target_share_id, "/", perm);
      return true;
    } catch (err) {
      if (isAppError(err) && (err.code === "NOT_FOUND" || err.code === "FORBIDDEN")) return false;
      throw err;
    }
  }

  canSee(actor: Actor, c: ConnectorRecord): Promise<boolean> {
    return this.holds(actor, c, "READ");
  }

  canManage(actor: Actor, c: ConnectorRecord): Promise<boolean> {
    return this.holds(actor, c, "MANAGE_PERMISSIONS");
  }

  /**
   * The connector `id` of `type` if the caller may see it (and, for "manage", change it).
   * @throws NOT_FOUND (unknown, another type, or invisible), FORBIDDEN (seen but not managed)
   */
  async load(actor: Actor, id: string, type: string, need: "read" | "manage"): Promise<LoadedConnector> {
    const connector = await this.o.connectors.get(id);
    if (!connector || connector.type !== type || !(await this.canSee(actor, connector))) {
      throw new AppError("NOT_FOUND", `connector ${id} not found`);
    }
    const manager = await this.canManage(actor, connector);
    if (need === "manage" && !manager) {
      throw new AppError("FORBIDDEN", `connector ${id} needs MANAGE_PERMISSIONS on its target share for this`);
    }
    return { connector, manager };
  }

  /**
   * The connector `id` of `type` for an operation only managers may start, checked with one
   * MANAGE_PERMISSIONS look-up. `forbidden` is the 403 message; `checkShareForAdmins` makes admins
   * pass the look-up too (so a connector whose target share is gone is 404 for them as well).
   * @throws NOT_FOUND, FORBIDDEN
   */
  async requireManager(
    actor: Actor,
    id: string,
    type: string,
    o: { forbidden: string; checkShareForAdmins?: boolean },
  ): Promise<ConnectorRecord> {
    const connector = await this.o.connectors.get(id);
    if (!connector || connector.type !== type) throw new AppError("NOT_FOUND", `connector ${id} not found`);
    if (actor.isAdmin && !o.checkShareForAdmins) return connector;
    try {
      await this.o.nodes.locate(actor, connector.target_share_id, "/", "MANAGE_PERMISSIONS");
    } catch (err) {
      if (isAppError(err) && err.code === "FORBIDDEN") throw new AppError("FORBIDDEN", o.forbidden);
      if (isAppError(err) && err.code === "NOT_FOUND") throw new AppError("NOT_FOUND", `connector ${id} not found`);
      throw err;
    }
    return connector;
  }

  /** Who may create connectors and re-aim them (SCAIDRIVE_CONNECTOR_CREATORS). @throws FORBIDDEN */
  requireCreator(actor: Actor, what: string): void {
    if (this.o.creators === "admins" && !actor.isAdmin) {
      throw new AppError(
        "FORBIDDEN",
        `${what} is reserved to administrators on this server (SCAIDRIVE_CONNECTOR_CREATORS=admins)`,
      );
    }
  }
}
