import { useState } from "react";
import { Badge, Group, Loader, Select, Stack, Switch, Table, Text } from "@mantine/core";
import { useJobLogPages } from "../../api/connector-actions";
import { type ConnectorType, type Job } from "../../api/connectors";
import { AppDialog } from "../../components/AppDialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { ShowMoreButton } from "../../components/ShowMoreButton";
import { formatBytes, formatDate } from "../../format";
import { jobCounts, JobStatusBadge } from "./labels";

/** One job's per-file log in a dialog. */
export function JobLogDialog({
  type,
  connectorId,
  job,
  onClose,
}: {
  type: ConnectorType;
  connectorId: string;
  job: Job | null;
  onClose: () => void;
}) {
  return (
    <AppDialog
      opened={job !== null}
      onClose={onClose}
      size="xl"
      title={job ? `Job of ${formatDate(job.started_at ?? job.created_at)}` : "Job"}
    >
      {job && <JobLog type={type} connectorId={connectorId} job={job} />}
    </AppDialog>
  );
}

const RESULT_COLORS: Record<string, string> = {
  ok: "teal",
  error: "red",
  warning: "grape",
  skipped: "gray",
  planned: "blue",
};

/** The actions a job logs, for the filter (a sync's, then a push's or pull's). */
const ACTIONS = [
  "copy",
  "delete",
  "move",
  "mkdir",
  "conflict",
  "push",
  "pull",
  "delete_source",
  "scan",
  "check",
  "adopt",
  "forget",
  "untrack",
  "out_of_scope",
  "error",
] as const;

const ACTION_OPTIONS = [
  { value: "all", label: "All actions" },
  ...ACTIONS.map((a) => ({ value: a, label: a.replace(/_/g, " ") })),
];

/**
 * The log page by page with the API's cursor ("Show more"). "Errors only" and the action filter are applied by the
 * server, so the first page of a 100,000-entry job already holds the matching entries.
 */
function JobLog({ type, connectorId, job }: { type: ConnectorType; connectorId: string; job: Job }) {
  const [errorsOnly, setErrorsOnly] = useState(false);
  const [action, setAction] = useState("all");
  const log = useJobLogPages(type, connectorId, job.id, {
    results: errorsOnly ? ["error"] : [],
    actions: action === "all" ? [] : [action],
  });
  const detail = log.data?.pages[0] ?? job;
  const shown = log.data?.pages.flatMap((p) => p.entries ?? []) ?? [];
  const managersOnly = log.data && log.data.pages[0]?.entries === undefined;
  const filtered = errorsOnly || action !== "all";

  return (
    <Stack gap="md">
      <Group gap="sm">
        <JobStatusBadge status={detail.status} />
        <Text size="sm" c="dimmed">
          {jobCounts(detail, formatBytes)}
        </Text>
      </Group>
      {detail.error && <ErrorNotice title={detail.error.code} error={detail.error.message} />}
      {!managersOnly && (
        <Group gap="lg" align="flex-end">
          <Switch label="Errors only" checked={errorsOnly} onChange={(e) => setErrorsOnly(e.currentTarget.checked)} />
          <Select
            label="Action"
            data={ACTION_OPTIONS}
            value={action}
            onChange={(v) => setAction(v ?? "all")}
            allowDeselect={false}
            w={200}
            size="sm"
          />
        </Group>
      )}
      {log.isPending && <Loader aria-label="Loading the job log" />}
      {log.isError && <ErrorNotice error={log.error} />}
      {managersOnly && (
        <Text size="sm" c="dimmed">
          The per-file log is shown to people who manage permissions on the target share.
        </Text>
      )}
      {log.data && !managersOnly && shown.length === 0 && (
        <Text size="sm" c="dimmed">
          {filtered ? "No entries match these filters." : "Nothing was copied, moved or deleted."}
        </Text>
      )}
      {shown.length > 0 && (
        <Table.ScrollContainer minWidth={700} mah={480}>
          <Table aria-label="Job log" verticalSpacing={6} stickyHeader>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Time</Table.Th>
                <Table.Th>Action</Table.Th>
                <Table.Th>Path</Table.Th>
                <Table.Th>Result</Table.Th>
                <Table.Th>Size</Table.Th>
                <Table.Th>Detail</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shown.map((e) => (
                <Table.Tr key={e.seq}>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>{new Date(e.at).toLocaleTimeString()}</Table.Td>
                  <Table.Td>{e.action.replace(/_/g, " ")}</Table.Td>
                  <Table.Td>
                    <Text span size="sm" ff="monospace" style={{ overflowWrap: "anywhere" }}>
                      {e.path}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={RESULT_COLORS[e.result] ?? "gray"}>
                      {e.result}
                    </Badge>
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>{e.bytes ? formatBytes(e.bytes) : ""}</Table.Td>
                  <Table.Td>
                    {e.error ? (
                      <Text size="sm" c="red.8">
                        {e.error.message}
                      </Text>
                    ) : (
                      <Text size="sm" c="dimmed">
                        {e.detail ?? ""}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <ShowMoreButton
        hasMore={!!log.hasNextPage}
        loading={log.isFetchingNextPage}
        onClick={() => void log.fetchNextPage()}
      />
    </Stack>
  );
}
