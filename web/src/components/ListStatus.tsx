import { Loader } from "@mantine/core";
import { ErrorNotice } from "./ErrorNotice";

/**
 * What a list shows before or instead of its rows: a loader while the first page loads, the error when it failed,
 * the empty state when it has no items. Renders nothing once there are rows.
 */
export function ListStatus({
  list,
  loadingLabel,
  empty,
}: {
  list: { isPending: boolean; isError: boolean; error: unknown; items?: readonly unknown[] };
  loadingLabel: string;
  empty: React.ReactNode;
}) {
  if (list.isPending) return <Loader aria-label={loadingLabel} />;
  if (list.isError) return <ErrorNotice error={list.error} />;
  if (list.items && list.items.length === 0) return <>{empty}</>;
  return null;
}
