import type { Kysely } from "kysely";

/**
 * Pending SharePoint user-auth sign-ins, so the OAuth callback may reach any node: the state is
 * stored hashed, the PKCE verifier and nonce sealed (see
 * src/connectors/sharepoint/sharepoint-oauth-state.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("oauth_states")
    .addColumn("state_hash", "varchar(64)", (c) => c.primaryKey())
    .addColumn("connector_id", "varchar(40)", (c) => c.notNull())
    .addColumn("sealed", "text", (c) => c.notNull())
    .addColumn("redirect_uri", "text", (c) => c.notNull())
    .addColumn("user_id", "varchar(40)")
    .addColumn("expires_at", "varchar(40)", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("oauth_states_expires_idx").on("oauth_states").column("expires_at").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("oauth_states").execute();
}
