/**
 * Alerts: things an admin must act on, listed at `GET /api/v1/alerts`. Raising is idempotent per
 * (connector, kind) while an alert is open — a connector that keeps failing the same way shows
 * one alert, not one per run — and resolving is idempotent too. Messages never carry secrets.
 */
import type { Logger } from "pino";
import { AppError } from "./errors.js";
import { newId } from "./ids.js";
import type { DbExecutor } from "../store/core/db-executor.js";
import { alertStore, type AlertRecord } from "../store/core/alert-store.js";

export type { AlertRecord };

/** A connector was disabled because the remote refused its credentials. */
export const CONNECTOR_AUTH_FAILED_ALERT = "connector_auth_failed";

export class AlertService {
  constructor(
    private readonly db: DbExecutor,
    private readonly logger?: Logger,
  ) {}

  /** Opens an alert, or returns the open one of the same kind for the connector. */
  async raise(o: { kind: string; connectorId: string | null; message: string }): Promise<AlertRecord> {
    if (o.connectorId) {
      const open = await alertStore.openFor(this.db, o.connectorId, o.kind);
      if (open) return open;
    }
    const alert: AlertRecord = {
      // newId's ULIDs increase within a millisecond: lists page newest-first by id, and two alerts
      // raised in the same millisecond still sort in the order they were raised.
      id: newId("alr"),
      kind: o.kind,
      connector_id: o.connectorId,
      message: o.message,
      created_at: new Date().toISOString(),
      resolved_at: null,
    };
    await alertStore.insert(this.db, alert);
    this.logger?.warn({ alertId: alert.id, kind: o.kind, connectorId: o.connectorId }, "alert raised");
    return alert;
  }

  /** Resolves every open alert of a connector (of `kind` when given); returns how many. */
  async resolveForConnector(connectorId: string, kind?: string): Promise<number> {
    const n = await alertStore.resolve(this.db, { connectorId, kind }, new Date().toISOString());
    if (n > 0) this.logger?.info({ connectorId, kind, resolved: n }, "alerts resolved");
    return n;
  }

  /** Resolves one alert (a resolved one is returned unchanged). @throws NOT_FOUND */
  async resolve(id: string): Promise<AlertRecord> {
    const found = await alertStore.get(this.db, id);
    if (!found) throw new AppError("NOT_FOUND", `alert ${id} not found`);
    if (found.resolved_at === null) await alertStore.resolve(this.db, { id }, new Date().toISOString());
    return (await alertStore.get(this.db, id))!;
  }

  list(o: { beforeId?: string; limit: number; open?: boolean; connectorId?: string }): Promise<AlertRecord[]> {
    return alertStore.list(this.db, o);
  }
}
