/** SMB and SharePoint connectors (one HTTP surface at `/<type>-connectors`), for the connections pages. */
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { allPages, ApiError, apiRequest } from "./http";
import type { Page, Share } from "./types";

export type ConnectorType = "smb" | "sharepoint";
export const CONNECTOR_TYPES: readonly ConnectorType[] = ["smb", "sharepoint"];

/**
 * A connector as the API shows it. Readers of the target share get the common fields and the state; managers also
 * get where it connects (host/share, site/library) and `<secret>_set` flags, never the secrets themselves.
 */
export interface Connector {
  id: string;
  type: ConnectorType;
  name: string;
  description?: string | null;
  target_share_id: string;
  target_path?: string;
  sync_direction?: string;
  conflict_resolution?: string;
  sync_interval_minutes?: number;
  /** When the scheduler starts the next run; null without a schedule or while disabled. */
  next_run_at?: string | null;
  max_delete_percent?: number;
  enabled: boolean;
  status_reason: string | null;
  created_at: string;
  updated_at: string;
  [field: string]: unknown;
}

export type JobStatus = "queued" | "running" | "completed" | "failed" | "cancelled" | "skipped";

export interface Job {
  id: string;
  status: JobStatus;
  trigger: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  files_scanned: number;
  files_synced: number;
  bytes_transferred: number;
  error_count: number;
  files_total: number;
  /** Content bytes the plan may move (0 before the plan, and for jobs from before it was counted). */
  bytes_total: number;
  files_done: number;
  bytes_done: number;
  error: { code: string; message: string } | null;
  skip_reason: string | null;
  /** How it was requested; a dry run (Preview) only plans. */
  options?: { full_sync?: boolean; dry_run?: boolean; force?: boolean } | null;
}

export interface JobEntry {
  seq: number;
  at: string;
  action: string;
  path: string;
  result: string;
  error: { code: string; message: string } | null;
  bytes: number;
  detail: string | null;
}

export interface JobDetail extends Job {
  entries?: JobEntry[];
  next_cursor?: string | null;
}

/** Prefix of `status_reason` when the server disabled the connector because the remote refused its credentials. */
export const AUTH_DISABLED_PREFIX = "authentication failed: ";

export type ConnectorState = "enabled" | "disabled" | "auth_failed";

export function connectorState(c: Pick<Connector, "enabled" | "status_reason">): ConnectorState {
  if (c.enabled) return "enabled";
  return (c.status_reason ?? "").startsWith(AUTH_DISABLED_PREFIX) ? "auth_failed" : "disabled";
}

export const isActive = (job: Pick<Job, "status">): boolean => job.status === "queued" || job.status === "running";

export const connectorPath = (type: ConnectorType, id: string) => `/${type}-connectors/${encodeURIComponent(id)}`;

export const connectorKeys = {
  all: ["connectors"] as const,
  list: () => [...connectorKeys.all, "list"] as const,
  one: (type: ConnectorType, id: string) => [...connectorKeys.all, type, id] as const,
  jobs: (type: ConnectorType, id: string) => [...connectorKeys.all, type, id, "jobs"] as const,
  log: (type: ConnectorType, id: string, jobId: string) => [...connectorKeys.all, type, id, "log", jobId] as const,
};

/** Every page of one type's list; a type the server does not offer (404) has none. */
async function listType(type: ConnectorType): Promise<Connector[]> {
  try {
    return (await allPages<Connector>(`/${type}-connectors`)).map((c) => ({ ...c, type }));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return [];
    throw err;
  }
}

/** The newest job of a connector (its last run), or null before the first. */
export async function latestJob(type: ConnectorType, id: string): Promise<Job | null> {
  const page = await apiRequest<{ jobs: Job[] }>(`${connectorPath(type, id)}/jobs`, { query: { limit: 1 } });
  return page.jobs[0] ?? null;
}

export interface ConnectorRow extends Connector {
  lastJob: Job | null;
}

/** SMB and SharePoint connectors together, each with its last run, by name; `live`: the event stream is open. */
export function useConnectorList(live = false) {
  return useQuery({
    queryKey: connectorKeys.list(),
    queryFn: async (): Promise<ConnectorRow[]> => {
      const lists = await Promise.all(CONNECTOR_TYPES.map(listType));
      const rows = await Promise.all(
        lists.flat().map(async (c) => ({ ...c, lastJob: await latestJob(c.type, c.id).catch(() => null) })),
      );
      return rows.sort((a, b) => a.name.localeCompare(b.name));
    },
    // A running job's counts move; keep the list roughly current while one is on screen (the stream does when open).
    refetchInterval: (q) => (!live && q.state.data?.some((r) => r.lastJob && isActive(r.lastJob)) ? 2000 : false),
  });
}

/** Share names by id, for the target column (shares the caller cannot read show their id). */
export function useShareNames() {
  return useQuery({
    queryKey: ["shares"],
    queryFn: () => apiRequest<Page<Share>>("/shares", { query: { limit: 1000 } }),
    select: (page) => new Map(page.items.map((s) => [s.id, s.name])),
  });
}

export function useConnector(type: ConnectorType, id: string) {
  return useQuery({
    queryKey: connectorKeys.one(type, id),
    queryFn: async () => ({ ...(await apiRequest<Connector>(connectorPath(type, id))), type }),
  });
}

/**
 * The jobs of a connector, newest first, polled every 2 s while one is queued or running — unless `live` (the event
 * stream is open and keeps them current).
 */
export function useJobs(type: ConnectorType, id: string, live = false) {
  return useInfiniteQuery({
    queryKey: connectorKeys.jobs(type, id),
    queryFn: ({ pageParam }) =>
      apiRequest<{ jobs: Job[]; next_cursor: string | null }>(`${connectorPath(type, id)}/jobs`, {
        query: { limit: 50, cursor: pageParam },
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: (q) => (!live && q.state.data?.pages.some((p) => p.jobs.some(isActive)) ? 2000 : false),
  });
}

export function runNow(type: ConnectorType, id: string): Promise<Job> {
  return apiRequest<Job>(`${connectorPath(type, id)}/sync`, { method: "POST" });
}

export function setEnabled(type: ConnectorType, id: string, enabled: boolean): Promise<Connector> {
  return apiRequest<Connector>(connectorPath(type, id), { method: "PATCH", json: { enabled } });
}

export function deleteConnector(type: ConnectorType, id: string): Promise<void> {
  return apiRequest<void>(connectorPath(type, id), { method: "DELETE" });
}
