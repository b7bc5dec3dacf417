/** Identity mappings: a remote principal (`CORP\\alice`, an Entra object id) to a ScaiDrive user or group. */
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { newId } from "../../core/ids.js";
import { AppError } from "../../core/errors.js";
import { isUniqueViolation, nowIso } from "./store-values.js";

export interface IdentityMappingRecord {
  id: string;
  connector_id: string;
  identity_type: "user" | "group";
  remote_principal: string;
  scaidrive_principal_id: string;
  /** A label to show for the remote principal (an Entra user's name and e-mail); never matched on. */
  remote_display_name: string | null;
  created_at: string;
}

export class IdentityMappingStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Throws ALREADY_EXISTS when the connector already maps that remote principal. */
  async create(
    input: Omit<IdentityMappingRecord, "id" | "created_at" | "remote_display_name"> &
      Partial<Pick<IdentityMappingRecord, "remote_display_name">>,
  ): Promise<IdentityMappingRecord> {
    const row = {
      ...input,
      remote_display_name: input.remote_display_name ?? null,
      id: newId("map"),
      created_at: nowIso(),
    };
    try {
      await this.db.insertInto("identity_mappings").values(row).execute();
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new AppError("ALREADY_EXISTS", `${input.remote_principal} is already mapped on this connector`, {
          remote_principal: input.remote_principal,
        });
      }
      throw err;
    }
    return row;
  }

  async list(connectorId: string): Promise<IdentityMappingRecord[]> {
    const rows = await this.db
      .selectFrom("identity_mappings")
      .selectAll()
      .where("connector_id", "=", connectorId)
      .orderBy("id")
      .execute();
    return rows as IdentityMappingRecord[];
  }

  async get(connectorId: string, id: string): Promise<IdentityMappingRecord | undefined> {
    const row = await this.db
      .selectFrom("identity_mappings")
      .selectAll()
      .where("connector_id", "=", connectorId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row as IdentityMappingRecord | undefined;
  }

  /** Returns false when there was nothing to delete. */
  async delete(connectorId: string, id: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom("identity_mappings")
      .where("connector_id", "=", connectorId)
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Case-insensitive lookup map (remote principals like `CORP\\Alice` are case-insensitive on Windows). */
  async principalMap(connectorId: string): Promise<Map<string, IdentityMappingRecord>> {
    const map = new Map<string, IdentityMappingRecord>();
    for (const m of await this.list(connectorId)) map.set(m.remote_principal.toLowerCase(), m);
    return map;
  }
}
