import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export interface DownloadGrant {
  driveId: string;
  itemId: string;
  /** Index into the item's versions. */
  version: number;
  /** Expiry, epoch seconds. */
  exp: number;
}

/**
 * Pre-authenticated download URLs (`@microsoft.graph.downloadUrl`, the 302 target of
 * `/content`): a signed, expiring token naming one item version, so minting one costs nothing
 * and nothing has to be remembered. Like Graph's, they need no Authorization header.
 */
export class DownloadLinks {
  private readonly key = randomBytes(32);

  constructor(
    private readonly baseUrl: () => string,
    private readonly ttlSec = 3600,
  ) {}

  url(grant: Omit<DownloadGrant, "exp">): string {
    const payload = Buffer.from(
      JSON.stringify({ ...grant, exp: Math.floor(Date.now() / 1000) + this.ttlSec }),
    ).toString("base64url");
    return `${this.baseUrl()}/_download/${payload}.${this.sign(payload)}`;
  }

  /** The grant of a token, or undefined when it is forged, malformed or expired. */
  verify(token: string): DownloadGrant | undefined {
    const [payload, sig] = token.split(".");
    if (!payload || !sig) return undefined;
    const want = Buffer.from(this.sign(payload));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
    try {
      const grant = JSON.parse(Buffer.from(payload, "base64url").toString()) as DownloadGrant;
      return grant.exp >= Date.now() / 1000 ? grant : undefined;
    } catch {
      return undefined;
    }
  }

  private sign(payload: string): string {
    return createHmac("sha256", this.key).update(payload).digest("base64url");
  }
}
