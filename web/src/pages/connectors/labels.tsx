/** How the connections pages put connector and job fields into words. */
import { Badge } from "@mantine/core";
import { connectorState, type Connector, type ConnectorType, type Job } from "../../api/connectors";

export const TYPE_LABELS: Record<ConnectorType, string> = { smb: "SMB", sharepoint: "SharePoint" };

export const STATE_LABELS = {
  enabled: "Enabled",
  disabled: "Disabled",
  auth_failed: "Disabled after an authentication failure",
} as const;

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** What it syncs with: `\\host\share[\base]` (SMB), `site › library[/base]` (SharePoint); null for readers. */
export function remoteLabel(c: Connector): string | null {
  const base = str(c.base_path);
  if (c.type === "smb") {
    if (!c.server_host) return null;
    const port = typeof c.server_port === "number" && c.server_port !== 445 ? `:${c.server_port}` : "";
    return `\\\\${str(c.server_host)}${port}\\${str(c.share_name)}${base ? `\\${base.replace(/\//g, "\\")}` : ""}`;
  }
  if (!c.site_url && !c.library_name) return null;
  return `${str(c.site_url) || str(c.site_id)} › ${str(c.library_name) || "Documents"}${base ? `/${base}` : ""}`;
}

/** `smb_to_scaidrive` → "SMB → ScaiDrive". */
export function directionLabel(c: Connector): string {
  const remote = TYPE_LABELS[c.type];
  switch (c.sync_direction) {
    case "bidirectional":
      return "Both ways";
    case `${c.type}_to_scaidrive`:
      return `${remote} → ScaiDrive`;
    case `scaidrive_to_${c.type}`:
      return `ScaiDrive → ${remote}`;
    default:
      return c.sync_direction ?? "—";
  }
}

export function scheduleLabel(minutes: number | undefined): string {
  if (!minutes) return "Manual only";
  if (minutes % 1440 === 0) return minutes === 1440 ? "Every day" : `Every ${minutes / 1440} days`;
  if (minutes % 60 === 0) return minutes === 60 ? "Every hour" : `Every ${minutes / 60} hours`;
  return `Every ${minutes} min`;
}

export function StateBadge({ connector }: { connector: Pick<Connector, "enabled" | "status_reason"> }) {
  const state = connectorState(connector);
  const color = state === "enabled" ? "teal" : state === "auth_failed" ? "red" : "gray";
  return (
    <Badge variant="light" color={color} miw="max-content" style={{ textTransform: "none" }}>
      {STATE_LABELS[state]}
    </Badge>
  );
}

export const JOB_STATUS_LABELS: Record<Job["status"], string> = {
  queued: "Queued",
  running: "Running",
  completed: "Succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
  skipped: "Skipped",
};

const JOB_STATUS_COLORS: Record<Job["status"], string> = {
  queued: "blue",
  running: "blue",
  completed: "teal",
  failed: "red",
  cancelled: "gray",
  skipped: "gray",
};

export function JobStatusBadge({ status }: { status: Job["status"] }) {
  return (
    <Badge variant="light" color={JOB_STATUS_COLORS[status]} miw="max-content">
      {JOB_STATUS_LABELS[status]}
    </Badge>
  );
}

export const TRIGGER_LABELS: Record<string, string> = {
  manual: "Manual",
  scheduled: "Scheduled",
  push: "Push",
  pull: "Pull",
};

/** "12 files · 3.4 MB", or "3 of 12 files" while running. */
export function jobCounts(job: Job, formatBytes: (n: number) => string): string {
  const files = job.files_synced === 1 ? "1 file" : `${job.files_synced} files`;
  const errors = job.error_count ? ` · ${job.error_count} error${job.error_count === 1 ? "" : "s"}` : "";
  return `${files} · ${formatBytes(job.bytes_transferred)}${errors}`;
}

export function durationLabel(job: Job, now = Date.now()): string {
  if (!job.started_at) return "—";
  const end = job.finished_at ? Date.parse(job.finished_at) : now;
  const s = Math.max(0, Math.round((end - Date.parse(job.started_at)) / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * How far a running job is, 0–100: files done of files planned (folders, moves and deletes move no bytes, so bytes
 * alone would stall the bar on them); null before its plan.
 */
export function jobPercent(job: Job): number | null {
  if (!job.files_total) return null;
  return Math.min(100, Math.round((job.files_done / job.files_total) * 100));
}
