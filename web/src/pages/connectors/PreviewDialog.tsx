import { useEffect, useState } from "react";
import { Alert, Button, Group, Loader, Stack, Table, Text } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { dryRun, runSync, useJobLogPages, type DryRun, type PlanItem } from "../../api/connector-actions";
import { connectorKeys, type ConnectorType } from "../../api/connectors";
import { ApiError } from "../../api/http";
import { AppDialog } from "../../components/AppDialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { ShowMoreButton } from "../../components/ShowMoreButton";
import { TYPE_LABELS } from "./labels";

/** Preview (a dry run) of a connection's next sync: counts, the planned actions, and "Run this". */
export function PreviewDialog({
  type,
  connectorId,
  opening,
  onClose,
}: {
  type: ConnectorType;
  connectorId: string;
  /** Non-zero while open; a new number for each opening. */
  opening: number;
  onClose: () => void;
}) {
  return (
    <AppDialog opened={opening !== 0} onClose={onClose} size="xl" title="Preview of the next run">
      <Preview type={type} connectorId={connectorId} opening={opening} onClose={onClose} />
    </AppDialog>
  );
}

const PAGE = 100;

function Preview({
  type,
  connectorId,
  opening,
  onClose,
}: {
  type: ConnectorType;
  connectorId: string;
  opening: number;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const [force, setForce] = useState(false);
  // A query rather than a mutation so the dry run starts once per opening (React's development double mount would
  // otherwise send a second one, refused while the first runs); `opening` makes each opening plan afresh.
  const preview = useQuery({
    // Outside connectorKeys.all: the page invalidates those on live events, which must not plan again.
    queryKey: ["connector-preview", type, connectorId, opening, force],
    queryFn: () => dryRun(type, connectorId, force),
    // Closing renders the body once more (the exit transition) with opening 0: nothing to plan then.
    enabled: opening !== 0,
    retry: false,
    staleTime: Infinity,
    gcTime: 0,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
  });
  const run = useMutation({
    mutationFn: () => runSync(type, connectorId, force),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: connectorKeys.all });
      onClose();
    },
  });
  // The dry run is a job too: it shows in the jobs table once it has planned.
  const { isSuccess, isError } = preview;
  useEffect(() => {
    if (isSuccess || isError) void queryClient.invalidateQueries({ queryKey: connectorKeys.jobs(type, connectorId) });
  }, [isSuccess, isError, queryClient, type, connectorId]);

  const safetyStop = preview.error instanceof ApiError && preview.error.code === "SYNC_SAFETY_ABORT";
  const remote = TYPE_LABELS[type];

  return (
    <Stack gap="md">
      {preview.isPending && (
        <Group gap="sm">
          <Loader size="sm" aria-label="Planning" />
          <Text size="sm">Listing both sides and planning the run; nothing is changed…</Text>
        </Group>
      )}
      {preview.isError && (
        <ErrorNotice
          title={safetyStop ? "The run would stop at the deletion safety limit" : "The preview could not plan"}
          error={preview.error}
        />
      )}
      {safetyStop && !force && (
        <Group gap="sm">
          <Text size="sm">
            The plan deletes more than the connection allows. You can see it anyway; running it then overrides the
            safety stop.
          </Text>
          <Button variant="default" color="red" c="red" onClick={() => setForce(true)}>
            Preview anyway
          </Button>
        </Group>
      )}
      {preview.isSuccess && <PlanView type={type} connectorId={connectorId} result={preview.data} remote={remote} />}
      {force && preview.isSuccess && (
        <Alert color="orange" title="Past the safety stop">
          Run this overrides the deletion safety limit for this run.
        </Alert>
      )}
      {run.isError && <ErrorNotice title="The run did not start" error={run.error} />}
      <Group justify="space-between" gap="sm" wrap="wrap">
        <Text size="xs" c="dimmed" maw={520}>
          Run this starts a real run, which lists both sides again and plans anew: what changed since this preview is
          included.
        </Text>
        <Group gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            onClick={() => run.mutate()}
            loading={run.isPending}
            disabled={!preview.isSuccess}
            color={force ? "red" : undefined}
          >
            Run this
          </Button>
        </Group>
      </Group>
    </Stack>
  );
}

interface Counted {
  label: string;
  count: number;
}

/** Counts of what the plan does, each way; "Other" gathers folder creations, adoptions and bookkeeping. */
export function planCounts(plan: readonly PlanItem[], remote: string): Counted[] {
  const n = (f: (p: PlanItem) => boolean) => plan.filter(f).length;
  const main: Counted[] = [
    { label: `Copies ${remote} → ScaiDrive`, count: n((p) => p.action === "copy" && p.from === "remote") },
    { label: `Copies ScaiDrive → ${remote}`, count: n((p) => p.action === "copy" && p.from === "scaidrive") },
    { label: "Deletes in ScaiDrive", count: n((p) => p.action === "delete" && p.side === "scaidrive") },
    { label: `Deletes on ${remote}`, count: n((p) => p.action === "delete" && p.side === "remote") },
    { label: "Moves", count: n((p) => p.action === "move") },
    { label: "Conflicts", count: n((p) => p.action === "conflict") },
  ];
  const errors = n((p) => p.action === "error");
  const other = plan.length - main.reduce((s, c) => s + c.count, 0) - errors;
  if (errors) main.push({ label: "Errors", count: errors });
  if (other) main.push({ label: "Other (folders, bookkeeping)", count: other });
  return main;
}

