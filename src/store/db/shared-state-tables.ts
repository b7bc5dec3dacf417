/**
 * Tables that carry state several ScaiDrive nodes sharing one database must agree on (see
 * schema.ts): blob leases, pending OAuth sign-ins and resumable-upload locks. Timestamps are
 * RFC 3339 text, like the other areas, so comparisons are the same on SQLite and PostgreSQL.
 */

/** A blob being landed by some node and not yet referenced by a committed version (migration 0130). */
export interface BlobLeasesTable {
  /** Random id of this lease (one per put: two puts of the same content hold two leases). */
  id: string;
  sha256: string;
  /** Which process holds it (host:pid), for diagnostics only. */
  holder: string;
  expires_at: string;
}

/** A pending SharePoint user-auth sign-in, keyed by the SHA-256 of its OAuth `state` (migration 0131). */
export interface OAuthStatesTable {
  state_hash: string;
  connector_id: string;
  /** `{pkceVerifier, nonce}` as JSON, sealed with the secrets vault. */
  sealed: string;
  redirect_uri: string;
  user_id: string | null;
  expires_at: string;
}

/** Who holds the lock of a resumable upload, across nodes (migration 0132). */
export interface UploadLocksTable {
  upload_id: string;
  /** Random id of the holding lock. */
  holder: string;
  /** Renewed while held; a lock past it is free (its holder died). */
  expires_at: string;
  /** 1 once another request asked the holder to let go (tus "request release"). */
  release_requested: number;
}

export interface SharedStateTables {
  blob_leases: BlobLeasesTable;
  oauth_states: OAuthStatesTable;
  upload_locks: UploadLocksTable;
}
