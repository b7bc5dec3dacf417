import { useState } from "react";
import { createFolder } from "../../api/files";
import type { FileNode } from "../../api/types";
import type { PickedTree } from "./picked-files";
import { ReplaceDialog } from "./ReplaceDialog";
import { existingConflicts, planUploads } from "./upload-plan";
import { uploadQueue } from "./upload-queue";

/**
 * From picked or dropped items to queued uploads into `folder`: asks "Replace?" when names are taken, creates the
 * empty folders of a dropped tree, then hands the files to the upload queue. Render `dialog` somewhere on the page.
 */
export function useUploadFlow(o: {
  shareId: string;
  folder: string;
  listing: readonly FileNode[];
  onFoldersCreated: () => void;
  onError: (message: string) => void;
}) {
  const [pending, setPending] = useState<{ tree: PickedTree; existing: FileNode[] } | null>(null);

  const start = async (tree: PickedTree, replace: boolean) => {
    setPending(null);
    const plan = planUploads(o.shareId, o.folder, tree, o.listing, replace);
    try {
      for (const path of plan.emptyFolders) await createFolder(o.shareId, path);
    } catch (err) {
      o.onError(`Folders could not be created: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (plan.emptyFolders.length > 0) o.onFoldersCreated();
    uploadQueue.add(plan.requests);
  };

  const pick = (tree: PickedTree) => {
    if (tree.files.length === 0 && tree.emptyFolders.length === 0) return;
    const existing = existingConflicts(tree, o.listing);
    if (existing.length > 0) setPending({ tree, existing });
    else void start(tree, false);
  };

  const dialog = pending && (
    <ReplaceDialog
      existing={pending.existing}
      onReplace={() => void start(pending.tree, true)}
      onSkip={() => void start(pending.tree, false)}
      onCancel={() => setPending(null)}
    />
  );
  return { pick, dialog };
}
