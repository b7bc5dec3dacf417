/** The next scheduled run of a connection, as the API's `next_run_at` gives it, in words that stay current. */
import { useEffect, useState } from "react";
import { Text } from "@mantine/core";
import type { Connector } from "../../api/connectors";
import { formatDate } from "../../format";

/** The current time, moved on every `everyMs`, so relative times ("in 12 min") do not go stale on screen. */
function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** "in 12 min", "in 3 h", "in 2 days"; a time passed (the scheduler starts it at its next check) is "Due now". */
export function relativeLabel(atMs: number, now: number): string {
  const minutes = Math.ceil((atMs - now) / 60_000);
  if (minutes <= 0) return "Due now";
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `in ${hours} h`;
  return `in ${Math.round(hours / 24)} days`;
}

/** "Off" for a disabled connection, "Manual only" without a schedule, else the relative time of `next_run_at`. */
export function nextRunLabel(c: Pick<Connector, "enabled" | "sync_interval_minutes" | "next_run_at">, now: number) {
  if (!c.enabled) return "Off";
  if (!c.sync_interval_minutes) return "Manual only";
  if (!c.next_run_at) return "—";
  return relativeLabel(Date.parse(c.next_run_at), now);
}

/** The label with the exact time beside it on hover (and for assistive technology through `<time>`). */
export function NextRun({ connector: c, prefix }: { connector: Connector; prefix?: string }) {
  const now = useNow();
  const label = nextRunLabel(c, now);
  const at = c.enabled && c.sync_interval_minutes ? c.next_run_at : null;
  return (
    <Text span size="sm" c={at ? undefined : "dimmed"} style={{ whiteSpace: "nowrap" }}>
      {prefix}
      {at ? (
        <time dateTime={at} title={formatDate(at)}>
          {label}
        </time>
      ) : (
        label
      )}
    </Text>
  );
}
