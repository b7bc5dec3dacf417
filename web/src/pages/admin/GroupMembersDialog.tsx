import { useState } from "react";
import { Alert, Button, Group as Row, Loader, Stack, Table, Text, VisuallyHidden } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { errorText } from "../../api/error-text";
import { apiRequest } from "../../api/http";
import type { Group, User } from "../../api/types";
import { AppDialog } from "../../components/AppDialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { useUser } from "../../components/UserName";
import { UserPicker } from "../../components/UserPicker";
import { ADMIN_KEY } from "../../api/admin";

const groupKey = (id: string) => [...ADMIN_KEY, "group", id] as const;

/** A group's members: add one through the user picker, remove one per row. */
export function GroupMembersDialog({ groupId, onClose }: { groupId: string | null; onClose: () => void }) {
  const group = useQuery({
    queryKey: groupKey(groupId ?? ""),
    queryFn: () => apiRequest<Group>(`/groups/${encodeURIComponent(groupId!)}`),
    enabled: groupId !== null,
  });
  return (
    <AppDialog
      opened={groupId !== null}
      onClose={onClose}
      title={group.data ? `Members of ${group.data.name}` : "Members"}
      size="lg"
    >
      {group.isPending && <Loader aria-label="Loading the group" />}
      {group.isError && <ErrorNotice error={group.error} />}
      {group.data && <MembersBody group={group.data} onClose={onClose} />}
    </AppDialog>
  );
}

function MembersBody({ group, onClose }: { group: Group; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [picked, setPicked] = useState<User | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function change(run: () => Promise<Group>) {
    setBusy(true);
    setError(null);
    try {
      queryClient.setQueryData(groupKey(group.id), await run());
      await queryClient.invalidateQueries({ queryKey: [...ADMIN_KEY, "groups"] });
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function add(event: React.FormEvent) {
    event.preventDefault();
    if (!picked) return;
    const user = picked;
    const ok = await change(() =>
      apiRequest<Group>(`/groups/${encodeURIComponent(group.id)}/members`, {
        method: "POST",
        json: { user_id: user.id },
      }),
    );
    if (ok) {
      queryClient.setQueryData(["user", user.id], user);
      setPicked(null);
    }
  }

  const remove = (userId: string) =>
    change(() =>
      apiRequest<Group>(`/groups/${encodeURIComponent(group.id)}/members/${encodeURIComponent(userId)}`, {
        method: "DELETE",
      }),
    );

  return (
    <Stack>
      <form onSubmit={add} noValidate>
        <Row align="flex-end" gap="sm" wrap="nowrap">
          <div style={{ flex: 1 }}>
            <UserPicker label="Add member" value={picked} onChange={setPicked} exclude={group.member_ids} />
          </div>
          <Button type="submit" loading={busy} disabled={!picked}>
            Add
          </Button>
        </Row>
      </form>
      {error != null && (
        <Alert color="red" role="alert" title="Not changed">
          {errorText(error)}
        </Alert>
      )}
      {group.member_ids.length === 0 ? (
        <Text size="sm" ta="center" py="md">
          No members yet. Find a person above and choose “Add”.
        </Text>
      ) : (
        <Table aria-label="Members" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Email</Table.Th>
              <Table.Th>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {group.member_ids.map((id) => (
              <MemberRow key={id} userId={id} busy={busy} onRemove={() => void remove(id)} />
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Row justify="flex-end">
        <Button variant="default" onClick={onClose}>
          Done
        </Button>
      </Row>
    </Stack>
  );
}

function MemberRow({ userId, busy, onRemove }: { userId: string; busy: boolean; onRemove: () => void }) {
  const user = useUser(userId).data;
  return (
    <Table.Tr>
      <Table.Td fw={500}>{user?.name ?? userId}</Table.Td>
      <Table.Td>{user?.email ?? ""}</Table.Td>
      <Table.Td ta="right">
        <Button
          variant="subtle"
          color="red"
          size="xs"
          disabled={busy}
          aria-label={`Remove ${user?.name ?? userId}`}
          onClick={onRemove}
        >
          Remove
        </Button>
      </Table.Td>
    </Table.Tr>
  );
}
