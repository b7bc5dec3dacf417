import { Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { apiRequest } from "../api/http";
import type { User } from "../api/types";

/** One user by id, looked up once and cached (lists elsewhere seed the cache with `["user", id]`). */
export function useUser(id: string) {
  return useQuery({
    queryKey: ["user", id],
    queryFn: () => apiRequest<User>(`/users/${encodeURIComponent(id)}`),
    staleTime: 5 * 60_000,
  });
}

/** A user's name for a user id; the id itself while loading or when it is unknown. */
export function UserName({ id }: { id: string }) {
  const user = useUser(id);
  return (
    <Text span size="sm" title={user.data?.email}>
      {user.data?.name ?? id}
    </Text>
  );
}
