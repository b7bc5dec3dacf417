/**
 * The connector event bus of a node that shares its database with other nodes: every event
 * published on any node reaches the subscribers (event streams, the cancel relay) of every node,
 * through a {@link MessageRelay} — PostgreSQL NOTIFY (store/events/pg-notify-channel.ts).
 *
 * - **Own events once, at once**: a publish is delivered to this node's subscribers synchronously,
 *   as by the in-process bus, and relayed with this node's id; the relay echoes it back to every
 *   listener, this node included, which skips messages carrying its own id. Local streams thus keep
 *   the in-process order and latency, and still work while the relay is down.
 * - **Others' events**: delivered when they arrive, with the publisher's `at` and this node's next
 *   `id` (ids increase per node, as documented for the stream).
 * - **Size**: a relayed message must fit the relay's limit (NOTIFY: < 8000 bytes). Events are a few
 *   hundred bytes; only free-text fields (`error.message`, `status_reason`) can be long, and they
 *   are cut for the relay (local subscribers get them whole). What still does not fit stays local.
 * - **Volume**: `job.progress` messages carry a coalescing key per job, so when sending falls
 *   behind only the newest unsent sample of a job is kept (the runner already samples at most
 *   one per job every 250 ms).
 * - **Loss**: a relay that drops messages (connection gap, full queue) loses them for other nodes.
 *   Streams do not replay anyway (clients read the current state after a reconnect), and a lost
 *   cancel is still noticed by the job runner's heartbeat.
 *
 * What is relayed is exactly what the stream shows any client allowed to see the connector: ids,
 * counters, states and error texts; never connector configuration or credentials.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import {
  InProcessConnectorEventBus,
  type ConnectorEvent,
  type ConnectorEventBus,
  type ConnectorEventListener,
} from "./connector-events.js";

/** A channel that carries text to every node, the sender included. */
export interface MessageRelay {
  /** Largest message, in UTF-8 bytes. */
  readonly maxMessageBytes: number;
  /** Queues a message; a newer one with the same `coalesceKey` may replace an unsent older one. */
  send(message: string, coalesceKey?: string): boolean;
  onMessage(handler: (message: string) => void): void;
}

/** Free text beyond this is cut before relaying (a job error is a sentence, not a page). */
const MAX_RELAYED_TEXT = 1000;

interface Envelope {
  v: 1;
  node: string;
  at: string;
  event: ConnectorEvent;
}

const EVENT_TYPES: ReadonlySet<string> = new Set(["job.progress", "job.state", "connector.state"]);

function cut(text: string): string {
  return text.length > MAX_RELAYED_TEXT ? `${text.slice(0, MAX_RELAYED_TEXT)}…` : text;
}

/** The event with its free-text fields cut to {@link MAX_RELAYED_TEXT}. */
function shortened(event: ConnectorEvent): ConnectorEvent {
  if (event.type === "job.state" && event.error)
    return { ...event, error: { code: event.error.code, message: cut(event.error.message) } };
  if (event.type === "connector.state" && event.status_reason !== null)
    return { ...event, status_reason: cut(event.status_reason) };
  return event;
}

function parse(message: string): Envelope | undefined {
  let m: unknown;
  try {
    m = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof m !== "object" || m === null) return undefined;
  const e = m as Partial<Envelope>;
  if (e.v !== 1 || typeof e.node !== "string" || typeof e.at !== "string") return undefined;
  const ev = e.event as Partial<ConnectorEvent> | undefined;
  if (typeof ev !== "object" || ev === null || !EVENT_TYPES.has(ev.type as string)) return undefined;
  if (typeof ev.connector_id !== "string" || typeof ev.connector_type !== "string") return undefined;
  return e as Envelope;
}

export interface ClusterConnectorEventBusOptions {
  relay: MessageRelay;
  /** This process's id in relayed messages (default: a random one). */
  nodeId?: string;
  logger: Logger;
  /** Called when a subscriber throws (it never reaches the publisher or the relay). */
  onListenerError?: (err: unknown) => void;
}

export class ClusterConnectorEventBus implements ConnectorEventBus {
  /** This process's id in relayed messages: its own echoes are recognised by it. */
  readonly nodeId: string;
  private readonly local: InProcessConnectorEventBus;
  /** How this node's own messages start (JSON keeps the envelope's key order): echoes skip parsing. */
  private readonly ownPrefix: string;

  constructor(private readonly o: ClusterConnectorEventBusOptions) {
    this.nodeId = o.nodeId ?? randomUUID();
    this.ownPrefix = JSON.stringify({ v: 1, node: this.nodeId }).slice(0, -1);
    this.local = new InProcessConnectorEventBus(o.onListenerError);
    o.relay.onMessage((m) => this.receive(m));
  }

  publish(event: ConnectorEvent): void {
    const at = new Date().toISOString();
    this.local.deliver(event, at);
    const envelope: Envelope = { v: 1, node: this.nodeId, at, event: shortened(event) };
    const text = JSON.stringify(envelope);
    if (Buffer.byteLength(text) > this.o.relay.maxMessageBytes) {
      this.o.logger.warn(
        { type: event.type, connectorId: event.connector_id, bytes: Buffer.byteLength(text) },
        "event too large to reach other nodes; delivered on this node only",
      );
      return;
    }
    this.o.relay.send(text, event.type === "job.progress" ? `job.progress:${event.job_id}` : undefined);
  }

  subscribe(listener: ConnectorEventListener): () => void {
    return this.local.subscribe(listener);
  }

  listenerCount(): number {
    return this.local.listenerCount();
  }

  private receive(message: string): void {
    if (message.startsWith(this.ownPrefix)) return;
    const envelope = parse(message);
    if (!envelope) {
      this.o.logger.warn({ bytes: message.length }, "ignored a malformed event message from another node");
      return;
    }
    if (envelope.node === this.nodeId) return;
    this.local.deliver(envelope.event, envelope.at);
  }
}
