import { Anchor, Loader, Stack, Table, Text, Title } from "@mantine/core";
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
    <Stack>
      <Title order={1}>Shares</Title>
      {shares.isPending && <Loader aria-label="Loading shares" />}
      {shares.isError && <ErrorNotice error={shares.error} />}
      {shares.data && shares.data.items.length === 0 && (
        <Text>You cannot read any share yet. An administrator can create one or give you access.</Text>
      )}
      {shares.data && shares.data.items.length > 0 && (
        <Table highlightOnHover aria-label="Shares">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Description</Table.Th>
              <Table.Th>Created</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shares.data.items.map((share) => (
              <Table.Tr key={share.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/files/${share.id}`} fw={500}>
                    {share.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>{share.description ?? ""}</Table.Td>
                <Table.Td>{formatDate(share.created_at)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
