/**
 * A `curl -N`-style reader of a Server-Sent Events stream (`GET /api/v1/events`): fetch, then the
 * body's reader, parsing frames as they arrive.
 */
export interface SseEvent {
  type: string;
  id: string;
  data: any;
  /** When the client read it. */
  receivedAt: number;
}

export class EventReader {
  readonly events: SseEvent[] = [];
  raw = "";
  private buffer = "";
  private readonly controller = new AbortController();
  private done: Promise<void> = Promise.resolve();
  status = 0;
  headers = new Headers();
  body: any;

  static async open(url: string, headers: Record<string, string>): Promise<EventReader> {
    const r = new EventReader();
    const res = await fetch(url, { headers, signal: r.controller.signal });
    r.status = res.status;
    r.headers = res.headers;
    if (res.status !== 200) {
      r.body = await res.json();
      return r;
    }
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    r.done = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          r.take(decoder.decode(value, { stream: true }));
        }
      } catch {
        // aborted by close()
      }
    })();
    return r;
  }

  private take(text: string): void {
    this.raw += text;
    this.buffer += text;
    let end: number;
    while ((end = this.buffer.indexOf("\n\n")) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const fields: Record<string, string> = {};
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const i = line.indexOf(": ");
        if (i > 0) fields[line.slice(0, i)] = line.slice(i + 2);
      }
      if (fields.event && fields.data !== undefined)
        this.events.push({ type: fields.event, id: fields.id!, data: JSON.parse(fields.data), receivedAt: Date.now() });
    }
  }

  of(connectorId: string, type?: string): SseEvent[] {
    return this.events.filter((e) => e.data.connector_id === connectorId && (!type || e.type === type));
  }

  async waitFor(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
    const until = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.events)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Resolves when the server has ended the body. */
  ended(): Promise<void> {
    return this.done;
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.done;
  }
}
