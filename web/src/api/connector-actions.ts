/**
 * A connection's actions beyond Run now: the dry run (Preview), push and pull, the job log with server-side filters,
 * the file-states and the mounts of the connector (`/api/v1/mounts`).
 */
import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { allPages, apiRequest } from "./http";
import { connectorKeys, connectorPath, isActive, type ConnectorType, type Job, type JobDetail } from "./connectors";

/** One planned action of a dry run (`plan` of `POST …/sync?dry_run=true`). */
export interface PlanItem {
  action: string;
  path: string;
  /** Where a move, mkdir or delete happens: "remote" or "scaidrive". */
  side?: string;
  /** A copy's source side, a move's old path. */
  from?: string;
  /** A copy's destination side, a move's new path. */
  to?: string;
  detail?: string;
}

export interface DryRun extends Job {
  plan: PlanItem[];
}

export function dryRun(type: ConnectorType, id: string, force = false): Promise<DryRun> {
  return apiRequest<DryRun>(`${connectorPath(type, id)}/sync`, {
    method: "POST",
    query: { dry_run: true, force: force || undefined },
  });
}

export function runSync(type: ConnectorType, id: string, force = false): Promise<Job> {
  return apiRequest<Job>(`${connectorPath(type, id)}/sync`, { method: "POST", query: { force: force || undefined } });
}

export type AfterCopy = "keep" | "delete";

export function pushPull(
  type: ConnectorType,
  id: string,
  mode: "push" | "pull",
  body: { after_copy: AfterCopy; path?: string },
): Promise<Job> {
  return apiRequest<Job>(`${connectorPath(type, id)}/${mode}`, { method: "POST", json: body });
}

export interface JobLogFilter {
  /** Only entries with one of these results (ok, error, skipped, warning, planned). */
  results?: readonly string[];
  /** Only entries with one of these actions (copy, delete, push, delete_source…). */
  actions?: readonly string[];
}

/**
 * A job's per-file log filtered by the server (`result=…`, `action=…`), page by page; the filter is part of the
 * query key, so changing it reads from the first page again.
 */
export function useJobLogPages(
  type: ConnectorType,
  id: string,
  jobId: string,
  filter: JobLogFilter = {},
  pageSize = 200,
) {
  const actions = [...(filter.actions ?? [])].sort();
  const results = [...(filter.results ?? [])].sort();
  return useInfiniteQuery({
    queryKey: [...connectorKeys.log(type, id, jobId), { results, actions, pageSize }],
    queryFn: ({ pageParam }) =>
      apiRequest<JobDetail>(`${connectorPath(type, id)}/jobs/${encodeURIComponent(jobId)}`, {
        query: {
          limit: pageSize,
          cursor: pageParam,
          result: results.length ? results.join(",") : undefined,
          action: actions.length ? actions.join(",") : undefined,
        },
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: (q) => (q.state.data?.pages[0] && isActive(q.state.data.pages[0]) ? 2000 : false),
  });
}

export interface FileState {
  path: string;
  kind: "file" | "folder";
  synced: boolean;
  last_synced_at: string | null;
  last_error: { code: string; message: string } | null;
  note: { code: string; message: string } | null;
  remote: { id: string | null; fingerprint: string | null; size: number | null; modified_at: string | null };
  scaidrive: { node_id: string | null; version_id: string | null; sha256: string | null };
}

/** The file-states whose path contains `search` (all when empty), 100 at a time in path order. */
export function useFileStates(type: ConnectorType, id: string, search: string) {
  return useInfiniteQuery({
    queryKey: [...connectorKeys.one(type, id), "file-states", search],
    queryFn: ({ pageParam }) =>
      apiRequest<{ file_states: FileState[]; next_cursor: string | null }>(`${connectorPath(type, id)}/file-states`, {
        query: { limit: 100, cursor: pageParam, search: search || undefined },
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    // While the next search is read, the table keeps the last answer instead of blinking empty.
    placeholderData: keepPreviousData,
  });
}

export interface Mount {
  id: string;
  share_id: string;
  path: string;
  node_id: string;
  connector_id: string;
  remote_path: string;
  created_by: string;
  created_at: string;
}

export const mountKeys = { all: ["mounts"] as const };

/** Every mount the caller can see whose remote is this connector (the API lists all; it has no connector filter). */
export function useConnectorMounts(connectorId: string) {
  return useQuery({
    queryKey: mountKeys.all,
    queryFn: () => allPages<Mount>("/mounts"),
    select: (mounts) => mounts.filter((m) => m.connector_id === connectorId),
  });
}

export function createMount(body: {
  share_id: string;
  path: string;
  connector_id: string;
  remote_path?: string;
}): Promise<Mount> {
  return apiRequest<Mount>("/mounts", { method: "POST", json: body });
}

export function deleteMount(id: string): Promise<void> {
  return apiRequest<void>(`/mounts/${encodeURIComponent(id)}`, { method: "DELETE" });
}
