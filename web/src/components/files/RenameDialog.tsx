import { useState } from "react";
import { Alert, Button, Group, Modal, Stack, TextInput } from "@mantine/core";
import { moveNode } from "../../api/files";
import { joinPath, parentPath } from "../../api/paths";
import type { FileNode } from "../../api/types";
import { useAsyncAction } from "./use-async-action";

export function RenameDialog(props: {
  shareId: string;
  node: FileNode;
  onClose: () => void;
  onRenamed: (node: FileNode) => void;
}) {
  const [name, setName] = useState(props.node.name);
  const action = useAsyncAction();
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return action.setError("Enter a name.");
    if (trimmed === props.node.name) return props.onClose();
    const to = joinPath(parentPath(props.node.path), trimmed);
    let renamed: FileNode | undefined;
    if (await action.run(async () => void (renamed = await moveNode(props.shareId, props.node.path, to))))
      props.onRenamed(renamed!);
  };
  return (
    <Modal
      closeButtonProps={{ "aria-label": "Close" }}
      opened
      onClose={props.onClose}
      title={`Rename “${props.node.name}”`}
      centered
    >
      <form onSubmit={submit} noValidate>
        <Stack>
          {action.error && (
            <Alert color="red" role="alert" title="Not renamed">
              {action.error}
            </Alert>
          )}
          <TextInput
            label="New name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            required
            data-autofocus
            onFocus={(e) => {
              // Select the name without its extension, as file managers do.
              const dot = props.node.type === "file" ? e.currentTarget.value.lastIndexOf(".") : -1;
              e.currentTarget.setSelectionRange(0, dot > 0 ? dot : e.currentTarget.value.length);
            }}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={action.busy}>
              Rename
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
