import { Alert } from "@mantine/core";
import { ApiError } from "../api/http";

/** An API or network error in words, in an alert region so screen readers announce it. */
export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiError ? error.code : undefined;
  return (
    <Alert color="red" title={title ?? "Something went wrong"} role="alert">
      {message}
      {code ? ` (${code})` : ""}
    </Alert>
  );
}
