import { useQuery } from "@tanstack/react-query";
import { ApiError } from "../../api/http";
import { getGroup, getUser } from "../../api/files";

export interface PrincipalInfo {
  kind: "user" | "group";
  name: string;
  /** Users' email, shown beside the name. */
  detail?: string;
}

/** Users and groups are told apart by their id prefix (`usr_`, `grp_`). */
export function principalKind(id: string): "user" | "group" {
  return id.startsWith("grp_") ? "group" : "user";
}

async function fetchPrincipal(id: string): Promise<PrincipalInfo> {
  const kind = principalKind(id);
  try {
    if (kind === "group") return { kind, name: (await getGroup(id)).name };
    const user = await getUser(id);
    return { kind, name: user.name, detail: user.email };
  } catch (err) {
    // A deleted user or group still named by an old version or ACE shows by its id.
    if (err instanceof ApiError && err.status === 404) return { kind, name: `Unknown ${kind} (${id})` };
    throw err;
  }
}

/** A user's or group's name for display; cached for the session, so a table of 50 versions asks once per author. */
export function usePrincipal(id: string | null | undefined) {
  return useQuery({
    queryKey: ["principal", id],
    queryFn: () => fetchPrincipal(id!),
    enabled: !!id,
    staleTime: 5 * 60_000,
  });
}
