/**
 * Requests served, per `METHOD route-template` (e.g. `GET /drives/{drive-id}/root/delta`,
 * `POST /{tenant}/oauth2/v2.0/token`), including requests answered by an injected fault.
 */
export class RequestCounters {
  private counts = new Map<string, number>();

  record(method: string, route: string): void {
    const key = `${method} ${route}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  reset(): void {
    this.counts.clear();
  }
}
