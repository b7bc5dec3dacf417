/**
 * Disabling on authentication failure (remote-mount spec, "What To Do When Your Remote Server
 * Connection Is Disabled"): when a job or mount of a connector whose definition sets
 * `disableOnAuthFailure` fails with CONNECTOR_AUTH_FAILED, the connector is disabled (`status_reason`
 * "authentication failed: …") and a `connector_auth_failed` alert is raised (one open alert per
 * connector, however often it fails). Saving the connector again — any PATCH that does not say
 * `enabled: false`, even `{}` — or a completed OAuth sign-in re-enables it and resolves its alerts.
 *
 * Only connectors disabled this way are re-enabled by a save: one an administrator disabled
 * (`enabled: false`) stays disabled until a PATCH says `enabled: true`.
 */
import type { Logger } from "pino";
import type { AlertService } from "../core/alert-service.js";
import { CONNECTOR_AUTH_FAILED_ALERT } from "../core/alert-service.js";
import type { ConnectorDefinition } from "./connector-definition.js";
import type { ConnectorRecord, ConnectorStore } from "../store/sync/connector-store.js";
import type { SyncJobRecord } from "../store/sync/sync-job-store.js";

/** Prefix of `status_reason` for connectors disabled by an auth failure (a save re-enables those). */
export const AUTH_DISABLED_PREFIX = "authentication failed: ";

export interface ConnectorAuthGuardOptions {
  connectors: Pick<ConnectorStore, "get" | "update">;
  alerts: AlertService;
  definitions: ReadonlyMap<string, ConnectorDefinition>;
  logger: Logger;
}

export class ConnectorAuthGuard {
  constructor(private readonly o: ConnectorAuthGuardOptions) {}

  /**
   * The engine's `onJobFinished` (sync and push/pull jobs): runs before the job's end is recorded,
   * so a client that sees the failed job also sees the disabled connector and the alert.
   */
  async onJobFinished(
    job: Pick<SyncJobRecord, "id" | "status" | "error">,
    connector: Pick<ConnectorRecord, "id">,
  ): Promise<void> {
    if (job.status !== "failed" || job.error?.code !== "CONNECTOR_AUTH_FAILED") return;
    await this.authFailed(connector.id, job.error.message);
  }

  /**
   * Disables the connector (if its type asks for it and it is enabled) and raises the alert.
   * Idempotent: a connector already disabled keeps its reason, and the open alert is reused.
   */
  async authFailed(connectorId: string, message: string): Promise<void> {
    const c = await this.o.connectors.get(connectorId);
    if (!c) return;
    const def = this.o.definitions.get(c.type);
    if (!def?.disableOnAuthFailure) return;
    if (c.status === "enabled") {
      await this.o.connectors.update(c.id, { status: "disabled", status_reason: `${AUTH_DISABLED_PREFIX}${message}` });
      this.o.logger.warn(
        { connectorId: c.id, connectorType: c.type },
        "connector disabled after an authentication failure",
      );
    }
    await this.o.alerts.raise({
      kind: CONNECTOR_AUTH_FAILED_ALERT,
      connectorId: c.id,
      message:
        `${def.title} connector "${c.name}" (${c.id}) was disabled: ${message}. Fix the credentials, then save the ` +
        `connector again (PATCH, even without changes) or sign in again.`,
    });
  }

  /**
   * A save of the connector (PATCH without `enabled: false`, or a completed sign-in): re-enables it
   * when an auth failure disabled it and resolves its auth-failure alerts. Returns the record as
   * stored afterwards.
   */
  async saved(c: ConnectorRecord): Promise<ConnectorRecord> {
    let out = c;
    if (c.status === "disabled" && (c.status_reason ?? "").startsWith(AUTH_DISABLED_PREFIX)) {
      out = await this.o.connectors.update(c.id, { status: "enabled", status_reason: null });
      this.o.logger.info({ connectorId: c.id }, "connector re-enabled by a save");
    }
    await this.o.alerts.resolveForConnector(c.id, CONNECTOR_AUTH_FAILED_ALERT);
    return out;
  }
}