/** Where an action happens, in words. */
function whereLabel(p: PlanItem, remote: string): string {
  const sideName = (s?: string) => (s === "remote" ? remote : s === "scaidrive" ? "ScaiDrive" : "");
  if (p.action === "copy") return `${sideName(p.from)} → ${sideName(p.to)}`;
  if (p.side) return p.side === "remote" ? `on ${remote}` : "in ScaiDrive";
  return "";
}

function detailLabel(p: PlanItem): string {
  if (p.action === "move" && p.from) return `from ${p.from}${p.detail ? ` (${p.detail})` : ""}`;
  return p.detail ?? "";
}

function PlanView({
  type,
  connectorId,
  result,
  remote,
}: {
  type: ConnectorType;
  connectorId: string;
  result: DryRun;
  remote: string;
}) {
  const [shown, setShown] = useState(PAGE);
  const plan = result.plan;
  const complete = result.files_total <= plan.length;
  const counts = planCounts(plan, remote);

  if (plan.length === 0)
    return (
      <Alert color="teal" title="Nothing to do">
        Both sides are in step: the run would copy, move or delete nothing.
      </Alert>
    );
  return (
    <Stack gap="md">
      <Table aria-label="Plan summary" withTableBorder maw={460} verticalSpacing={4}>
        <Table.Tbody>
          {counts.map((c) => (
            <Table.Tr key={c.label}>
              <Table.Th scope="row" fw={500}>
                {c.label}
              </Table.Th>
              <Table.Td ta="right" style={{ fontVariantNumeric: "tabular-nums" }}>
                {c.count.toLocaleString()}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {!complete && (
        <Text size="sm" c="dimmed">
          The plan has {result.files_total.toLocaleString()} actions; the counts above are of the first{" "}
          {plan.length.toLocaleString()}. The table below reads them all from the job&apos;s log.
        </Text>
      )}
      {complete ? (
        <>
          <PlanTable rows={plan.slice(0, shown)} remote={remote} />
          <ShowMoreButton hasMore={shown < plan.length} loading={false} onClick={() => setShown(shown + PAGE)} />
        </>
      ) : (
        <LoggedPlan type={type} connectorId={connectorId} jobId={result.id} remote={remote} />
      )}
    </Stack>
  );
}

/** A plan larger than the answer holds, page by page from the job's log (its `planned` and `error` entries). */
function LoggedPlan({
  type,
  connectorId,
  jobId,
  remote,
}: {
  type: ConnectorType;
  connectorId: string;
  jobId: string;
  remote: string;
}) {
  const log = useJobLogPages(type, connectorId, jobId, { results: ["planned", "error"] }, PAGE);
  const rows: PlanItem[] =
    log.data?.pages.flatMap((p) =>
      (p.entries ?? []).map((e) => ({ action: e.action, path: e.path, detail: e.detail ?? undefined })),
    ) ?? [];
  return (
    <Stack gap="sm">
      {log.isPending && <Loader size="sm" aria-label="Loading the plan" />}
      {log.isError && <ErrorNotice error={log.error} />}
      {rows.length > 0 && <PlanTable rows={rows} remote={remote} />}
      <ShowMoreButton
        hasMore={!!log.hasNextPage}
        loading={log.isFetchingNextPage}
        onClick={() => void log.fetchNextPage()}
      />
    </Stack>
  );
}

const ACTION_COLORS: Record<string, string> = { delete: "red.8", conflict: "orange.8", error: "red.8" };

function PlanTable({ rows, remote }: { rows: PlanItem[]; remote: string }) {
  return (
    <Table.ScrollContainer minWidth={640} mah={400}>
      <Table aria-label="Planned actions" verticalSpacing={6} stickyHeader>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Action</Table.Th>
            <Table.Th>Path</Table.Th>
            <Table.Th>Where</Table.Th>
            <Table.Th>Reason</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((p, i) => (
            <Table.Tr key={`${i}:${p.action}:${p.path}`}>
              <Table.Td c={ACTION_COLORS[p.action]} style={{ whiteSpace: "nowrap" }}>
                {p.action.replace(/_/g, " ")}
              </Table.Td>
              <Table.Td>
                <Text span size="sm" ff="monospace" style={{ overflowWrap: "anywhere" }}>
                  {p.path}
                </Text>
              </Table.Td>
              <Table.Td style={{ whiteSpace: "nowrap" }}>{whereLabel(p, remote)}</Table.Td>
              <Table.Td>
                <Text size="sm" c="dimmed" style={{ overflowWrap: "anywhere" }}>
                  {detailLabel(p)}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
