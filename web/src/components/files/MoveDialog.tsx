import { useState } from "react";
import {
  Alert,
  Anchor,
  Breadcrumbs,
  Button,
  Group,
  Loader,
  Modal,
  ScrollArea,
  Stack,
  Text,
  UnstyledButton,
} from "@mantine/core";
import { IconChevronRight } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { fileKeys, listAll, moveNode } from "../../api/files";
import { isSameOrBelow, joinPath, parentPath, pathSegments } from "../../api/paths";
import type { FileNode } from "../../api/types";
import { FileIcon } from "./FileIcon";
import { useAsyncAction } from "./use-async-action";
import classes from "./MoveDialog.module.css";

/** Moves the chosen items into a folder picked by browsing the share's folders. */
export function MoveDialog(props: {
  shareId: string;
  shareName: string;
  nodes: readonly FileNode[];
  onClose: () => void;
  onMoved: (destination: string) => void;
}) {
  const from = parentPath(props.nodes[0]!.path);
  const [folder, setFolder] = useState(from);
  const action = useAsyncAction();
  const folders = useQuery({
    queryKey: fileKeys.folders(props.shareId, folder),
    queryFn: async ({ signal }) => (await listAll(props.shareId, folder, signal)).filter((n) => n.type === "folder"),
  });
  const moving = new Set(props.nodes.map((n) => n.path));
  const intoItself = props.nodes.some((n) => n.type === "folder" && isSameOrBelow(folder, n.path));
  const sameFolder = folder === from;
  const steps = [{ name: props.shareName, path: "/" }, ...pathSegments(folder)];

  const confirm = async () => {
    const ok = await action.run(async () => {
      for (const node of props.nodes) await moveNode(props.shareId, node.path, joinPath(folder, node.name));
    });
    if (ok) props.onMoved(folder);
  };
  const title = props.nodes.length === 1 ? `Move “${props.nodes[0]!.name}”` : `Move ${props.nodes.length} items`;

  return (
    <Modal closeButtonProps={{ "aria-label": "Close" }} opened onClose={props.onClose} title={title} centered size="lg">
      <Stack>
        {action.error && (
          <Alert color="red" role="alert" title="Not everything was moved">
            {action.error}
          </Alert>
        )}
        <nav aria-label="Destination folder">
          <Breadcrumbs separator="›" separatorMargin={6}>
            {steps.map((step, i) =>
              i === steps.length - 1 ? (
                <Text key={step.path} size="sm" fw={600} aria-current="location">
                  {step.name}
                </Text>
              ) : (
                <Anchor key={step.path} component="button" type="button" size="sm" onClick={() => setFolder(step.path)}>
                  {step.name}
                </Anchor>
              ),
            )}
          </Breadcrumbs>
        </nav>
        <ScrollArea h={260} className={classes.box}>
          {folders.isPending && <Loader size="sm" m="md" aria-label="Loading folders" />}
          {folders.isError && (
            <Text c="red" size="sm" p="md" role="alert">
              {folders.error.message}
            </Text>
          )}
          {folders.data && folders.data.length === 0 && (
            <Text c="dimmed" size="sm" p="md">
              No folders inside. Move here, or go back up.
            </Text>
          )}
          {folders.data && folders.data.length > 0 && (
            <ul className={classes.list} aria-label="Folders">
              {folders.data.map((f) => (
                <li key={f.id}>
                  <UnstyledButton
                    className={classes.item}
                    onClick={() => setFolder(f.path)}
                    disabled={moving.has(f.path)}
                  >
                    <FileIcon kind="folder" size={18} />
                    <span className={classes.itemName}>{f.name}</span>
                    <IconChevronRight size={16} aria-hidden="true" />
                  </UnstyledButton>
                </li>
              ))}
            </ul>
          )}
        </ScrollArea>
        {intoItself && (
          <Text size="sm" c="red.8">
            A folder cannot be moved into itself.
          </Text>
        )}
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            {sameFolder ? "The items are in this folder already." : `To ${folder}`}
          </Text>
          <Group>
            <Button variant="default" onClick={props.onClose}>
              Cancel
            </Button>
            <Button onClick={confirm} loading={action.busy} disabled={intoItself || sameFolder}>
              Move here
            </Button>
          </Group>
        </Group>
      </Stack>
    </Modal>
  );
}
