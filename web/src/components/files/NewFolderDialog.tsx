import { useState } from "react";
import { Alert, Button, Group, Modal, Stack, TextInput } from "@mantine/core";
import { createFolder } from "../../api/files";
import { joinPath } from "../../api/paths";
import { useAsyncAction } from "./use-async-action";

export function NewFolderDialog(props: {
  shareId: string;
  folder: string;
  onClose: () => void;
  onCreated: (path: string) => void;
}) {
  const [name, setName] = useState("");
  const action = useAsyncAction();
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return action.setError("Enter a name for the folder.");
    const path = joinPath(props.folder, trimmed);
    if (await action.run(async () => void (await createFolder(props.shareId, path)))) props.onCreated(path);
  };
  return (
    <Modal closeButtonProps={{ "aria-label": "Close" }} opened onClose={props.onClose} title="New folder" centered>
      <form onSubmit={submit} noValidate>
        <Stack>
          {action.error && (
            <Alert color="red" role="alert" title="The folder was not created">
              {action.error}
            </Alert>
          )}
          <TextInput
            label="Folder name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            data-autofocus
            required
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={action.busy}>
              Create
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
