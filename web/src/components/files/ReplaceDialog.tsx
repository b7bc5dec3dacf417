import { Button, Group, List, Modal, Stack, Text } from "@mantine/core";
import type { FileNode } from "../../api/types";
import { FileIcon } from "./FileIcon";
import { fileKind } from "./file-kind";

const SHOWN = 8;

/**
 * Asked before an upload overwrites: files get a new version (refused if someone changed them since this folder was
 * loaded), folders receive the uploaded folder's files.
 */
export function ReplaceDialog(props: {
  existing: readonly FileNode[];
  onReplace: () => void;
  onSkip: () => void;
  onCancel: () => void;
}) {
  const one = props.existing.length === 1 ? props.existing[0]! : null;
  return (
    <Modal closeButtonProps={{ "aria-label": "Close" }} opened onClose={props.onCancel} title="Replace?" centered>
      <Stack>
        <Text size="sm">
          {one
            ? `“${one.name}” is already in this folder.`
            : `${props.existing.length} items with these names are already in this folder.`}{" "}
          Replacing keeps the old content as an earlier version; uploaded folders are merged into the existing ones.
        </Text>
        <List spacing={4} size="sm" listStyleType="none" aria-label="Items that exist">
          {props.existing.slice(0, SHOWN).map((n) => (
            <List.Item key={n.id} icon={<FileIcon kind={fileKind(n)} size={16} />}>
              {n.name}
            </List.Item>
          ))}
          {props.existing.length > SHOWN && <List.Item>and {props.existing.length - SHOWN} more</List.Item>}
        </List>
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onCancel}>
            Cancel
          </Button>
          <Button variant="default" onClick={props.onSkip}>
            Skip these
          </Button>
          <Button onClick={props.onReplace} data-autofocus>
            Replace
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
