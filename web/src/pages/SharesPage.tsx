import { Anchor, EmptyState, Group, Loader, Paper, Stack, Table, Text, ThemeIcon, Title } from "@mantine/core";
import { IconFolders } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { apiRequest } from "../api/http";
import type { Page, Share } from "../api/types";
import { ErrorNotice } from "../components/ErrorNotice";
import { formatDate } from "../format";

/** The shares the signed-in user can read; each opens its folder view. */
export function Component() {
  const shares = useQuery({
    queryKey: ["shares"],
    queryFn: () => apiRequest<Page<Share>>("/shares", { query: { limit: 1000 } }),
  });

  return (
    <Stack gap="md">
      <div>
        <Title order={1} size="h2">
          Shares
        </Title>
        <Text size="sm" c="dimmed">
          Each share has its own folders, versions and permissions.
        </Text>
      </div>
      {shares.isPending && <Loader aria-label="Loading shares" />}
      {shares.isError && <ErrorNotice error={shares.error} />}
      {shares.data && shares.data.items.length === 0 && (
        <Paper withBorder radius="md" p="xl">
          <EmptyState
            icon={<IconFolders size={36} stroke={1.4} />}
            withIndicatorBackground
            title="No shares yet"
            description="You cannot open any share yet. An administrator can create one or give you access to one."
          />
        </Paper>
      )}
      {shares.data && shares.data.items.length > 0 && (
        <Paper withBorder radius="md" style={{ overflow: "hidden" }}>
          <Table highlightOnHover aria-label="Shares" verticalSpacing="sm" horizontalSpacing="md">
            <Table.Thead bg="gray.0">
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th w={220}>Created</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shares.data.items.map((share) => (
                <Table.Tr key={share.id}>
                  <Table.Td>
                    <Group gap="sm" wrap="nowrap">
                      <ThemeIcon variant="light" color="yellow" size={36} radius="md" aria-hidden="true">
                        <IconFolders size={20} />
                      </ThemeIcon>
                      <div>
                        <Anchor component={Link} to={`/files/${share.id}`} fw={600} c="dark.7">
                          {share.name}
                        </Anchor>
                        {share.description && (
                          <Text size="sm" c="dimmed" lineClamp={1}>
                            {share.description}
                          </Text>
                        )}
                      </div>
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c="dimmed">
                      {formatDate(share.created_at)}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
    </Stack>
  );
}
