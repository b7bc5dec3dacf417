import { ApiError } from "./http";

/** What to do about some refusals, beyond the server's one-line message of what happened. */
function advice(error: ApiError): string | undefined {
  if (error.code === "LAST_ADMIN" && /last enabled administrator/.test(error.message))
    return "ScaiDrive keeps at least one enabled administrator: make someone else an administrator first.";
  if (error.code === "CSRF_REJECTED") return "Reload the page and try again.";
  return undefined;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const first = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/** An error as a sentence to show: the API's message (capitalised), with a word on what to do where it helps. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const extra = advice(error);
    return extra ? `${sentence(error.message)} ${extra}` : sentence(error.message);
  }
  if (error instanceof TypeError) return "The server could not be reached. Check the connection and try again.";
  return sentence(error instanceof Error ? error.message : String(error));
}
