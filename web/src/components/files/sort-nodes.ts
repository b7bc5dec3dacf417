import type { FileNode } from "../../api/types";

export type SortKey = "name" | "size" | "modified";
export type SortDirection = "ascending" | "descending";
export interface SortOrder {
  key: SortKey;
  direction: SortDirection;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/**
 * Folders before files whatever the order (as file managers do); equal sizes or dates are ordered by name, A to Z
 * in either direction, so the order is stable.
 */
export function sortNodes(nodes: readonly FileNode[], order: SortOrder): FileNode[] {
  const sign = order.direction === "ascending" ? 1 : -1;
  const byKey = (a: FileNode, b: FileNode): number => {
    if (order.key === "size") return a.size - b.size;
    if (order.key === "modified") return a.modified_at < b.modified_at ? -1 : a.modified_at > b.modified_at ? 1 : 0;
    return 0;
  };
  return [...nodes].sort((a, b) => {
    if (a.type !== b.type) return a.type === "folder" ? -1 : 1;
    return sign * byKey(a, b) || (order.key === "name" ? sign : 1) * collator.compare(a.name, b.name);
  });
}
