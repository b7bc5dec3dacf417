import { Alert, Button, Group, List, Modal, Stack, Text } from "@mantine/core";
import { deleteNode } from "../../api/files";
import type { FileNode } from "../../api/types";
import { FileIcon } from "./FileIcon";
import { fileKind } from "./file-kind";
import { useAsyncAction } from "./use-async-action";

const SHOWN = 8;

/** Asks before deleting and says what goes: the items by name, folders with everything in them. */
export function DeleteDialog(props: {
  shareId: string;
  nodes: readonly FileNode[];
  onClose: () => void;
  onDeleted: () => void;
}) {
  const action = useAsyncAction();
  const folders = props.nodes.filter((n) => n.type === "folder").length;
  const title = props.nodes.length === 1 ? `Delete “${props.nodes[0]!.name}”?` : `Delete ${props.nodes.length} items?`;
  const confirm = async () => {
    const ok = await action.run(async () => {
      for (const node of props.nodes) await deleteNode(props.shareId, node.path);
    });
    if (ok) props.onDeleted();
  };
  return (
    <Modal closeButtonProps={{ "aria-label": "Close" }} opened onClose={props.onClose} title={title} centered>
      <Stack>
        {action.error && (
          <Alert color="red" role="alert" title="Not everything was deleted">
            {action.error}
          </Alert>
        )}
        <Text size="sm">
          {folders > 0 ? "These go, folders with everything in them. This cannot be undone." : "This cannot be undone."}
        </Text>
        <List spacing={4} size="sm" listStyleType="none" aria-label="Items to delete">
          {props.nodes.slice(0, SHOWN).map((n) => (
            <List.Item key={n.id} icon={<FileIcon kind={fileKind(n)} size={16} />}>
              {n.name}
            </List.Item>
          ))}
          {props.nodes.length > SHOWN && <List.Item>and {props.nodes.length - SHOWN} more</List.Item>}
        </List>
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose} data-autofocus>
            Cancel
          </Button>
          <Button color="red" onClick={confirm} loading={action.busy}>
            Delete
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
