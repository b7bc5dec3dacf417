import { useRef, useState, type ReactNode } from "react";
import { Text } from "@mantine/core";
import { IconUpload } from "@tabler/icons-react";
import { fromDataTransfer, type PickedTree } from "./picked-files";
import classes from "./FolderDropZone.module.css";

/**
 * Accepts files and folders dragged from the desktop onto the folder's list (folders are read with their whole
 * tree), with an outline that says where they go while something is dragged over it.
 */
export function FolderDropZone(props: {
  folderName: string;
  onDrop: (tree: PickedTree) => void;
  onError: (message: string) => void;
  className?: string;
  children: ReactNode;
}) {
  const [dragging, setDragging] = useState(false);
  // dragenter/dragleave fire for every child crossed: count them to know when the pointer really left.
  const depth = useRef(0);
  const carriesFiles = (e: React.DragEvent) => e.dataTransfer.types.includes("Files");
  return (
    <div
      className={props.className}
      onDragEnter={(e) => {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        depth.current++;
        setDragging(true);
      }}
      onDragOver={(e) => {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = "copy";
      }}
      onDragLeave={() => {
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setDragging(false);
      }}
      onDrop={(e) => {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        depth.current = 0;
        setDragging(false);
        fromDataTransfer(e.dataTransfer).then(props.onDrop, (err: unknown) =>
          props.onError(`The dropped items could not be read: ${err instanceof Error ? err.message : String(err)}`),
        );
      }}
    >
      {props.children}
      {dragging && (
        <div className={classes.overlay} aria-hidden="true">
          <IconUpload size={32} />
          <Text fw={600}>Drop to upload to {props.folderName}</Text>
        </div>
      )}
    </div>
  );
}
