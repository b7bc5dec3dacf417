import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { ConnectorStore } from "./connector-store.js";
import { ConnectorAuditStore } from "./connector-audit-store.js";
import { FileStateStore } from "./file-state-store.js";
import { IdentityMappingStore } from "./identity-mapping-store.js";
import { SyncCursorStore } from "./sync-cursor-store.js";
import { SyncJobStore } from "./sync-job-store.js";
import { RunWorkspace } from "./run-workspace-store.js";
import { ClusterLeaseStore } from "./cluster-lease-store.js";

/** The sync area's stores over one database handle. */
export interface SyncStores {
  connectors: ConnectorStore;
  connectorAudit: ConnectorAuditStore;
  identityMappings: IdentityMappingStore;
  jobs: SyncJobStore;
  fileStates: FileStateStore;
  cursors: SyncCursorStore;
  /** Named leases shared by the nodes of a cluster (the scheduler's leader election). */
  leases: ClusterLeaseStore;
  /**
   * The working set of run `runId` (its job id); keys are paths, lower-cased when the remote is
   * case-insensitive. The caller clears it when the run ends.
   */
  runWorkspace(runId: string, caseInsensitive: boolean): RunWorkspace;
  /** Removes working sets of runs whose job is over (left by a process that died mid-run). */
  sweepRunWorkspaces(): Promise<void>;
}

export function createSyncStores(db: Kysely<Database>): SyncStores {
  return {
    connectors: new ConnectorStore(db),
    connectorAudit: new ConnectorAuditStore(db),
    identityMappings: new IdentityMappingStore(db),
    jobs: new SyncJobStore(db),
    fileStates: new FileStateStore(db),
    cursors: new SyncCursorStore(db),
    leases: new ClusterLeaseStore(db),
    runWorkspace: (runId, caseInsensitive) =>
      new RunWorkspace(db, runId, caseInsensitive ? (p) => p.toLowerCase() : (p) => p),
    sweepRunWorkspaces: () => RunWorkspace.sweep(db),
  };
}
