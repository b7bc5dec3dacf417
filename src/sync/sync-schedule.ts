/**
 * The schedule rule, in one place: the scheduler decides with it and the connector API shows its
 * answer (`next_run_at`), so the time a user sees is the time the scheduler acts on.
 *
 * A connector runs on schedule only when `sync_interval_minutes` is above 0 and it is enabled. The
 * next run is due `interval` after the newest job of the connector (any status, skipped included —
 * the cadence continues from a skipped run); a connector that never ran is due `interval` after its
 * creation. A due time in the past means the next scheduler tick starts the run.
 */
import type { ConnectorRecord } from "../store/sync/connector-store.js";

export type ScheduledConnector = Pick<ConnectorRecord, "sync_interval_minutes" | "status" | "created_at">;

/** Whether the scheduler starts runs of `c` at all. */
export function isScheduled(c: Pick<ConnectorRecord, "sync_interval_minutes" | "status">): boolean {
  return c.sync_interval_minutes > 0 && c.status === "enabled";
}

/**
 * When the next scheduled run of `c` is due (epoch ms), given the creation time of its newest job
 * (undefined before the first); null when it has no schedule or is disabled.
 */
export function nextRunDue(c: ScheduledConnector, newestJobCreatedAt: string | undefined): number | null {
  if (!isScheduled(c)) return null;
  return Date.parse(newestJobCreatedAt ?? c.created_at) + c.sync_interval_minutes * 60_000;
}
