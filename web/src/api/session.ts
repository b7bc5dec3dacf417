import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, apiRequest, setCsrfToken } from "./http";
import type { Session } from "./types";

export const SESSION_KEY = ["session"] as const;

/** The signed-in session, or null when there is none (401). Other errors propagate. */
async function fetchSession(): Promise<Session | null> {
  try {
    const session = await apiRequest<Session>("/auth/session");
    setCsrfToken(session.csrf_token);
    return session;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw err;
  }
}

export function useSession() {
  return useQuery({ queryKey: SESSION_KEY, queryFn: fetchSession, staleTime: 60_000, retry: false });
}

export async function signIn(email: string, password: string): Promise<Session> {
  const session = await apiRequest<Session>("/auth/sign-in", { method: "POST", json: { email, password } });
  setCsrfToken(session.csrf_token);
  return session;
}

/** Signs out on the server and forgets every cached answer of the previous user. */
export function useSignOut(): () => Promise<void> {
  const queryClient = useQueryClient();
  return async () => {
    try {
      await apiRequest("/auth/sign-out", { method: "POST" });
    } finally {
      setCsrfToken(null);
      queryClient.clear();
      queryClient.setQueryData(SESSION_KEY, null);
    }
  };
}
