/**
 * Lookups the API needs around a SharePoint connector: sites the credential can see, the drives
 * (libraries) of a site, directory users and groups for identity mappings, and turning a
 * `site_url` + `library_name` into `site_id` + `drive_id`. Shapes are snake_case, ready for the
 * JSON the spec prints. Failures are RemoteErrors (graph-errors.ts).
 */
import { RemoteError } from "../../sync/remote-errors.js";
import { encodeItemPath, type GraphHttp } from "./graph-http.js";
import type { DriveItem, GraphDrive, GraphGroup, GraphPage, GraphSite, GraphUser } from "./graph-types.js";

export interface SiteSummary {
  site_id: string;
  name: string;
  display_name: string;
  web_url: string;
  description: string | null;
}

export interface DriveSummary {
  drive_id: string;
  name: string;
  drive_type: string;
  web_url: string;
  description: string | null;
}

/** A directory principal as `.../azure/users/search` answers it: `{id, email, name}`. */
export interface DirectoryPrincipal {
  id: string;
  email: string | null;
  name: string;
}

const site = (s: GraphSite): SiteSummary => ({
  site_id: s.id,
  name: s.name ?? "",
  display_name: s.displayName ?? s.name ?? "",
  web_url: s.webUrl ?? "",
  description: s.description ?? null,
});

const drive = (d: GraphDrive): DriveSummary => ({
  drive_id: d.id,
  name: d.name ?? "",
  drive_type: d.driveType ?? "",
  web_url: d.webUrl ?? "",
  description: d.description ?? null,
});

/** Sites matching `q` that the credential can read (`*` or empty: all it can read). */
export async function searchSites(graph: GraphHttp, q: string): Promise<SiteSummary[]> {
  const term = q.trim() === "" ? "*" : q.trim();
  const out: SiteSummary[] = [];
  for await (const page of graph.pages<GraphSite>(`/sites?search=${encodeURIComponent(term)}`, "search sites"))
    out.push(...page.value.map(site));
  return out;
}

/** Document libraries of a site. @throws `not_found` for an unknown site, `access_denied` without a grant. */
export async function listDrives(graph: GraphHttp, siteId: string): Promise<DriveSummary[]> {
  const out: DriveSummary[] = [];
  for await (const page of graph.pages<GraphDrive>(
    `/sites/${encodeURIComponent(siteId)}/drives`,
    `list drives of site ${siteId}`,
  ))
    out.push(...page.value.map(drive));
  return out;
}

/** A folder inside a library, as `GET /{id}/folders` answers it; `path` is library-relative (a `base_path`). */
export interface FolderSummary {
  name: string;
  path: string;
  /** Items directly inside (files and folders), as Graph's folder facet counts them. */
  child_count: number | null;
  web_url: string;
}

/**
 * Sub-folders of `path` ("" = the library root) in `driveId`, in Graph's order. Files are left out: the
 * browser chooses what to sync, and only a folder can be a base path.
 * @throws RemoteError `not_found` for an unknown drive or path, `access_denied` without a grant.
 */
export async function listFolders(graph: GraphHttp, driveId: string, path: string): Promise<FolderSummary[]> {
  const clean = path.replace(/^\/+|\/+$/g, "");
  const drive = `/drives/${encodeURIComponent(driveId)}`;
  const parent = clean === "" ? `${drive}/root` : `${drive}/root:/${encodeItemPath(clean)}:`;
  const out: FolderSummary[] = [];
  for await (const page of graph.pages<DriveItem>(
    `${parent}/children?$select=id,name,folder,package,webUrl&$top=200`,
    `list folders of ${clean === "" ? "the library root" : clean}`,
  )) {
    for (const item of page.value) {
      // A OneNote notebook is a folder to Graph but one unit to a user: not something to open.
      if (!item.folder || item.package || !item.name) continue;
      out.push({
        name: item.name,
        path: clean === "" ? item.name : `${clean}/${item.name}`,
        child_count: typeof item.folder.childCount === "number" ? item.folder.childCount : null,
        web_url: item.webUrl ?? "",
      });
    }
  }
  return out;
}

