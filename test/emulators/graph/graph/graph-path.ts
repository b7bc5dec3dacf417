import { GraphError } from "./graph-error.js";

/** How a request names a driveItem: the root or an id, optionally followed by `:/relative/path:`. */
export interface ItemAddress {
  base: { root: true } | { id: string };
  /** Percent-decoded path relative to the base, e.g. "/Campaigns/2026/a.docx". */
  path?: string;
}

/** Which site a request names: by id or by `{hostname}:/sites/{path}`. */
export type SiteRef = { id: string } | { hostname: string; path: string };

export type GraphTarget =
  | { kind: "sites" }
  | { kind: "site"; site: SiteRef }
  | { kind: "site-drives"; site: SiteRef }
  | { kind: "site-lists"; site: SiteRef }
  | { kind: "site-list"; site: SiteRef; listId: string; sub: "" | "columns" | "drive" }
  | { kind: "drive"; drive: { id: string } | { site: SiteRef } }
  | { kind: "item"; drive: { id: string } | { site: SiteRef }; item: ItemAddress; action: string[] }
  | { kind: "users" | "groups"; id?: string };

/**
 * Parses the path after `/v1.0` into what it addresses plus a route template for counters and
 * fault rules (e.g. `/drives/{drive-id}/items/{item-id}/children`). Graph's colon syntax
 * (`/root:/a/b.docx:/content`, `/items/{id}:/rel/path:/children`, `/items/{id}:/`) is split on
 * literal colons before percent-decoding, so an encoded `%3A` inside a name stays part of the
 * name.
 */
export function parseGraphPath(rawPath: string): { target: GraphTarget; template: string } {
  const t: string[] = [];
  const fail = (): never => {
    throw new GraphError(400, "invalidRequest", `Invalid request: unsupported resource path ${rawPath}`);
  };
  const dec = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return fail();
    }
  };
  let rest = rawPath.replace(/\/+$/, "");

  const users = /^\/(users|groups)(?:\/([^/]+))?$/.exec(rest);
  if (users) {
    const kind = users[1] as "users" | "groups";
    return {
      target: { kind, id: users[2] ? dec(users[2]) : undefined },
      template: `/${kind}${users[2] ? `/{${kind === "users" ? "user" : "group"}-id}` : ""}`,
    };
  }

  let site: SiteRef | undefined;
  if (rest === "/sites") return { target: { kind: "sites" }, template: "/sites" };
  const byPath = /^\/sites\/([^/:]+):(\/[^:]*?)(?::(.*))?$/.exec(rest);
  if (byPath) {
    site = { hostname: dec(byPath[1]), path: dec(byPath[2]) };
    rest = byPath[3] ?? "";
    t.push("/sites/{hostname}:/{server-relative-path}:");
  } else {
    const byId = /^\/sites\/([^/]+)(.*)$/.exec(rest);
    if (byId) {
      site = { id: dec(byId[1]) };
      rest = byId[2];
      t.push("/sites/{site-id}");
    }
  }

  let drive: { id: string } | { site: SiteRef } | undefined;
  if (site) {
    if (rest === "") return { target: { kind: "site", site }, template: t.join("") };
    if (rest === "/drives") return { target: { kind: "site-drives", site }, template: t.join("") + "/drives" };
    if (rest === "/lists") return { target: { kind: "site-lists", site }, template: t.join("") + "/lists" };
    const list = /^\/lists\/([^/]+)(?:\/(columns|drive))?$/.exec(rest);
    if (list) {
      const sub = (list[2] ?? "") as "" | "columns" | "drive";
      return {
        target: { kind: "site-list", site, listId: dec(list[1]), sub },
        template: t.join("") + "/lists/{list-id}" + (sub ? `/${sub}` : ""),
      };
    }
    const d = /^\/drives\/([^/]+)(.*)$/.exec(rest);
    if (d) {
      drive = { id: dec(d[1]) };
      rest = d[2];
      t.push("/drives/{drive-id}");
    } else if (rest === "/drive" || rest.startsWith("/drive/")) {
      drive = { site };
      rest = rest.slice("/drive".length);
      t.push("/drive");
    } else fail();
  } else {
    const d = /^\/drives\/([^/]+)(.*)$/.exec(rest);
    if (!d) fail();
    drive = { id: dec(d![1]) };
    rest = d![2];
    t.push("/drives/{drive-id}");
  }

  if (rest === "") return { target: { kind: "drive", drive: drive! }, template: t.join("") };
  let item: ItemAddress;
  const root = /^\/root(.*)$/.exec(rest);
  const byItem = /^\/items\/([^/:]+)(.*)$/.exec(rest);
  if (root) {
    item = { base: { root: true } };
    rest = root[1];
    t.push("/root");
  } else if (byItem) {
    item = { base: { id: dec(byItem[1]) } };
    rest = byItem[2];
    t.push("/items/{item-id}");
  } else return fail();
  // `/items/{id}:/` (and `/root:/`) with nothing after the colon names the base item itself:
  // rclone reads a folder's metadata this way before a directory move. The trailing slash was
  // stripped above, so it arrives as a lone colon.
  const colon = /^:(\/[^:]*)(?::(.*))?$/.exec(rest);
  if (colon || rest === ":") {
    // `/root:/a:b.txt:/content`: what follows the closing colon must be empty or `/action`; else
    // the colon was part of a name, which SharePoint refuses as a bad name, not a bad route.
    if (colon?.[2] && !colon[2].startsWith("/")) throw colonInName(`${colon[1]}:${colon[2]}`);
    item.path = (colon?.[1] ?? "/").split("/").map(dec).join("/");
    rest = colon?.[2] ?? "";
    t.push(":/{path}:");
  }
  const fn = /^\/delta(?:\(token='([^']*)'\))?$/.exec(rest);
  if (fn) {
    const action = fn[1] !== undefined ? ["delta", dec(fn[1])] : ["delta"];
    return { target: { kind: "item", drive: drive!, item, action }, template: t.join("") + "/delta" };
  }
  const action = rest.split("/").filter(Boolean).map(dec);
  const tmpl = action.map((a, i) =>
    i > 0 && (action[i - 1] === "versions" || action[i - 1] === "permissions")
      ? `{${action[i - 1].slice(0, -1)}-id}`
      : a,
  );
  return {
    target: { kind: "item", drive: drive!, item, action },
    template: t.join("") + (tmpl.length ? "/" + tmpl.join("/") : ""),
  };
}

function colonInName(raw: string): GraphError {
  const name =
    raw
      .replace(/:(\/[^:]*)?:?$/, "")
      .split("/")
      .pop() ?? raw;
  return new GraphError(400, "invalidRequest", `The provided name "${name}" is not valid: names cannot contain ":".`, {
    code: "invalidName",
  });
}
