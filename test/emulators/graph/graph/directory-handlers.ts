import type { DirectoryGroup, DirectoryUser, SearchQuery } from "../directory/directory.js";
import { GraphError } from "./graph-error.js";
import type { GraphCall, GraphEnv, GraphResult } from "./graph-env.js";
import { applySelect } from "./item-json.js";
import { parseTop } from "./item-resolve.js";

function userJson(u: DirectoryUser): Record<string, unknown> {
  return {
    id: u.id,
    businessPhones: [],
    displayName: u.displayName,
    givenName: u.givenName,
    jobTitle: u.jobTitle,
    mail: u.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: u.surname,
    userPrincipalName: u.userPrincipalName,
    accountEnabled: u.accountEnabled,
  };
}

function groupJson(g: DirectoryGroup): Record<string, unknown> {
  return {
    id: g.id,
    displayName: g.displayName,
    description: g.description,
    mail: g.mail,
    mailNickname: g.mailNickname,
    mailEnabled: g.mailEnabled,
    securityEnabled: g.securityEnabled,
    groupTypes: g.groupTypes,
  };
}

function directoryError(status: number, code: string, message: string): GraphError {
  return new GraphError(status, code, message);
}

/**
 * `$search="displayName:x"` needs `ConsistencyLevel: eventual` (400 `Request_UnsupportedQuery`
 * otherwise, as in Graph); `$filter` supports `startswith(property,'value')` only.
 */
function parseQuery(call: GraphCall): SearchQuery {
  const q: SearchQuery = {};
  if (call.query.$search !== undefined) {
    const level = call.headers.consistencylevel;
    if ((Array.isArray(level) ? level[0] : level)?.toLowerCase() !== "eventual") {
      throw directoryError(
        400,
        "Request_UnsupportedQuery",
        "Request with $search query parameter only works through MSGraph " +
          "with a special request header: 'ConsistencyLevel: eventual'",
      );
    }
    q.search = call.query.$search;
  }
  if (call.query.$filter !== undefined) {
    const m = /^\s*startswith\(\s*([A-Za-z]+)\s*,\s*'((?:[^']|'')*)'\s*\)\s*$/i.exec(call.query.$filter);
    if (!m)
      throw directoryError(
        400,
        "Request_UnsupportedQuery",
        `Unsupported or invalid query filter clause specified: ${call.query.$filter}`,
      );
    q.startsWith = { property: m[1], value: m[2].replace(/''/g, "'") };
  }
  return q;
}

/** `GET /users`, `/groups` (with `$search`/`$filter`/`$select`/`$top`/`$count`), `/users/{id}`, `/groups/{id}`. */
export function directory(
  env: GraphEnv,
  call: GraphCall,
  kind: "users" | "groups",
  id: string | undefined,
): GraphResult {
  const tenantId = call.principal.tenantId;
  const dir = env.entra.directory;
  const toJson =
    kind === "users" ? (x: unknown) => userJson(x as DirectoryUser) : (x: unknown) => groupJson(x as DirectoryGroup);
  if (id !== undefined) {
    const found = kind === "users" ? dir.findUser(tenantId, id) : dir.findGroup(tenantId, id);
    if (!found || (kind === "groups" && (found as DirectoryGroup).id !== id.toLowerCase())) {
      throw directoryError(
        404,
        "Request_ResourceNotFound",
        `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
      );
    }
    return { status: 200, body: applySelect(toJson(found), call.query.$select) };
  }
  const q = parseQuery(call);
  const all = kind === "users" ? dir.searchUsers(tenantId, q) : dir.searchGroups(tenantId, q);
  const top = parseTop(call.query.$top, 100, 999);
  const body: Record<string, unknown> = {
    "@odata.context": `${env.baseUrl()}/v1.0/$metadata#${kind}`,
    value: all.slice(0, top).map((x) => applySelect(toJson(x), call.query.$select)),
  };
  if (call.query.$count === "true") body["@odata.count"] = all.length;
  return { status: 200, body };
}
