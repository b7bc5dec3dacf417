/**
 * Files and folders a person picked (file inputs) or dropped (drag and drop), as paths relative to the folder they
 * go to. Dropped folders are walked with the File and Directory Entries API (webkitGetAsEntry), so their structure
 * is kept and empty folders are known too.
 */

export interface PickedFile {
  file: File;
  /** `a.txt`, or `photos/2024/a.jpg` for a file inside a picked folder. */
  relativePath: string;
}

export interface PickedTree {
  files: PickedFile[];
  /** Folders (relative paths) with nothing inside, which must be created on their own. */
  emptyFolders: string[];
}

/** From `<input type=file>`, with or without `webkitdirectory` (then every file names its folder path). */
export function fromFileList(list: FileList | readonly File[]): PickedTree {
  const files = Array.from(list).map((file) => ({ file, relativePath: file.webkitRelativePath || file.name }));
  return { files, emptyFolders: [] };
}

/**
 * From a drop. The entries must be taken from the DataTransfer while the drop event is being handled (the browser
 * empties it afterwards), so call this synchronously in the handler and await the result.
 */
export function fromDataTransfer(dt: DataTransfer): Promise<PickedTree> {
  const entries = Array.from(dt.items)
    .filter((item) => item.kind === "file")
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  if (entries.length === 0 || entries.some((e) => e === null)) return Promise.resolve(fromFileList(dt.files));
  return walk(entries as FileSystemEntry[]);
}

async function walk(roots: FileSystemEntry[]): Promise<PickedTree> {
  const tree: PickedTree = { files: [], emptyFolders: [] };
  const visit = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    const relativePath = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      tree.files.push({ file, relativePath });
      return;
    }
    const children = await readAll((entry as FileSystemDirectoryEntry).createReader());
    if (children.length === 0) tree.emptyFolders.push(relativePath);
    for (const child of children) await visit(child, relativePath);
  };
  for (const root of roots) await visit(root, "");
  return tree;
}

/** readEntries answers in batches (100 in Chromium) and an empty batch at the end. */
async function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

/** The first path segment of each picked item: what appears in the destination folder itself. */
export function topLevelNames(tree: PickedTree): Set<string> {
  const names = new Set<string>();
  for (const f of tree.files) names.add(f.relativePath.split("/")[0]!);
  for (const d of tree.emptyFolders) names.add(d.split("/")[0]!);
  return names;
}
