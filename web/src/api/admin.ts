/** Resources only the account and administration pages read (kept out of the first route's bundle). */
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { apiRequest, type Query } from "./http";
import type { Page } from "./types";

export interface Alert {
  id: string;
  kind: string;
  connector_id: string | null;
  message: string;
  created_at: string;
  resolved_at: string | null;
}

/** `POST /users/{id}/password-link`: `url` is a path the app prefixes with its own origin. */
export interface PasswordLink {
  url: string;
  token: string;
  expires_at: string;
}

/** `POST /tokens`: the only answer that carries the token itself. */
export interface CreatedToken {
  id: string;
  token: string;
  user_id: string;
  name: string;
  created_at: string;
}

export const ADMIN_KEY = ["admin"] as const;
export const TOKENS_KEY = ["tokens"] as const;

/** Page size of the administration tables; more come with "Show more". */
export const ADMIN_PAGE_SIZE = 100;

/** A paginated list read page by page (`limit` + `cursor`), flattened for a table; `query` holds its filters. */
export function usePagedList<T>(key: readonly unknown[], path: string, query: Query = {}) {
  const result = useInfiniteQuery({
    queryKey: [...key, query],
    queryFn: ({ pageParam }) =>
      apiRequest<Page<T>>(path, { query: { ...query, limit: ADMIN_PAGE_SIZE, cursor: pageParam } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    // A new filter keeps the old rows on screen until its answer arrives, rather than flashing a spinner.
    placeholderData: keepPreviousData,
  });
  return { ...result, items: result.data?.pages.flatMap((p) => p.items) };
}
