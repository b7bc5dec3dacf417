import { useState } from "react";
import { Anchor, Button, Group, Loader, Select, Stack, Table, Text, Title } from "@mantine/core";
import { IconPlugConnected, IconPlus } from "@tabler/icons-react";
import { Link, useSearchParams } from "react-router";
import {
  connectorState,
  useConnectorList,
  useShareNames,
  type ConnectorRow,
  type ConnectorState,
} from "../../api/connectors";
import { useConnectorEvents } from "../../api/use-connector-events";
import { useConnectorPermissions } from "../../api/connector-edit";
import { ErrorNotice } from "../../components/ErrorNotice";
import { ListEmptyState } from "../../components/ListEmptyState";
import { formatBytes, formatDate } from "../../format";
import { AuthFailureNotices } from "./AuthFailureNotices";
import { ConnectionDialog } from "./form/ConnectionDialog";
import {
  directionLabel,
  jobCounts,
  JobStatusBadge,
  remoteLabel,
  scheduleLabel,
  StateBadge,
  STATE_LABELS,
  TYPE_LABELS,
} from "./labels";
import { NextRun } from "./next-run";

const TYPE_FILTER = [
  { value: "all", label: "All types" },
  { value: "smb", label: "SMB" },
  { value: "sharepoint", label: "SharePoint" },
];
const STATE_FILTER = [
  { value: "all", label: "All states" },
  ...(Object.keys(STATE_LABELS) as ConnectorState[]).map((value) => ({ value, label: STATE_LABELS[value] })),
];

/**
 * Connections: the SMB and SharePoint connectors whose target share the caller can read, one table with each one's
 * state and last run. The type and state filters are kept in the address (`?type=smb&state=disabled`).
 */
export function Component() {
  const [params, setParams] = useSearchParams();
  const type = params.get("type") ?? "all";
  const state = params.get("state") ?? "all";
  const list = useConnectorList(useConnectorEvents());
  const shares = useShareNames();
  const canCreate = useConnectorPermissions().data?.can_create === true;
  const [adding, setAdding] = useState(false);

  function setFilter(key: string, value: string | null) {
    const next = new URLSearchParams(params);
    if (value && value !== "all") next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  }

  const rows = (list.data ?? []).filter(
    (c) => (type === "all" || c.type === type) && (state === "all" || connectorState(c) === state),
  );
  const filtered = type !== "all" || state !== "all";

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
        <Stack gap={4}>
          <Title order={1}>Connections</Title>
          <Text size="sm" c="dimmed">
            File servers and SharePoint libraries kept in step with a folder in ScaiDrive.
          </Text>
        </Stack>
        {canCreate && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)}>
            Add connection
          </Button>
        )}
      </Group>
      <ConnectionDialog opened={adding} onClose={() => setAdding(false)} />
      <Group gap="md" align="flex-end">
        <Select
          label="Type"
          data={TYPE_FILTER}
          value={type}
          onChange={(v) => setFilter("type", v)}
          allowDeselect={false}
          w={180}
        />
        <Select
          label="State"
          data={STATE_FILTER}
          value={state}
          onChange={(v) => setFilter("state", v)}
          allowDeselect={false}
          w={320}
        />
      </Group>
      {list.isPending && <Loader aria-label="Loading connections" />}
      {list.isError && <ErrorNotice error={list.error} />}
      {list.data && <AuthFailureNotices rows={list.data} />}
      {list.data && rows.length === 0 && (
        <ListEmptyState
          icon={<IconPlugConnected size={24} />}
          title={filtered ? "No connections match" : "No connections yet"}
          description={
            filtered
              ? "Choose another type or state to see the others."
              : "A connection keeps a Windows file share (SMB) or a SharePoint document library in step with a " +
                "folder in ScaiDrive, on a schedule or when you run it." +
                (canCreate ? " Add one to get started." : " An administrator sets them up.")
          }
        />
      )}
      {rows.length > 0 && (
        <Table.ScrollContainer minWidth={1200}>
          <Table aria-label="Connections" verticalSpacing="sm" highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>Remote</Table.Th>
                <Table.Th>Target</Table.Th>
                <Table.Th>Direction</Table.Th>
                <Table.Th>Schedule</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th style={{ whiteSpace: "nowrap" }}>Last run</Table.Th>
                <Table.Th style={{ whiteSpace: "nowrap" }}>Next run</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((c) => (
                <ConnectorTableRow key={c.id} c={c} shareName={shares.data?.get(c.target_share_id)} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

function ConnectorTableRow({ c, shareName }: { c: ConnectorRow; shareName: string | undefined }) {
  const remote = remoteLabel(c);
  const job = c.lastJob;
  return (
    <Table.Tr>
      <Table.Td>
        <Anchor component={Link} to={`/connectors/${c.type}/${encodeURIComponent(c.id)}`} fw={500}>
          {c.name}
        </Anchor>
      </Table.Td>
      <Table.Td>{TYPE_LABELS[c.type]}</Table.Td>
      <Table.Td>
        {remote ? (
          <Text span size="sm" ff="monospace">
            {remote}
          </Text>
        ) : (
          <Text span size="sm" c="dimmed">
            Hidden
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Text span size="sm">
          {shareName ?? c.target_share_id}
          {c.target_path && c.target_path !== "/" ? c.target_path : ""}
        </Text>
      </Table.Td>
      <Table.Td style={{ whiteSpace: "nowrap" }}>{directionLabel(c)}</Table.Td>
      <Table.Td style={{ whiteSpace: "nowrap" }}>{scheduleLabel(c.sync_interval_minutes)}</Table.Td>
      <Table.Td>
        <StateBadge connector={c} />
      </Table.Td>
      <Table.Td>
        {job ? (
          <Stack gap={2}>
            <Group gap="xs" wrap="nowrap">
              <JobStatusBadge status={job.status} />
              <Text span size="xs" c="dimmed" style={{ whiteSpace: "nowrap" }}>
                {formatDate(job.finished_at ?? job.started_at ?? job.created_at)}
              </Text>
            </Group>
            <Text span size="xs" c="dimmed">
              {jobCounts(job, formatBytes)}
            </Text>
          </Stack>
        ) : (
          <Text span size="sm" c="dimmed" style={{ whiteSpace: "nowrap" }}>
            Never run
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <NextRun connector={c} />
      </Table.Td>
    </Table.Tr>
  );
}
