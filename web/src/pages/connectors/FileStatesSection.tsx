import { useState } from "react";
import { Badge, Loader, Stack, Table, Text, TextInput, Title, Tooltip } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconSearch } from "@tabler/icons-react";
import { useFileStates, type FileState } from "../../api/connector-actions";
import type { ConnectorType } from "../../api/connectors";
import { ErrorNotice } from "../../components/ErrorNotice";
import { ShowMoreButton } from "../../components/ShowMoreButton";
import { formatBytes, formatDate } from "../../format";
import { TYPE_LABELS } from "./labels";

/**
 * What the connection tracks, path by path (managers only, as the API): search by path (the server filters, so a
 * connection with a million files answers as fast), 100 at a time.
 */
export function FileStatesSection({ type, connectorId }: { type: ConnectorType; connectorId: string }) {
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const states = useFileStates(type, connectorId, debounced);
  const rows = states.data?.pages.flatMap((p) => p.file_states) ?? [];
  const remote = TYPE_LABELS[type];

  return (
    <section aria-labelledby="file-states-heading">
      <Stack gap="sm">
        <Title order={2} size="h3" id="file-states-heading">
          File states
        </Title>
        <TextInput
          label="Search paths"
          placeholder="Part of a path, e.g. reports/2026"
          leftSection={<IconSearch size={16} aria-hidden />}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          maw={420}
        />
        {states.isPending && <Loader size="sm" aria-label="Loading the file states" />}
        {states.isError && <ErrorNotice error={states.error} />}
        {states.data && rows.length === 0 && (
          <Text size="sm" c="dimmed">
            {debounced
              ? `No tracked path contains “${debounced}”.`
              : "Nothing tracked yet: the first run records every file it syncs."}
          </Text>
        )}
        {rows.length > 0 && (
          <Table.ScrollContainer minWidth={1150} mah={520}>
            <Table aria-label="File states" verticalSpacing={6} stickyHeader>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Path</Table.Th>
                  <Table.Th>Kind</Table.Th>
                  <Table.Th>Last sync</Table.Th>
                  <Table.Th>Last error / note</Table.Th>
                  <Table.Th>{remote}</Table.Th>
                  <Table.Th>ScaiDrive</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((s) => (
                  <FileStateRow key={s.path} state={s} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        <ShowMoreButton
          hasMore={!!states.hasNextPage}
          loading={states.isFetchingNextPage}
          onClick={() => void states.fetchNextPage()}
        />
      </Stack>
    </section>
  );
}

/** A fingerprint or hash is long: its start is enough to compare by eye; the whole value is in the title. */
function Short({ value }: { value: string | null }) {
  if (!value)
    return (
      <Text span size="xs" c="dimmed">
        —
      </Text>
    );
  return (
    <Tooltip label={value} withinPortal>
      <Text span size="xs" ff="monospace" title={value}>
        {value.length > 16 ? `${value.slice(0, 16)}…` : value}
      </Text>
    </Tooltip>
  );
}

function FileStateRow({ state: s }: { state: FileState }) {
  return (
    <Table.Tr>
      <Table.Td miw={240}>
        <Text span size="sm" ff="monospace" style={{ overflowWrap: "anywhere" }}>
          {s.path}
        </Text>
      </Table.Td>
      <Table.Td>{s.kind === "folder" ? "Folder" : "File"}</Table.Td>
      <Table.Td style={{ whiteSpace: "nowrap" }}>
        {s.last_synced_at ? (
          formatDate(s.last_synced_at)
        ) : (
          <Text span size="sm" c="dimmed">
            Never
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {s.last_error && (
          <Text size="sm" c="red.8">
            {s.last_error.message} ({s.last_error.code})
          </Text>
        )}
        {s.note && (
          <Badge variant="light" color="gray" style={{ textTransform: "none" }} title={s.note.message}>
            {s.note.code.replace(/_/g, " ")}
          </Badge>
        )}
      </Table.Td>
      <Table.Td>
        <Stack gap={0}>
          <Short value={s.remote.fingerprint} />
          {s.kind === "file" && (
            <Text size="xs" c="dimmed" style={{ whiteSpace: "nowrap" }}>
              {s.remote.size !== null ? formatBytes(s.remote.size) : ""}
              {s.remote.modified_at ? ` · ${formatDate(s.remote.modified_at)}` : ""}
            </Text>
          )}
        </Stack>
      </Table.Td>
      <Table.Td>
        <Stack gap={0}>
          <Short value={s.scaidrive.sha256} />
          {s.scaidrive.version_id && (
            <Text size="xs" c="dimmed" ff="monospace">
              {s.scaidrive.version_id}
            </Text>
          )}
        </Stack>
      </Table.Td>
    </Table.Tr>
  );
}
