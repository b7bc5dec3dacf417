import { ActionIcon, Group, Tabs, Text, Title, Tooltip } from "@mantine/core";
import { IconX } from "@tabler/icons-react";
import type { FileNode, Share } from "../../api/types";
import { formatBytes, formatDate } from "../../format";
import { FileIcon } from "./FileIcon";
import { fileKind } from "./file-kind";
import { MetadataTab } from "./MetadataTab";
import { PreviewTab } from "./PreviewTab";
import { SharingTab } from "./SharingTab";
import { VersionsTab } from "./VersionsTab";
import classes from "./DetailsPane.module.css";

export type DetailsTab = "preview" | "versions" | "metadata" | "sharing";

/** The side pane of one file or folder: preview, versions, metadata and who has access. Loaded on first use. */
export default function DetailsPane(props: {
  share: Share;
  node: FileNode;
  tab: DetailsTab;
  onTabChange: (tab: DetailsTab) => void;
  onClose: () => void;
}) {
  const { share, node } = props;
  return (
    <section aria-label="Details" className={classes.pane}>
      <Group justify="space-between" wrap="nowrap" align="flex-start" className={classes.header}>
        <Group gap="sm" wrap="nowrap" style={{ minWidth: 0 }}>
          <FileIcon kind={fileKind(node)} size={32} />
          <div style={{ minWidth: 0 }}>
            <Title order={2} size="h4" className={classes.title} title={node.name}>
              {node.path === "/" ? share.name : node.name}
            </Title>
            <Text size="xs" c="dimmed">
              {node.type === "folder" ? "Folder" : formatBytes(node.size)} · Modified {formatDate(node.modified_at)}
            </Text>
          </div>
        </Group>
        <Tooltip label="Close details">
          <ActionIcon variant="subtle" color="gray" aria-label="Close details" onClick={props.onClose}>
            <IconX size={18} />
          </ActionIcon>
        </Tooltip>
      </Group>
      <Tabs
        value={props.tab}
        onChange={(v) => v && props.onTabChange(v as DetailsTab)}
        keepMounted={false}
        className={classes.tabs}
      >
        <Tabs.List grow>
          <Tabs.Tab value="preview">Preview</Tabs.Tab>
          <Tabs.Tab value="versions">Versions</Tabs.Tab>
          <Tabs.Tab value="metadata">Metadata</Tabs.Tab>
          <Tabs.Tab value="sharing">Sharing</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="preview" p="md" className={classes.tabBody} tabIndex={0}>
          <PreviewTab shareId={share.id} node={node} />
        </Tabs.Panel>
        <Tabs.Panel value="versions" p="md" className={classes.tabBody} tabIndex={0}>
          <VersionsTab node={node} />
        </Tabs.Panel>
        <Tabs.Panel value="metadata" p="md" className={classes.tabBody} tabIndex={0}>
          <MetadataTab node={node} />
        </Tabs.Panel>
        <Tabs.Panel value="sharing" p="md" className={classes.tabBody} tabIndex={0}>
          <SharingTab share={share} node={node} />
        </Tabs.Panel>
      </Tabs>
    </section>
  );
}
