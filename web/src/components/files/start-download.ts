/**
 * Downloads a URL of the API the way a link would: a plain navigation, which the session cookie authenticates and
 * the browser saves (the API answers downloads as attachments). Used by buttons, which are not links themselves.
 */
export function startDownload(href: string): void {
  const a = document.createElement("a");
  a.href = href;
  a.download = "";
  a.rel = "noopener";
  document.body.appendChild(a);
  a.click();
  a.remove();
}
