import { useState } from "react";
import { Badge, Button, Group, SegmentedControl, Stack, Table, Text, TextInput, VisuallyHidden } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconBellCheck } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { usePagedList, type Alert } from "../../api/admin";
import { ALERTS_KEY } from "../../api/alerts";
import { apiRequest } from "../../api/http";
import { ErrorNotice } from "../../components/ErrorNotice";
import { ListStatus } from "../../components/ListStatus";
import { ListEmptyState } from "../../components/ListEmptyState";
import { SectionHeader } from "../../components/SectionHeader";
import { ShowMoreButton } from "../../components/ShowMoreButton";
import { formatDate } from "../../format";

/** What an alert kind means in words; unknown kinds show as they are. */
const KIND_LABELS: Record<string, string> = {
  connector_auth_failed: "Connector credentials refused",
};

/**
 * Alerts: things an administrator must act on (GET /alerts, newest first; `?show=all` and `?connector=` in the
 * address are the API's `open` and `connector_id` filters). Features resolve their alerts when the cause is fixed;
 * "Resolve" marks one done by hand.
 */
export function Component() {
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const show = params.get("show") === "all" ? "all" : "open";
  const [connector, setConnector] = useState(params.get("connector") ?? "");
  const [connectorId] = useDebouncedValue(connector.trim(), 300);
  const alerts = usePagedList<Alert>(ALERTS_KEY, "/alerts", {
    open: show === "open" ? true : undefined,
    connector_id: connectorId || undefined,
  });
  const resolve = useMutation({
    mutationFn: (alert: Alert) =>
      apiRequest<Alert>(`/alerts/${encodeURIComponent(alert.id)}/resolve`, { method: "POST" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ALERTS_KEY }),
  });

  function setFilter(key: string, value: string | null) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  }

  return (
    <Stack gap="md">
      <SectionHeader
        title="Alerts"
        description="Problems ScaiDrive cannot fix alone, such as a connector whose credentials stopped working."
      />
      <Group gap="md" align="flex-end">
        <Stack gap={4}>
          <Text size="sm" fw={500} id="alerts-show-label">
            Show
          </Text>
          <SegmentedControl
            aria-labelledby="alerts-show-label"
            value={show}
            onChange={(v) => setFilter("show", v === "all" ? "all" : null)}
            data={[
              { value: "open", label: "Open" },
              { value: "all", label: "All" },
            ]}
          />
        </Stack>
        <TextInput
          label="Connector ID"
          placeholder="cnn_…"
          w={280}
          value={connector}
          onChange={(e) => {
            setConnector(e.currentTarget.value);
            setFilter("connector", e.currentTarget.value.trim() || null);
          }}
        />
      </Group>
      {resolve.isError && <ErrorNotice error={resolve.error} title="The alert was not resolved" />}
      <ListStatus
        list={alerts}
        loadingLabel="Loading alerts"
        empty={
          <ListEmptyState
            icon={<IconBellCheck size={24} />}
            title={show === "open" ? "No open alerts" : "No alerts"}
            description={
              show === "open"
                ? "Nothing needs your attention. Choose “All” to see resolved alerts."
                : "Nothing has gone wrong yet."
            }
          />
        }
      />
      {alerts.items && alerts.items.length > 0 && (
        <Table.ScrollContainer minWidth={760}>
          <Table aria-label="Alerts" verticalSpacing="sm" highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Raised</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Message</Table.Th>
                <Table.Th>Connector</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {alerts.items.map((alert) => (
                <Table.Tr key={alert.id}>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>{formatDate(alert.created_at)}</Table.Td>
                  <Table.Td>{KIND_LABELS[alert.kind] ?? alert.kind}</Table.Td>
                  <Table.Td>{alert.message}</Table.Td>
                  <Table.Td>
                    <Text span size="sm" ff="monospace">
                      {alert.connector_id ?? "—"}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {alert.resolved_at ? (
                      <Badge
                        variant="light"
                        color="gray"
                        miw="max-content"
                        title={`Resolved ${formatDate(alert.resolved_at)}`}
                      >
                        Resolved
                      </Badge>
                    ) : (
                      <Badge variant="light" color="red" miw="max-content">
                        Open
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td ta="right">
                    {!alert.resolved_at && (
                      <Button
                        variant="default"
                        size="xs"
                        aria-label={`Resolve: ${alert.message}`}
                        loading={resolve.isPending && resolve.variables?.id === alert.id}
                        onClick={() => resolve.mutate(alert)}
                      >
                        Resolve
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <ShowMoreButton
        hasMore={!!alerts.hasNextPage}
        loading={alerts.isFetchingNextPage}
        onClick={() => void alerts.fetchNextPage()}
      />
    </Stack>
  );
}
