import { useEffect, useMemo } from "react";
import { useInfiniteQuery } from "@tanstack/react-query";
import { fileKeys, listPage } from "../../api/files";
import type { FileNode } from "../../api/types";

/**
 * A folder's entries, read page after page (1000 a page) until the API says there are no more. Rows show as soon as
 * the first page arrives; `complete` turns true with the last one.
 */
export function useFolderListing(shareId: string, path: string) {
  const query = useInfiniteQuery({
    queryKey: fileKeys.listing(shareId, path),
    queryFn: ({ pageParam, signal }) => listPage(shareId, path, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
  const { hasNextPage, isFetchingNextPage, fetchNextPage, isError } = query;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && !isError) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, isError, fetchNextPage]);
  const items = useMemo<FileNode[]>(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  return {
    items,
    isPending: query.isPending,
    error: query.error,
    complete: query.isSuccess && !hasNextPage,
    refetch: query.refetch,
  };
}
