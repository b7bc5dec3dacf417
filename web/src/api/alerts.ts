/**
 * The open-alert count behind the header's badge. Kept apart from ./admin so the signed-in frame does not pull the
 * administration pages' code into the first bundle.
 */
import { useQuery } from "@tanstack/react-query";
import { apiRequest } from "./http";
import type { Page } from "./types";

/** Every alert query lives under this key, so resolving one on the Alerts page refreshes the badge too. */
export const ALERTS_KEY = ["admin", "alerts"] as const;

/** One page is enough for a badge: past this many, it says "100+" rather than reading on. */
const COUNT_LIMIT = 100;

export interface OpenAlertCount {
  count: number;
  /** More open alerts exist than were counted. */
  more: boolean;
}

async function fetchOpenAlertCount(): Promise<OpenAlertCount> {
  const page = await apiRequest<Page<unknown>>("/alerts", { query: { open: true, limit: COUNT_LIMIT } });
  return { count: page.items.length, more: page.next_cursor != null };
}

/** Open alerts, re-read every 30 s; `enabled` is false for non-admins, who then never ask (the API would refuse). */
export function useOpenAlertCount(enabled: boolean) {
  return useQuery({
    queryKey: [...ALERTS_KEY, "open-count"],
    queryFn: fetchOpenAlertCount,
    enabled,
    refetchInterval: 30_000,
  });
}
