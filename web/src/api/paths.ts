/** Share paths (`/a/b.txt`) and the app URLs that show them (`/files/<shareId>/a/b.txt`). */

export function joinPath(folder: string, name: string): string {
  return folder === "/" ? `/${name}` : `${folder}/${name}`;
}

export function parentPath(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The folders from the root down to `path`, each with its name and path (the root's name is ""). */
export function pathSegments(path: string): { name: string; path: string }[] {
  const names = path.split("/").filter(Boolean);
  return names.map((name, i) => ({ name, path: "/" + names.slice(0, i + 1).join("/") }));
}

/** The folder view's URL; every segment is encoded, so names with `#`, `?` or `%` survive the round trip. */
export function folderUrl(shareId: string, path: string): string {
  const tail = path
    .split("/")
    .filter(Boolean)
    .map((s) => encodeURIComponent(s))
    .join("/");
  return `/files/${encodeURIComponent(shareId)}${tail ? `/${tail}` : ""}`;
}

/** True when `path` is `ancestor` or lies below it. */
export function isSameOrBelow(path: string, ancestor: string): boolean {
  return ancestor === "/" || path === ancestor || path.startsWith(`${ancestor}/`);
}
