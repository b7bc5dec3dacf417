import { useEffect } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { fileKeys } from "../../api/files";
import { uploadQueue } from "./upload-queue";

/** Listings refresh as uploads land: at most once a second while many files arrive, and once after the last. */
export function useUploadRefresh(): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const pending = new Set<string>();
    const flush = () => {
      timer = undefined;
      for (const id of pending) void queryClient.invalidateQueries({ queryKey: fileKeys.listings(id) });
      pending.clear();
    };
    const off = uploadQueue.onFinished((id) => {
      pending.add(id);
      timer ??= setTimeout(flush, 1000);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [queryClient]);
}
