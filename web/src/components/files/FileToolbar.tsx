import { useEffect, useRef } from "react";
import { Button, Divider, Group } from "@mantine/core";
import {
  IconArrowsMove,
  IconDownload,
  IconFolderPlus,
  IconFolderUp,
  IconInfoCircle,
  IconPencil,
  IconTrash,
  IconUpload,
} from "@tabler/icons-react";
import type { FileNode } from "../../api/types";
import classes from "./FileToolbar.module.css";

export interface FileToolbarProps {
  selected: readonly FileNode[];
  onUploadFiles: (files: File[]) => void;
  onUploadFolder: (files: File[]) => void;
  onNewFolder: () => void;
  onDownload: () => void;
  onRename: () => void;
  onMove: () => void;
  onDelete: () => void;
  onDetails: () => void;
  detailsOpen: boolean;
}

/** Actions on the folder (upload, new folder) and on the selected items (download, rename, move, delete). */
export function FileToolbar(props: FileToolbarProps) {
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  // React does not know webkitdirectory; set it on the element itself.
  useEffect(() => {
    folderInput.current?.setAttribute("webkitdirectory", "");
    folderInput.current?.setAttribute("directory", "");
  }, []);
  const count = props.selected.length;
  const none = count === 0;

  return (
    <Group justify="space-between" wrap="wrap" gap="xs" className={classes.bar}>
      <Group gap={6} wrap="wrap">
        <Button size="sm" leftSection={<IconUpload size={16} />} onClick={() => filesInput.current?.click()}>
          Upload files
        </Button>
        <Button
          size="sm"
          variant="default"
          leftSection={<IconFolderUp size={16} />}
          onClick={() => folderInput.current?.click()}
        >
          Upload folder
        </Button>
        <Button size="sm" variant="default" leftSection={<IconFolderPlus size={16} />} onClick={props.onNewFolder}>
          New folder
        </Button>
        <Divider orientation="vertical" mx={4} />
        <Button
          size="sm"
          variant="subtle"
          className={classes.action}
          leftSection={<IconDownload size={16} />}
          disabled={none}
          onClick={props.onDownload}
        >
          Download
        </Button>
        <Button
          size="sm"
          variant="subtle"
          className={classes.action}
          leftSection={<IconPencil size={16} />}
          disabled={count !== 1}
          onClick={props.onRename}
        >
          Rename
        </Button>
        <Button
          size="sm"
          variant="subtle"
          className={classes.action}
          leftSection={<IconArrowsMove size={16} />}
          disabled={none}
          onClick={props.onMove}
        >
          Move
        </Button>
        <Button
          size="sm"
          variant="subtle"
          color="red"
          className={classes.action}
          leftSection={<IconTrash size={16} />}
          disabled={none}
          onClick={props.onDelete}
        >
          Delete
        </Button>
      </Group>
      <Group gap="xs" wrap="nowrap">
        <Button
          size="sm"
          variant={props.detailsOpen ? "light" : "subtle"}
          color="gray"
          leftSection={<IconInfoCircle size={16} />}
          aria-pressed={props.detailsOpen}
          onClick={props.onDetails}
        >
          Details
        </Button>
      </Group>
      <input
        ref={filesInput}
        type="file"
        multiple
        hidden
        aria-label="Files to upload"
        onChange={(e) => {
          if (e.currentTarget.files?.length) props.onUploadFiles(Array.from(e.currentTarget.files));
          e.currentTarget.value = "";
        }}
      />
      <input
        ref={folderInput}
        type="file"
        hidden
        aria-label="Folder to upload"
        onChange={(e) => {
          if (e.currentTarget.files?.length) props.onUploadFolder(Array.from(e.currentTarget.files));
          e.currentTarget.value = "";
        }}
      />
    </Group>
  );
}
