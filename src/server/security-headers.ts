import type { FastifyInstance } from "fastify";

/**
 * Content-Security-Policy of everything the API answers (JSON, errors, downloads): nothing a
 * browser might render from a response may load, run or frame anything, so a downloaded HTML or
 * SVG file opened in a tab cannot script against the origin.
 */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Content-Security-Policy of a download shown in the browser (`disposition=inline`, only types of
 * the inline list, which run nothing): {@link API_CSP}, except that pages of ScaiDrive's own origin
 * may frame it, so the web client can preview a PDF or an image in an iframe.
 */
export const INLINE_CSP = "default-src 'none'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

/**
 * The Swagger UI page under /api/docs loads its own scripts and styles from the same origin and
 * sets inline styles; it needs no outside origin. `upgrade-insecure-requests` is left out on
 * purpose: the server speaks plain HTTP unless a proxy terminates TLS in front of it.
 */
export const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src " +
  "'self' data:; frame-ancestors 'none'; form-action 'self'; " +
  "img-src 'self' data:; object-src 'none'; script-src 'self'; " +
  "script-src-attr 'none'; style-src 'self' 'unsafe-inline'";

/** Where the Swagger UI lives; it gets {@link DOCS_CSP} from its plugin instead of {@link API_CSP}. */
export const DOCS_PREFIX = "/api/docs";

/**
 * The web client's pages and assets (everything outside /api/): scripts, styles and images from the same origin only;
 * inline styles because the component library sets style attributes; frames from the same origin for the PDF
 * preview; the app itself may not be framed (clickjacking).
 */
export const APP_CSP =
  "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src 'self' data:; " +
  "form-action 'self'; frame-ancestors 'none'; frame-src 'self'; img-src 'self' data: blob:; " +
  "media-src 'self' blob:; object-src 'none'; script-src 'self'; script-src-attr 'none'; " +
  "style-src 'self' 'unsafe-inline'; worker-src 'self' blob:";

/**
 * The headers every answer outside the docs carries; also written by hand where Fastify does not answer (client
 * errors).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "content-security-policy": API_CSP,
};

function isDocs(url: string): boolean {
  return url === DOCS_PREFIX || url.startsWith(DOCS_PREFIX + "/") || url.startsWith(DOCS_PREFIX + "?");
}

function isApi(url: string): boolean {
  return url === "/api" || url.startsWith("/api/") || url.startsWith("/api?");
}

/**
 * Sets the security headers on `headers`-capable replies for `url`: the docs get only nosniff (their plugin sets
 * its CSP), the web client {@link APP_CSP}, the API {@link API_CSP}.
 */
export function securityHeadersFor(url: string): Record<string, string> {
  if (isDocs(url)) return { "x-content-type-options": "nosniff" };
  if (!isApi(url)) return { "x-content-type-options": "nosniff", "content-security-policy": APP_CSP };
  return { ...SECURITY_HEADERS };
}

/**
 * onRequest hook (registered first): the headers go on the reply before anything can answer, so
 * errors, 404s and hijacked downloads (which copy the reply's headers) carry them too.
 */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook("onRequest", async (request, reply) => {
    reply.headers(securityHeadersFor(request.url));
  });
}
