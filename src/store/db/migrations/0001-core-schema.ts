import type { Kysely } from "kysely";

/**
 * Core tables: principals, tokens, shares, nodes, versions, ACEs. Portable DDL only (SQLite and
 * PostgreSQL). Paths are not indexed (a 4096-byte path would exceed PostgreSQL's btree row limit):
 * lookups walk (parent_id, name), which is unique and short.
 * `nodes.current_version_id` has no foreign key on purpose: versions reference nodes, and a cycle
 * of foreign keys would make inserts order-dependent.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("users")
    .addColumn("id", "varchar(40)", (c) => c.primaryKey())
    .addColumn("email", "varchar(320)", (c) => c.notNull())
    .addColumn("email_key", "varchar(320)", (c) => c.notNull().unique())
    .addColumn("name", "varchar(400)", (c) => c.notNull())
    .addColumn("is_admin", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "varchar(40)", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("user_groups")
    .addColumn("id", "varchar(40)", (c) => c.primaryKey())
    .addColumn("name", "varchar(400)", (c) => c.notNull().unique())
    .addColumn("created_at", "varchar(40)", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("group_members")
    .addColumn("group_id", "varchar(40)", (c) => c.notNull().references("user_groups.id").onDelete("cascade"))
    .addColumn("user_id", "varchar(40)", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("added_at", "varchar(40)", (c) => c.notNull())
    .addPrimaryKeyConstraint("group_members_pk", ["group_id", "user_id"])
    .execute();
  await db.schema.createIndex("group_members_user_idx").on("group_members").column("user_id").execute();

  await db.schema
    .createTable("tokens")
    .addColumn("id", "varchar(40)", (c) => c.primaryKey())
    .addColumn("user_id", "varchar(40)", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("name", "varchar(400)", (c) => c.notNull())
    .addColumn("token_hash", "varchar(64)", (c) => c.notNull().unique())
    .addColumn("created_at", "varchar(40)", (c) => c.notNull())
    .addColumn("last_used_at", "varchar(40)")
    .execute();

  await db.schema
    .createTable("shares")
    .addColumn("id", "varchar(40)", (c) => c.primaryKey())
    .addColumn("name", "varchar(400)", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("created_by", "varchar(40)", (c) => c.notNull())
    .addColumn("created_at", "varchar(40)", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("nodes")
    .addColumn("id", "varchar(40)", (c) => c.primaryKey())
    .addColumn("share_id", "varchar(40)", (c) => c.notNull().references("shares.id").onDelete("cascade"))
    .addColumn("parent_id", "varchar(40)", (c) => c.references("nodes.id").onDelete("cascade"))
    .addColumn("name", "varchar(1024)", (c) => c.notNull())
    .addColumn("name_key", "varchar(1024)", (c) => c.notNull())
    .addColumn("path", "text", (c) => c.notNull())
    .addColumn("type", "varchar(10)", (c) => c.notNull())
    .addColumn("size", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("sha256", "varchar(64)")
    .addColumn("current_version_id", "varchar(40)")
    .addColumn("owner_id", "varchar(40)")
    .addColumn("created_at", "varchar(40)", (c) => c.notNull())
    .addColumn("modified_at", "varchar(40)", (c) => c.notNull())
    .addColumn("acl_inherit", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("metadata", "text", (c) => c.notNull().defaultTo("{}"))
    .execute();
  await db.schema.createIndex("nodes_parent_name_uq").on("nodes").columns(["parent_id", "name"]).unique().execute();
  await db.schema.createIndex("nodes_parent_name_key_idx").on("nodes").columns(["parent_id", "name_key"]).execute();
  await db.schema.createIndex("nodes_share_parent_idx").on("nodes").columns(["share_id", "parent_id"]).execute();

  await db.schema
    .createTable("versions")
    .addColumn("id", "varchar(40)", (c) => c.primaryKey())
    .addColumn("file_id", "varchar(40)", (c) => c.notNull().references("nodes.id").onDelete("cascade"))
    .addColumn("size", "bigint", (c) => c.notNull())
    .addColumn("sha256", "varchar(64)", (c) => c.notNull())
    .addColumn("author_id", "varchar(40)")
    .addColumn("created_at", "varchar(40)", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("versions_file_idx").on("versions").columns(["file_id", "created_at"]).execute();
  await db.schema.createIndex("versions_sha256_idx").on("versions").column("sha256").execute();

  await db.schema
    .createTable("aces")
    .addColumn("node_id", "varchar(40)", (c) => c.notNull().references("nodes.id").onDelete("cascade"))
    .addColumn("principal_id", "varchar(40)", (c) => c.notNull())
    .addColumn("permissions", "varchar(200)", (c) => c.notNull())
    .addPrimaryKeyConstraint("aces_pk", ["node_id", "principal_id"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["aces", "versions", "nodes", "shares", "tokens", "group_members", "user_groups", "users"]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
