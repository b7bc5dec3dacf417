/**
 * Follows `GET /api/v1/events` (docs/connectors.md "Live events") for the connections pages: progress updates the
 * cached jobs in place, state changes read the connector, its jobs and the list again. Returns whether the stream is
 * open; while it is, the pages need not poll (they fall back to polling when it is not).
 */
import { useEffect, useState } from "react";
import { useQueryClient, type InfiniteData, type QueryClient } from "@tanstack/react-query";
import { connectorKeys, type ConnectorRow, type ConnectorType, type Job } from "./connectors";

type JobsPage = { jobs: Job[]; next_cursor: string | null };
type ProgressData = Partial<Job> & { connector_id: string; connector_type: string; job_id: string };

const COUNTERS = [
  "files_total",
  "bytes_total",
  "files_done",
  "bytes_done",
  "files_scanned",
  "files_synced",
  "bytes_transferred",
  "error_count",
] as const;

/** A job we do not have yet is read at most this often, so a burst of progress does not flood the server. */
const INVALIDATE_MS = 500;

function withCounters(job: Job, d: ProgressData): Job {
  if (job.id !== d.job_id) return job;
  const next = { ...job };
  for (const k of COUNTERS) if (typeof d[k] === "number") next[k] = d[k];
  return next;
}

/** Writes the counters into the cached job; false when no cached page holds it. */
function applyProgress(qc: QueryClient, d: ProgressData): boolean {
  let found = false;
  const type = d.connector_type as ConnectorType;
  qc.setQueryData<InfiniteData<JobsPage>>(connectorKeys.jobs(type, d.connector_id), (old) => {
    if (!old) return old;
    return {
      ...old,
      pages: old.pages.map((p) => ({
        ...p,
        jobs: p.jobs.map((j) => {
          if (j.id === d.job_id) found = true;
          return withCounters(j, d);
        }),
      })),
    };
  });
  qc.setQueryData<ConnectorRow[]>(connectorKeys.list(), (old) =>
    old?.map((r) => {
      if (r.lastJob?.id !== d.job_id) return r;
      found = true;
      return { ...r, lastJob: withCounters(r.lastJob, d) };
    }),
  );
  return found;
}

export function useConnectorEvents(connectorId?: string): boolean {
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const url = "/api/v1/events" + (connectorId ? `?connector_id=${encodeURIComponent(connectorId)}` : "");
    const source = new EventSource(url);
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const invalidateSoon = () => {
      if (timer) return;
      timer = setTimeout(
        () => {
          timer = undefined;
          last = Date.now();
          void qc.invalidateQueries({ queryKey: connectorKeys.all });
        },
        Math.max(0, last + INVALIDATE_MS - Date.now()),
      );
    };
    const parse = (e: MessageEvent): ProgressData | null => {
      try {
        return JSON.parse(String(e.data)) as ProgressData;
      } catch {
        return null;
      }
    };
    source.onopen = () => {
      setOpen(true);
      // Events are not replayed: what happened while the stream was down is read again.
      invalidateSoon();
    };
    source.onerror = () => setOpen(false);
    source.addEventListener("job.progress", (e) => {
      const d = parse(e);
      if (d && !applyProgress(qc, d)) invalidateSoon();
    });
    source.addEventListener("job.state", invalidateSoon);
    source.addEventListener("connector.state", invalidateSoon);
    return () => {
      clearTimeout(timer);
      source.close();
      setOpen(false);
    };
  }, [qc, connectorId]);
  return open;
}
