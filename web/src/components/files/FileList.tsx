import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type MouseEvent } from "react";
import { Checkbox, Text, UnstyledButton } from "@mantine/core";
import { IconChevronDown, IconChevronUp, IconPlugConnected, IconSelector } from "@tabler/icons-react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { Link } from "react-router";
import { folderUrl } from "../../api/paths";
import type { FileNode } from "../../api/types";
import { formatBytes, formatDate } from "../../format";
import { FileIcon } from "./FileIcon";
import { fileKind } from "./file-kind";
import type { SortKey, SortOrder } from "./sort-nodes";
import classes from "./FileList.module.css";

const ROW_HEIGHT = 44;

export interface FileListProps {
  shareId: string;
  items: readonly FileNode[];
  order: SortOrder;
  onSort: (key: SortKey) => void;
  selected: ReadonlySet<string>;
  onSelectionChange: (next: Set<string>) => void;
  /** Opens a file (details pane) or a folder (navigates into it); `viaKeyboard` when Enter did it. */
  onOpen: (node: FileNode, viaKeyboard: boolean) => void;
  /** The node the details pane shows, marked in the list. */
  activeId?: string | null;
  /** Connector names of mount points in this folder, by path ("" when the connector is not readable). */
  mounts: ReadonlyMap<string, string>;
  /** Row to scroll to and focus once (after a search result was opened). */
  revealId?: string | null;
  /** Focus the first row once rows are there (a folder opened from the keyboard). */
  autoFocus?: boolean;
}

const COLUMNS: { key: SortKey; label: string }[] = [
  { key: "name", label: "Name" },
  { key: "size", label: "Size" },
  { key: "modified", label: "Modified" },
];

/**
 * A folder's entries as an ARIA grid, virtualised so that tens of thousands of rows stay smooth: only the rows in
 * view are in the DOM. Rows are the focus stops (one tab stop, arrow keys move between rows, Enter opens, Space
 * selects); the checkbox, link and button inside each row are reachable with the mouse and by their names.
 */
