/** The audit trail of connector configuration changes (see migration 0101). */
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { newId } from "../../core/ids.js";
import { nowIso, parseJson } from "./store-values.js";

export type ConnectorAuditAction = "created" | "updated" | "deleted";

export interface ConnectorAuditRecord {
  id: string;
  connector_id: string;
  connector_type: string;
  at: string;
  actor_id: string;
  action: ConnectorAuditAction;
  fields: string[];
  scope_fields: string[];
  secrets_dropped: string[];
}

export class ConnectorAuditStore {
  constructor(private readonly db: Kysely<Database>) {}

  async record(input: Omit<ConnectorAuditRecord, "id" | "at">): Promise<ConnectorAuditRecord> {
    const rec: ConnectorAuditRecord = { ...input, id: newId("aud"), at: nowIso() };
    await this.db
      .insertInto("connector_audit")
      .values({
        ...rec,
        fields: JSON.stringify(rec.fields),
        scope_fields: JSON.stringify(rec.scope_fields),
        secrets_dropped: JSON.stringify(rec.secrets_dropped),
      })
      .execute();
    return rec;
  }

  /** Newest first; `before` is the last id of the previous page. */
  async list(connectorId: string, options: { before?: string; limit: number }): Promise<ConnectorAuditRecord[]> {
    let q = this.db
      .selectFrom("connector_audit")
      .selectAll()
      .where("connector_id", "=", connectorId)
      .orderBy("id", "desc")
      .limit(options.limit);
    if (options.before) q = q.where("id", "<", options.before);
    return (await q.execute()).map((r) => ({
      ...r,
      action: r.action as ConnectorAuditAction,
      fields: parseJson<string[]>(r.fields, []),
      scope_fields: parseJson<string[]>(r.scope_fields, []),
      secrets_dropped: parseJson<string[]>(r.secrets_dropped, []),
    }));
  }
}
