import { useState } from "react";
import { ActionIcon, Badge, Button, Menu, Stack, Table, Text, TextInput, VisuallyHidden } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import {
  IconDots,
  IconKey,
  IconLink,
  IconPlus,
  IconSearch,
  IconShield,
  IconShieldOff,
  IconUserCheck,
  IconUserOff,
  IconUsers,
} from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { ADMIN_KEY, usePagedList } from "../../api/admin";
import { apiRequest } from "../../api/http";
import { useSession } from "../../api/session";
import type { User } from "../../api/types";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ListStatus } from "../../components/ListStatus";
import { ListEmptyState } from "../../components/ListEmptyState";
import { SectionHeader } from "../../components/SectionHeader";
import { ShowMoreButton } from "../../components/ShowMoreButton";
import { formatDate } from "../../format";

import { NewUserDialog } from "./NewUserDialog";
import { PasswordLinkDialog } from "./PasswordLinkDialog";
import { SetPasswordDialog } from "./SetPasswordDialog";

const USERS_KEY = [...ADMIN_KEY, "users"] as const;

type RowAction = "set-password" | "link" | "admin" | "disabled";

/** Users: who can sign in, who administers, and the ways to give someone a password. */
export function Component() {
  const queryClient = useQueryClient();
  const me = useSession().data?.user;
  const [search, setSearch] = useState("");
  const [q] = useDebouncedValue(search.trim(), 250);
  const users = usePagedList<User>(USERS_KEY, "/users", { q: q || undefined });
  const [creating, setCreating] = useState(false);
  const [action, setAction] = useState<{ kind: RowAction; user: User } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: USERS_KEY });

  async function patch(user: User, body: { is_admin?: boolean; disabled?: boolean }) {
    await apiRequest<User>(`/users/${encodeURIComponent(user.id)}`, { method: "PATCH", json: body });
    await refresh();
  }

  const target = action?.user;
  const newUser = (
    <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
      New user
    </Button>
  );

  return (
    <Stack gap="md">
      <SectionHeader
        title="Users"
        description="People who can sign in. Disabled users cannot sign in, and their tokens stop working."
        action={newUser}
      />
      <TextInput
        label="Search users"
        placeholder="Name or email"
        leftSection={<IconSearch size={16} />}
        maw={360}
        value={search}
        onChange={(e) => setSearch(e.currentTarget.value)}
      />
      <ListStatus
        list={users}
        loadingLabel="Loading users"
        empty={
          <ListEmptyState
            icon={<IconUsers size={24} />}
            title={q ? "No user matches" : "No users yet"}
            description={q ? `Nobody's name or email contains “${q}”.` : "Create a user with “New user”."}
          />
        }
      />
      {users.items && users.items.length > 0 && (
        <Table.ScrollContainer minWidth={760}>
          <Table aria-label="Users" verticalSpacing="sm" highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Email</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Password</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {users.items.map((user) => (
                <Table.Tr key={user.id}>
                  <Table.Td fw={500}>
                    {user.name}
                    {user.id === me?.id && (
                      <Text span size="xs" c="gray.7" ml={6}>
                        (you)
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{user.email}</Table.Td>
                  <Table.Td>
                    {user.is_admin ? (
                      <Badge variant="light" color="blue">
                        Administrator
                      </Badge>
                    ) : (
                      <Text span size="sm">
                        User
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {user.disabled ? (
                      <Badge variant="light" color="red">
                        Disabled
                      </Badge>
                    ) : (
                      <Badge variant="light" color="teal">
                        Active
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text span size="sm">
                      {user.has_password ? "Set" : "Not set"}
                    </Text>
                  </Table.Td>
                  <Table.Td>{formatDate(user.created_at)}</Table.Td>
                  <Table.Td ta="right">
                    <UserActionsMenu user={user} onAction={(kind) => setAction({ kind, user })} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <ShowMoreButton
        hasMore={!!users.hasNextPage}
        loading={users.isFetchingNextPage}
        onClick={() => void users.fetchNextPage()}
      />

      <NewUserDialog
        opened={creating}
        onClose={() => setCreating(false)}
        onCreated={(user, withPassword) => {
          void refresh();
          if (!withPassword) setAction({ kind: "link", user });
        }}
      />
      <SetPasswordDialog
        user={action?.kind === "set-password" ? target! : null}
        onClose={() => setAction(null)}
        onDone={refresh}
      />
      <PasswordLinkDialog user={action?.kind === "link" ? target! : null} onClose={() => setAction(null)} />
      <ConfirmDialog
        opened={action?.kind === "admin"}
        onClose={() => setAction(null)}
        title={target?.is_admin ? "Remove administrator" : "Make administrator"}
        confirmLabel={target?.is_admin ? "Remove admin" : "Make admin"}
        danger={target?.is_admin}
        onConfirm={() => patch(target!, { is_admin: !target!.is_admin })}
      >
        {target?.is_admin
          ? `${target.name} will no longer administer ScaiDrive.`
          : `${target?.name ?? ""} will be able to manage users, groups, shares and every file.`}
      </ConfirmDialog>
      <ConfirmDialog
        opened={action?.kind === "disabled"}
        onClose={() => setAction(null)}
        title={target?.disabled ? "Enable user" : "Disable user"}
        confirmLabel={target?.disabled ? "Enable" : "Disable"}
        danger={!target?.disabled}
        onConfirm={() => patch(target!, { disabled: !target!.disabled })}
      >
        {target?.disabled
          ? `${target.name} will be able to sign in again. Tokens they still have work again.`
          : `${target?.name ?? ""} is signed out everywhere, cannot sign in and their API tokens stop working, ` +
            "until you enable them again. Their files stay."}
      </ConfirmDialog>
    </Stack>
  );
}

function UserActionsMenu({ user, onAction }: { user: User; onAction: (kind: RowAction) => void }) {
  return (
    <Menu position="bottom-end" withinPortal shadow="md" width={240} withInitialFocusPlaceholder={false}>
      <Menu.Target>
        <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${user.name}`}>
          <IconDots size={18} />
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Item leftSection={<IconKey size={16} />} onClick={() => onAction("set-password")}>
          Set password
        </Menu.Item>
        <Menu.Item leftSection={<IconLink size={16} />} onClick={() => onAction("link")}>
          Send set-password link
        </Menu.Item>
        <Menu.Divider role="separator" />
        <Menu.Item
          leftSection={user.is_admin ? <IconShieldOff size={16} /> : <IconShield size={16} />}
          onClick={() => onAction("admin")}
        >
          {user.is_admin ? "Remove admin" : "Make admin"}
        </Menu.Item>
        <Menu.Item
          color={user.disabled ? undefined : "red.9"}
          leftSection={user.disabled ? <IconUserCheck size={16} /> : <IconUserOff size={16} />}
          onClick={() => onAction("disabled")}
        >
          {user.disabled ? "Enable" : "Disable"}
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
