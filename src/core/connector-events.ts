/**
 * Live events about connectors and their jobs (the `GET /api/v1/events` stream): job progress, job
 * state changes and connector state changes. Producers (the job runner, the connector store's
 * status changes) publish; subscribers (one per open event stream) filter by visibility.
 *
 * Producers and streams only see the small {@link ConnectorEventBus} interface. With SQLite (one
 * process) the bus is {@link InProcessConnectorEventBus}; with PostgreSQL several nodes may serve one
 * installation, and {@link ClusterConnectorEventBus} (cluster-event-bus.ts) carries every event to
 * every node over PostgreSQL NOTIFY, so a stream sees the jobs of whichever node runs them.
 */

/** Counters of a job as the job runner knows them while it runs (see JobLog). */
export interface JobProgressCounters {
  files_total: number;
  bytes_total: number;
  files_done: number;
  bytes_done: number;
  files_scanned: number;
  files_synced: number;
  bytes_transferred: number;
  error_count: number;
}

interface ConnectorRef {
  connector_id: string;
  connector_type: string;
}

/** `job.progress`: a running job's counters, at most one per job every 250 ms, plus one at its end. */
export interface JobProgressEvent extends ConnectorRef, JobProgressCounters {
  type: "job.progress";
  job_id: string;
}

/** `job.state`: a job was queued, started running or ended. */
export interface JobStateEvent extends ConnectorRef, JobProgressCounters {
  type: "job.state";
  job_id: string;
  status: "queued" | "running" | "completed" | "failed" | "cancelled";
  trigger: string;
  error: { code: string; message: string } | null;
}

/** `connector.state`: a connector was enabled or disabled (by an administrator or an auth failure). */
export interface ConnectorStateEvent extends ConnectorRef {
  type: "connector.state";
  status: "enabled" | "disabled";
  status_reason: string | null;
  /** True when an authentication failure disabled it (a save or sign-in re-enables it). */
  auth_failed: boolean;
}

export type ConnectorEvent = JobProgressEvent | JobStateEvent | ConnectorStateEvent;

/**
 * An event as delivered: with the bus's id (increasing within the process), the SSE `id:`, and the
 * time it was published (on the node that published it).
 */
export type DeliveredEvent = ConnectorEvent & { id: number; at: string };

export type ConnectorEventListener = (event: DeliveredEvent) => void;

/** What producers and subscribers see of the bus (see the module comment on multi-node). */
export interface ConnectorEventBus {
  publish(event: ConnectorEvent): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: ConnectorEventListener): () => void;
  /** Subscribers now (tests prove streams clean up after themselves). */
  listenerCount(): number;
}

/** The single-process bus: synchronous fan-out; a throwing listener never reaches the publisher. */
export class InProcessConnectorEventBus implements ConnectorEventBus {
  private readonly listeners = new Set<ConnectorEventListener>();
  private seq = 0;

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  publish(event: ConnectorEvent): void {
    this.deliver(event, new Date().toISOString());
  }

  /** Fans out an event published at `at` (here, or on another node for a relaying bus). */
  deliver(event: ConnectorEvent, at: string): void {
    const delivered: DeliveredEvent = { ...event, id: ++this.seq, at };
    for (const l of [...this.listeners]) {
      try {
        l(delivered);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  subscribe(listener: ConnectorEventListener): () => void {
    // A wrapper per call, so subscribing the same function twice gives two independent subscriptions.
    const own: ConnectorEventListener = (e) => listener(e);
    this.listeners.add(own);
    return () => void this.listeners.delete(own);
  }

  listenerCount(): number {
    return this.listeners.size;
  }
}
