import type { ColumnType } from "kysely";

/**
 * Tables of the core area (see schema.ts). Column names are snake_case, timestamps RFC 3339 UTC
 * text (so they sort as text on every dialect), booleans are integers 0/1 and byte counts are
 * 64-bit integers (PostgreSQL `bigint` comes back as a string: stores convert with Number()).
 */
export interface UsersTable {
  id: string;
  email: string;
  /** Lower-cased email: the unique key, so `Ann@x` and `ann@x` are one user. */
  email_key: string;
  name: string;
  /** Lower-cased name (migration 0006), for case-insensitive `?q=` filters. */
  name_key: ColumnType<string, string | undefined, string>;
  is_admin: number;
  created_at: string;
  /** `scrypt$N$r$p$salt$hash` (core/password-hash.ts); null until a password is set. */
  password_hash: ColumnType<string | null, string | null | undefined, string | null>;
  /** Set while the account is disabled: it cannot sign in and its tokens are refused. */
  disabled_at: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface UserGroupsTable {
  id: string;
  name: string;
  /** Lower-cased name (migration 0006). */
  name_key: ColumnType<string, string | undefined, string>;
  created_at: string;
}

export interface GroupMembersTable {
  group_id: string;
  user_id: string;
  added_at: string;
}

export interface TokensTable {
  id: string;
  user_id: string;
  name: string;
  /** SHA-256 hex of the token; the token itself is never stored. */
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
}

export interface SharesTable {
  id: string;
  name: string;
  description: string | null;
  created_by: string;
  created_at: string;
}

export interface NodesTable {
  id: string;
  share_id: string;
  /** Null only for the share's root folder (path "/", name ""). */
  parent_id: string | null;
  name: string;
  /** Lower-cased NFC name: finds case-only twins (names themselves are case-sensitive). */
  name_key: string;
  /** Materialised absolute path inside the share ("/a/b.txt"); rewritten for descendants on a folder move. */
  path: string;
  type: "file" | "folder";
  size: ColumnType<number | string, number, number>;
  sha256: string | null;
  current_version_id: string | null;
  owner_id: string | null;
  created_at: string;
  modified_at: string;
  /** 1: ACEs of the parent apply here too; 0: inheritance broken at this node. */
  acl_inherit: number;
  /** JSON object text of the file's metadata dict. */
  metadata: string;
}

export interface VersionsTable {
  id: string;
  file_id: string;
  size: ColumnType<number | string, number, number>;
  sha256: string;
  author_id: string | null;
  created_at: string;
}

/** Content of at most INLINE_BLOB_MAX_BYTES, kept in the database instead of a blob file. */
export interface InlineBlobsTable {
  sha256: string;
  data: Buffer;
}

export interface AcesTable {
  node_id: string;
  principal_id: string;
  /** Comma-separated permission names, e.g. "READ,WRITE". */
  permissions: string;
}

/** A remote mount (migration 0003): the folder `node_id` is a live window on `remote_path` of the connector. */
export interface MountsTable {
  id: string;
  share_id: string;
  node_id: string;
  connector_id: string;
  /** Relative to the connector's base ("" = its root), "/"-separated, no leading slash. */
  remote_path: string;
  created_by: string;
  created_at: string;
}

/** An admin alert (migration 0002); `resolved_at` null while open. */
export interface AlertsTable {
  id: string;
  /** What happened, e.g. "connector_auth_failed". */
  kind: string;
  connector_id: string | null;
  message: string;
  created_at: string;
  resolved_at: string | null;
}

/** Hash of a revoked token (migration 0005): configured tokens are never re-created once revoked. */
export interface RevokedTokensTable {
  token_hash: string;
  revoked_at: string;
}

/** A browser session (migration 0006). The browser holds the id; only its SHA-256 is stored. */
export interface SessionsTable {
  id_hash: string;
  user_id: string;
  /** Returned to the signed-in page, which echoes it in X-CSRF-Token on every write. */
  csrf_token: string;
  created_at: string;
  /** Written at most once a minute (session-service.ts), so idle expiry is exact to that much. */
  last_seen_at: string;
  /** Absolute end of the session, however active it is. */
  expires_at: string;
}

/** A single-use set-password link (migration 0006); only the SHA-256 of its token is stored. */
export interface PasswordLinksTable {
  token_hash: string;
  user_id: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** One failed sign-in (migration 0006), counted per account (`scope` "account") and per address ("address"). */
export interface SignInFailuresTable {
  id: string;
  scope: string;
  /** Lower-cased email for "account", the client address for "address". */
  subject: string;
  failed_at: string;
}

export interface CoreTables {
  users: UsersTable;
  user_groups: UserGroupsTable;
  group_members: GroupMembersTable;
  tokens: TokensTable;
  revoked_tokens: RevokedTokensTable;
  sessions: SessionsTable;
  password_links: PasswordLinksTable;
  sign_in_failures: SignInFailuresTable;
  shares: SharesTable;
  nodes: NodesTable;
  versions: VersionsTable;
  inline_blobs: InlineBlobsTable;
  aces: AcesTable;
  mounts: MountsTable;
  alerts: AlertsTable;
}
