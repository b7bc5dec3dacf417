/**
 * What the API shows of a connector's jobs, per-file log entries, file-states, identity mappings
 * and audit trail: the records of the sync stores in the snake_case shapes of the connector spec.
 * (The connector itself is shown by `connectorView` of connector-fields.ts.)
 */
import type { SyncJobRecord, JobEntryRecord } from "../store/sync/sync-job-store.js";
import type { FileStateRecord } from "../store/sync/file-state-store.js";
import type { IdentityMappingRecord } from "../store/sync/identity-mapping-store.js";
import type { ConnectorAuditRecord } from "../store/sync/connector-audit-store.js";
import type { Json } from "./connector-fields.js";

export function jobView(j: SyncJobRecord): Json {
  return {
    id: j.id,
    status: j.status,
    trigger: j.trigger,
    created_at: j.created_at,
    started_at: j.started_at,
    finished_at: j.finished_at,
    files_scanned: j.files_scanned,
    files_synced: j.files_synced,
    bytes_transferred: j.bytes_transferred,
    error_count: j.error_count,
    files_total: j.files_total,
    bytes_total: j.bytes_total,
    files_done: j.files_done,
    bytes_done: j.bytes_done,
    error: j.error,
    skip_reason: j.skip_reason,
    claimed_by: j.claimed_by,
    options: j.options,
  };
}

export function entryView(e: JobEntryRecord): Json {
  return {
    seq: e.seq,
    at: e.at,
    action: e.action,
    path: e.path,
    result: e.result,
    error: e.error,
    bytes: e.bytes,
    detail: e.detail,
  };
}

export function fileStateView(s: FileStateRecord): Json {
  return {
    path: s.path,
    kind: s.kind,
    synced: s.synced,
    last_synced_at: s.last_synced_at,
    last_error: s.last_error_code ? { code: s.last_error_code, message: s.last_error ?? "" } : null,
    note: s.note_code ? { code: s.note_code, message: s.note ?? "" } : null,
    remote: {
      id: s.remote_id,
      fingerprint: s.remote_fingerprint,
      size: s.remote_size,
      modified_at: s.remote_mtime_ms !== null ? new Date(s.remote_mtime_ms).toISOString() : null,
    },
    scaidrive: { node_id: s.scaidrive_node_id, version_id: s.scaidrive_version_id, sha256: s.sha256 },
  };
}

/** `principalField` is the definition's name for the remote principal ("smb_principal"). */
export function mappingView(m: IdentityMappingRecord, principalField: string): Json {
  return {
    id: m.id,
    identity_type: m.identity_type,
    [principalField]: m.remote_principal,
    remote_display_name: m.remote_display_name,
    scaidrive_principal_id: m.scaidrive_principal_id,
    created_at: m.created_at,
  };
}

export function auditView(a: ConnectorAuditRecord): Json {
  return {
    id: a.id,
    at: a.at,
    actor_id: a.actor_id,
    action: a.action,
    fields: a.fields,
    scope_fields: a.scope_fields,
    secrets_dropped: a.secrets_dropped,
  };
}

/** One page of a list read with one row more than `limit`: the page and the cursor of the next one. */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (last: T) => string): { page: T[]; next: string | null } {
  const page = rows.slice(0, limit);
  return { page, next: rows.length > limit ? cursorOf(page[page.length - 1]!) : null };
}
