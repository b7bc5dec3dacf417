import { ApiError } from "./http";

/** What some refusals mean for the person who asked, beyond the server's one-line message. */
const EXPLANATIONS: Record<string, string> = {
  LAST_ADMIN:
    "ScaiDrive always keeps at least one enabled administrator, and administrators cannot disable or demote " +
    "themselves.",
  CSRF_REJECTED: "Reload the page and try again.",
};

function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const first = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/** An error as a sentence to show: the API's message (capitalised), with a word on what to do where it helps. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const extra = EXPLANATIONS[error.code];
    return extra ? `${sentence(error.message)} ${extra}` : sentence(error.message);
  }
  if (error instanceof TypeError) return "The server could not be reached. Check the connection and try again.";
  return sentence(error instanceof Error ? error.message : String(error));
}
