import { useEffect, useState, useSyncExternalStore } from "react";
import { ActionIcon, Button, Group, Paper, Progress, ScrollArea, Text, Tooltip } from "@mantine/core";
import { IconCheck, IconChevronDown, IconChevronUp, IconX } from "@tabler/icons-react";
import { formatBytes } from "../../format";
import { uploadQueue, type UploadEntry } from "./upload-queue";
import classes from "./UploadsPanel.module.css";

function percent(loaded: number, size: number): number {
  if (size === 0) return loaded > 0 ? 100 : 0;
  return Math.min(100, Math.floor((loaded / size) * 1000) / 10);
}

/** The tab's uploads, bottom right: one progress bar per file and one for all of them, with Cancel and errors. */
export function UploadsPanel() {
  const entries = useSyncExternalStore(uploadQueue.subscribe, uploadQueue.getSnapshot);
  const [collapsed, setCollapsed] = useState(false);
  const running = entries.some((e) => e.status === "queued" || e.status === "uploading");
  // Closing or reloading the tab would stop the uploads: the browser asks first while any is running.
  useEffect(() => {
    if (!running) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [running]);
  if (entries.length === 0) return null;

  const counted = entries.filter((e) => e.status !== "cancelled");
  const total = counted.reduce((s, e) => s + e.size, 0);
  const loaded = counted.reduce((s, e) => s + (e.status === "done" ? e.size : e.loaded), 0);
  const active = entries.filter((e) => e.status === "queued" || e.status === "uploading").length;
  const failed = entries.filter((e) => e.status === "error").length;
  const done = entries.filter((e) => e.status === "done").length;
  const overall = total === 0 ? (active === 0 ? 100 : 0) : percent(loaded, total);
  const summary =
    active > 0
      ? `Uploading ${active} of ${counted.length} ${counted.length === 1 ? "file" : "files"}`
      : failed > 0
        ? `${done} uploaded, ${failed} failed`
        : `${done} ${done === 1 ? "file" : "files"} uploaded`;

  return (
    <Paper role="region" aria-label="Uploads" shadow="lg" withBorder className={classes.panel}>
      <Group justify="space-between" wrap="nowrap" className={classes.header}>
        <div className={classes.headerText}>
          <Text fw={600} size="sm">
            {summary}
          </Text>
          <Text size="xs" c="dimmed" aria-live="polite">
            {formatBytes(loaded)} of {formatBytes(total)}
          </Text>
        </div>
        <Group gap={4} wrap="nowrap">
          <Tooltip label={collapsed ? "Show uploads" : "Hide uploads"}>
            <ActionIcon
              variant="subtle"
              color="gray"
              aria-label={collapsed ? "Show uploads" : "Hide uploads"}
              aria-expanded={!collapsed}
              onClick={() => setCollapsed(!collapsed)}
            >
              {collapsed ? <IconChevronUp size={18} /> : <IconChevronDown size={18} />}
            </ActionIcon>
          </Tooltip>
          {active === 0 && (
            <Tooltip label="Close">
              <ActionIcon
                variant="subtle"
                color="gray"
                aria-label="Close uploads"
                onClick={() => uploadQueue.clearFinished()}
              >
                <IconX size={18} />
              </ActionIcon>
            </Tooltip>
          )}
        </Group>
      </Group>
      <Progress value={overall} aria-label="Overall progress" size="sm" radius={0} animated={active > 0} />
      {!collapsed && (
        <ScrollArea.Autosize mah={280}>
          <ul className={classes.list}>
            {entries.map((e) => (
              <UploadRow key={e.id} entry={e} />
            ))}
          </ul>
        </ScrollArea.Autosize>
      )}
    </Paper>
  );
}

function UploadRow({ entry }: { entry: UploadEntry }) {
  const value = entry.status === "done" ? 100 : percent(entry.loaded, entry.size);
  const running = entry.status === "queued" || entry.status === "uploading";
  const status =
    entry.status === "queued"
      ? "Waiting"
      : entry.status === "uploading"
        ? `${formatBytes(entry.loaded)} of ${formatBytes(entry.size)}`
        : entry.status === "done"
          ? formatBytes(entry.size)
          : entry.status === "cancelled"
            ? "Cancelled"
            : "Failed";
  return (
    <li className={classes.item} data-status={entry.status}>
      <Group justify="space-between" wrap="nowrap" gap="xs">
        <div className={classes.itemText}>
          <Text size="sm" fw={500} truncate title={entry.path}>
            {entry.name}
          </Text>
          <Text size="xs" c="dimmed">
            {status}
          </Text>
        </div>
        {running ? (
          <Button
            size="compact-xs"
            variant="subtle"
            color="gray"
            aria-label={`Cancel ${entry.name}`}
            onClick={() => uploadQueue.cancel(entry.id)}
          >
            Cancel
          </Button>
        ) : entry.status === "done" ? (
          <IconCheck size={18} color="var(--mantine-color-green-8)" aria-label="Uploaded" role="img" />
        ) : null}
      </Group>
      <Progress
        value={value}
        aria-label={entry.name}
        size="xs"
        mt={4}
        color={entry.status === "error" ? "red" : entry.status === "done" ? "green" : undefined}
      />
      {entry.error && (
        <Text size="xs" c="red.8" mt={4} role="alert">
          {entry.error}
        </Text>
      )}
    </li>
  );
}
