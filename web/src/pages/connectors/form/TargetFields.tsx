import { useState } from "react";
import {
  Anchor,
  Box,
  Breadcrumbs,
  Button,
  Group,
  Loader,
  ScrollArea,
  Select,
  Stack,
  Text,
  TextInput,
  UnstyledButton,
} from "@mantine/core";
import { IconChevronRight, IconFolder } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { fileKeys, listAll } from "../../../api/files";
import { pathSegments } from "../../../api/paths";
import { useShareNames } from "../../../api/connectors";
import { normalizedTarget } from "./connection-form";
import { fieldId } from "./RemoteFields";
import classes from "./TargetFields.module.css";

/**
 * Where the connection syncs to in ScaiDrive: the share (chosen once; read-only when editing) and a folder in it,
 * typed or picked by browsing the share's folders. A folder that does not exist yet is created on save.
 */
export function TargetFields(props: {
  shareId: string;
  path: string;
  editing: boolean;
  onShare: (id: string) => void;
  onPath: (p: string) => void;
  shareError?: string;
  pathError?: string;
}) {
  const shares = useShareNames();
  const [browsing, setBrowsing] = useState(false);
  const options = [...(shares.data ?? new Map<string, string>()).entries()]
    .map(([value, label]) => ({ value, label }))
    .sort((a, b) => a.label.localeCompare(b.label));
  const shareName = shares.data?.get(props.shareId) ?? props.shareId;

  return (
    <Stack gap="sm">
      {props.editing ? (
        <TextInput
          label="Share"
          value={shareName}
          readOnly
          description="A connection stays with its share; to sync into another share, add a new connection."
        />
      ) : (
        <Select
          id={fieldId("target_share_id")}
          label="Share"
          placeholder={shares.isPending ? "Loading shares…" : "Choose a share"}
          data={options}
          value={props.shareId || null}
          onChange={(v) => {
            props.onShare(v ?? "");
            props.onPath("/");
          }}
          searchable
          required
          nothingFoundMessage="No share by that name"
          description="You need Manage permissions on it."
          error={props.shareError ?? (shares.isError ? shares.error.message : undefined)}
        />
      )}
      <Group align="flex-end" gap="sm" wrap="nowrap">
        <TextInput
          id={fieldId("target_path")}
          style={{ flex: 1 }}
          label="Folder in ScaiDrive"
          value={props.path}
          onChange={(e) => props.onPath(e.currentTarget.value)}
          description="Created when you save if it does not exist yet."
          error={props.pathError}
        />
        <Button
          variant="default"
          leftSection={<IconFolder size={16} />}
          disabled={!props.shareId}
          onClick={() => setBrowsing((b) => !b)}
          aria-expanded={browsing}
          mb={props.pathError ? 22 : 0}
        >
          {browsing ? "Close folders" : "Browse…"}
        </Button>
      </Group>
      {browsing && props.shareId && (
        <FolderBrowser
          shareId={props.shareId}
          shareName={shareName}
          folder={normalizedTarget(props.path)}
          onFolder={props.onPath}
        />
      )}
    </Stack>
  );
}

function FolderBrowser(props: { shareId: string; shareName: string; folder: string; onFolder: (p: string) => void }) {
  // Browse from the typed folder's deepest existing ancestor: a folder that does not exist yet lists as an error.
  const folders = useQuery({
    queryKey: fileKeys.folders(props.shareId, props.folder),
    queryFn: async ({ signal }) =>
      (await listAll(props.shareId, props.folder, signal)).filter((n) => n.type === "folder"),
    retry: false,
  });
  const steps = [{ name: props.shareName, path: "/" }, ...pathSegments(props.folder)];
  return (
    <Box className={classes.browser}>
      <nav aria-label="Folders of the share">
        <Breadcrumbs separator="›" separatorMargin={6} px="sm" pt="xs">
          {steps.map((step, i) =>
            i === steps.length - 1 ? (
              <Text key={step.path} size="sm" fw={600} aria-current="location">
                {step.name}
              </Text>
            ) : (
              <Anchor
                key={step.path}
                component="button"
                type="button"
                size="sm"
                onClick={() => props.onFolder(step.path)}
              >
                {step.name}
              </Anchor>
            ),
          )}
        </Breadcrumbs>
      </nav>
      <ScrollArea.Autosize mah={180}>
        {folders.isPending && <Loader size="sm" m="sm" aria-label="Loading folders" />}
        {folders.isError && (
          <Text size="sm" c="dimmed" p="sm">
            This folder does not exist yet; it is created when you save.
          </Text>
        )}
        {folders.data?.length === 0 && (
          <Text size="sm" c="dimmed" p="sm">
            No folders inside. Sync into this folder, or type a new name to create one.
          </Text>
        )}
        {folders.data && folders.data.length > 0 && (
          <ul className={classes.list} aria-label="Folders">
            {folders.data.map((f) => (
              <li key={f.id}>
                <UnstyledButton className={classes.item} onClick={() => props.onFolder(f.path)}>
                  <IconFolder size={16} aria-hidden="true" />
                  <span className={classes.name}>{f.name}</span>
                  <IconChevronRight size={14} aria-hidden="true" />
                </UnstyledButton>
              </li>
            ))}
          </ul>
        )}
      </ScrollArea.Autosize>
    </Box>
  );
}