export function FileList(props: FileListProps) {
  const { items, selected, onSelectionChange, onOpen, order, onSort } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const [focusIndex, setFocusIndex] = useState(0);
  const [anchor, setAnchor] = useState<number | null>(null);
  const pendingFocus = useRef<number | null>(null);

  // The virtualiser's functions change identity as it measures; this component is not memoised by the compiler.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });

  const clampedFocus = Math.min(focusIndex, Math.max(0, items.length - 1));

  const focusRow = useCallback(
    (index: number) => {
      if (items.length === 0) return;
      const i = Math.max(0, Math.min(items.length - 1, index));
      setFocusIndex(i);
      pendingFocus.current = i;
      virtualizer.scrollToIndex(i, { align: "auto" });
    },
    [items.length, virtualizer],
  );

  // After a keyboard move the target row may only exist once the virtualiser rendered it: focus it then.
  useEffect(() => {
    const i = pendingFocus.current;
    if (i === null) return;
    const row = scrollRef.current?.querySelector<HTMLElement>(`[data-row-index="${i}"]`);
    if (row) {
      pendingFocus.current = null;
      row.focus({ preventScroll: true });
    }
  });

  const { revealId } = props;
  useEffect(() => {
    if (!revealId) return;
    const i = items.findIndex((n) => n.id === revealId);
    if (i >= 0) focusRow(i);
  }, [revealId, items, focusRow]);

  const { autoFocus } = props;
  const autoFocused = useRef(false);
  useEffect(() => {
    if (!autoFocus || autoFocused.current || items.length === 0) return;
    autoFocused.current = true;
    focusRow(0);
  }, [autoFocus, items.length, focusRow]);

  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    onSelectionChange(next);
  };

  const selectRange = (from: number, to: number) => {
    const [lo, hi] = from < to ? [from, to] : [to, from];
    onSelectionChange(new Set(items.slice(lo, hi + 1).map((n) => n.id)));
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const target = event.target as HTMLElement;
    // Typing in a control inside a row (none today, but a rename field would be one) keeps its keys.
    if (target.closest("input[type=text], textarea")) return;
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 400) / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: clampedFocus + 1,
      ArrowUp: clampedFocus - 1,
      PageDown: clampedFocus + page,
      PageUp: clampedFocus - page,
      Home: 0,
      End: items.length - 1,
    };
    if (event.key in moves) {
      event.preventDefault();
      const to = Math.max(0, Math.min(items.length - 1, moves[event.key]!));
      if (event.shiftKey) selectRange(anchor ?? clampedFocus, to);
      else setAnchor(to);
      focusRow(to);
      return;
    }
    const node = items[clampedFocus];
    if (!node || !target.closest("[role=row]")) return;
    if (event.key === "Enter" && target.getAttribute("role") === "row") {
      event.preventDefault();
      onOpen(node, true);
    } else if (event.key === " " && target.getAttribute("role") === "row") {
      event.preventDefault();
      toggle(node.id);
      setAnchor(clampedFocus);
    } else if (event.key.toLowerCase() === "a" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      onSelectionChange(new Set(items.map((n) => n.id)));
    } else if (event.key === "Escape" && selected.size > 0) {
      event.preventDefault();
      onSelectionChange(new Set());
    }
  };

  const onRowClick = (event: MouseEvent, index: number, node: FileNode) => {
    setFocusIndex(index);
    // Clicks on the row's own controls do their own thing.
    if ((event.target as HTMLElement).closest("a, button, input, label")) return;
    if (event.shiftKey && anchor !== null) selectRange(anchor, index);
    else if (event.ctrlKey || event.metaKey) toggle(node.id);
    else onSelectionChange(new Set([node.id]));
    if (!event.shiftKey) setAnchor(index);
  };

  const allSelected = items.length > 0 && items.every((n) => selected.has(n.id));
  const someSelected = !allSelected && items.some((n) => selected.has(n.id));

  return (
    <div
      ref={scrollRef}
      role="grid"
      aria-label="Files"
      aria-rowcount={items.length + 1}
      aria-colcount={4}
      aria-multiselectable="true"
      className={classes.grid}
      onKeyDown={onKeyDown}
    >
      <div role="rowgroup" className={classes.head}>
        <div role="row" aria-rowindex={1} className={classes.row}>
          <div role="columnheader" className={classes.check}>
            <Checkbox
              size="xs"
              aria-label="Select all"
              checked={allSelected}
              indeterminate={someSelected}
              disabled={items.length === 0}
              onChange={() => onSelectionChange(allSelected ? new Set() : new Set(items.map((n) => n.id)))}
            />
          </div>
          {COLUMNS.map((col) => {
            const active = order.key === col.key;
            const SortIcon = !active ? IconSelector : order.direction === "ascending" ? IconChevronUp : IconChevronDown;
            return (
              <div
                key={col.key}
                role="columnheader"
                aria-sort={active ? order.direction : "none"}
                className={classes[col.key]}
              >
                <UnstyledButton className={classes.sortButton} onClick={() => onSort(col.key)}>
                  {col.label}
                  <SortIcon size={14} aria-hidden="true" className={active ? undefined : classes.sortIdle} />
                </UnstyledButton>
              </div>
            );
          })}
        </div>
      </div>
      <div role="rowgroup" className={classes.body} style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((v) => {
          const node = items[v.index]!;
          const isSelected = selected.has(node.id);
          const mount = props.mounts.get(node.path);
          return (
            <div
              key={node.id}
              role="row"
              aria-rowindex={v.index + 2}
              aria-selected={isSelected}
              data-row-index={v.index}
              tabIndex={v.index === clampedFocus ? 0 : -1}
              className={classes.row}
              data-selected={isSelected || undefined}
              data-active={props.activeId === node.id || undefined}
              style={{ transform: `translateY(${v.start}px)`, height: ROW_HEIGHT }}
              onClick={(e) => onRowClick(e, v.index, node)}
              onDoubleClick={(e) => {
                if (!(e.target as HTMLElement).closest("a, button, input, label")) onOpen(node, false);
              }}
              onFocus={(e) => {
                if (e.target === e.currentTarget) setFocusIndex(v.index);
              }}
            >
              <div role="gridcell" className={classes.check}>
                <Checkbox
                  size="xs"
                  tabIndex={-1}
                  aria-label={`Select ${node.name}`}
                  checked={isSelected}
                  onChange={() => {
                    toggle(node.id);
                    setAnchor(v.index);
                  }}
                />
              </div>
              <div role="gridcell" className={classes.name}>
                <FileIcon kind={fileKind(node)} />
                {node.type === "folder" ? (
                  <Link to={folderUrl(props.shareId, node.path)} tabIndex={-1} className={classes.nameLink}>
                    {node.name}
                  </Link>
                ) : (
                  <UnstyledButton tabIndex={-1} className={classes.nameLink} onClick={() => onOpen(node, false)}>
                    {node.name}
                  </UnstyledButton>
                )}
                {mount !== undefined && (
                  <span className={classes.mount}>
                    <span role="img" aria-label="Mount" title="Mount" className={classes.mountIcon}>
                      <IconPlugConnected size={14} aria-hidden="true" />
                    </span>
                    {mount && <span>{mount}</span>}
                  </span>
                )}
              </div>
              <div role="gridcell" className={classes.size}>
                <Text size="sm" c="dimmed" component="span">
                  {node.type === "folder" ? "—" : formatBytes(node.size)}
                </Text>
              </div>
              <div role="gridcell" className={classes.modified}>
                <Text size="sm" c="dimmed" component="span">
                  {formatDate(node.modified_at)}
                </Text>
              </div>
            </div>
          );
        })}
      </div>
    </div>
  );
}