/** `$search` needs `"…"` around each clause; quotes and backslashes in the term are dropped. */
function searchTerm(q: string): string {
  return q.replace(/["\\]/g, "").trim();
}

async function searchDirectory<T extends GraphUser | GraphGroup>(
  graph: GraphHttp,
  kind: "users" | "groups",
  q: string,
  select: string,
): Promise<T[]> {
  const term = searchTerm(q);
  if (term === "") return [];
  const page = await graph.get<GraphPage<T>>(
    `/${kind}?$search=${encodeURIComponent(`"displayName:${term}"`)}&$select=${select}&$top=25`,
    `search ${kind}`,
    { headers: { ConsistencyLevel: "eventual" } },
  );
  return page.value;
}

/**
 * Directory users whose display name matches `q` (`$search` + `ConsistencyLevel: eventual`); by UPN/mail prefix when
 * `q` has an `@`.
 */
export async function searchUsers(graph: GraphHttp, q: string): Promise<DirectoryPrincipal[]> {
  let users: GraphUser[];
  if (q.includes("@")) {
    const v = q.trim().replace(/'/g, "''");
    const page = await graph.get<GraphPage<GraphUser>>(
      `/users?$filter=${encodeURIComponent(`startswith(userPrincipalName,'${v}')`)}&$select=id,displayName,mail,userPrincipalName&$top=25`,
      "search users",
      { headers: { ConsistencyLevel: "eventual" } },
    );
    users = page.value;
    if (users.length === 0) {
      const byMail = await graph.get<GraphPage<GraphUser>>(
        `/users?$filter=${encodeURIComponent(`startswith(mail,'${v}')`)}&$select=id,displayName,mail,userPrincipalName&$top=25`,
        "search users",
        { headers: { ConsistencyLevel: "eventual" } },
      );
      users = byMail.value;
    }
  } else {
    users = await searchDirectory<GraphUser>(graph, "users", q, "id,displayName,mail,userPrincipalName");
  }
  return users.map((u) => ({
    id: u.id,
    email: u.mail ?? u.userPrincipalName ?? null,
    name: u.displayName ?? u.userPrincipalName ?? u.id,
  }));
}

/** Directory groups whose display name matches `q`. */
export async function searchGroups(graph: GraphHttp, q: string): Promise<DirectoryPrincipal[]> {
  const groups = await searchDirectory<GraphGroup>(graph, "groups", q, "id,displayName,mail,mailNickname");
  return groups.map((g) => ({ id: g.id, email: g.mail ?? null, name: g.displayName ?? g.mailNickname ?? g.id }));
}

/**
 * `https://contoso.sharepoint.com/sites/marketing` + `Documents` → ids. The library matches by
 * display name or by its URL segment (`Shared Documents`), case-insensitively; without a
 * library name the site's default library is used.
 * @throws RemoteError `not_found` naming what was not found; `invalid_name` for a malformed URL.
 */
export async function resolveSiteAndDrive(
  graph: GraphHttp,
  siteUrl: string,
  libraryName?: string,
): Promise<{ siteId: string; driveId: string; siteName: string; libraryName: string }> {
  let url: URL;
  try {
    url = new URL(siteUrl);
  } catch {
    throw new RemoteError("invalid_name", `site_url is not a URL: ${siteUrl}`);
  }
  const path = url.pathname.replace(/\/+$/, "");
  const siteAddr = path === "" ? `/sites/${url.hostname}` : `/sites/${url.hostname}:${encodeURI(path)}:`;
  const s = await graph.get<GraphSite>(siteAddr, `resolve site ${siteUrl}`);
  const drives = await listDrives(graph, s.id);
  let d: DriveSummary | undefined;
  if (libraryName && libraryName.trim() !== "") {
    const want = libraryName.trim().toLowerCase();
    d =
      drives.find((x) => x.name.toLowerCase() === want) ??
      drives.find(
        (x) => x.web_url && decodeURIComponent(new URL(x.web_url).pathname).split("/").pop()?.toLowerCase() === want,
      );
    if (!d)
      throw new RemoteError(
        "not_found",
        `site ${siteUrl} has no ` +
          `library named "${libraryName}" (it has: ${drives.map((x) => x.name).join(", ") || "none"})`,
      );
  } else {
    const def = await graph.get<GraphDrive>(
      `/sites/${encodeURIComponent(s.id)}/drive`,
      `default library of ${siteUrl}`,
    );
    d = drive(def);
  }
  return { siteId: s.id, driveId: d.drive_id, siteName: s.displayName ?? s.name ?? "", libraryName: d.name };
}
