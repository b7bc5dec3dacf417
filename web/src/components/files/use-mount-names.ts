import { useMemo } from "react";
import { useQuery } from "@tanstack/react-query";
import { connectorNames, fileKeys, listMounts, type Mount } from "../../api/files";
import { isSameOrBelow } from "../../api/paths";

/**
 * The share's mount points as the folder view marks them: connector names by mount path ("" when the connector
 * cannot be read), and the mount the folder itself is at or inside, if any.
 */
export function useMountNames(shareId: string, folder: string) {
  const mounts = useQuery({ queryKey: fileKeys.mounts, queryFn: listMounts, staleTime: 60_000 });
  const shareMounts = useMemo(() => (mounts.data ?? []).filter((m) => m.share_id === shareId), [mounts.data, shareId]);
  const connectors = useQuery({
    queryKey: fileKeys.connectors,
    queryFn: connectorNames,
    enabled: shareMounts.length > 0,
    staleTime: 60_000,
  });
  const byPath = useMemo(() => {
    const names = new Map<string, string>();
    for (const m of shareMounts) names.set(m.path, connectors.data?.get(m.connector_id) ?? "");
    return names;
  }, [shareMounts, connectors.data]);
  const current: Mount | undefined = shareMounts.find((m) => isSameOrBelow(folder, m.path));
  return { byPath, current: current && { mount: current, name: byPath.get(current.path) ?? "" } };
}
