import { useState } from "react";
import {
  ActionIcon,
  Alert,
  Button,
  Center,
  Checkbox,
  Group,
  Loader,
  Stack,
  Switch,
  Table,
  Text,
  Tooltip,
  VisuallyHidden,
} from "@mantine/core";
import { IconLock, IconTrash, IconUser, IconUsers } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { fileKeys, getAcl, listGroups, putAcl } from "../../api/files";
import { ApiError } from "../../api/http";
import { useSession } from "../../api/session";
import type { AclView, FileNode, Permission, Share } from "../../api/types";
import { canManage, PERMISSIONS, sameAcl, togglePermission, type EditableAce } from "./acl-edit";
import { PrincipalPicker } from "./PrincipalPicker";
import { principalKind, usePrincipal } from "./principal-names";
import { useAsyncAction } from "./use-async-action";

export function SharingTab({ share, node }: { share: Share; node: FileNode }) {
  const session = useSession();
  const user = session.data?.user;
  const acl = useQuery({ queryKey: fileKeys.acl(share.id, node.path), queryFn: () => getAcl(share.id, node.path) });
  const needsGroups = !!user && !user.is_admin && share.created_by !== user.id;
  const groups = useQuery({
    queryKey: ["groups", "all"],
    queryFn: listGroups,
    enabled: needsGroups,
    staleTime: 60_000,
  });

  if (acl.isPending || (needsGroups && groups.isPending) || !user)
    return (
      <Center py="xl">
        <Loader size="sm" aria-label="Loading permissions" />
      </Center>
    );
  if (acl.isError)
    return (
      <Alert color="red" role="alert" title="Permissions could not be loaded">
        {acl.error.message}
      </Alert>
    );
  const manage = canManage(user, share, acl.data, groups.data ?? []);
  return <AclEditor key={node.id} share={share} node={node} acl={acl.data} manage={manage} />;
}

function AclEditor(props: { share: Share; node: FileNode; acl: AclView; manage: boolean }) {
  const { share, node, acl } = props;
  const queryClient = useQueryClient();
  const stored: EditableAce[] = acl.aces.map((a) => ({ principal_id: a.principal_id, permissions: a.permissions }));
  const [aces, setAces] = useState<EditableAce[]>(stored);
  const [inherit, setInherit] = useState(acl.inherit);
  const [forbidden, setForbidden] = useState(false);
  const [saved, setSaved] = useState(false);
  const action = useAsyncAction();
  const readOnly = !props.manage || forbidden;
  const dirty = inherit !== acl.inherit || !sameAcl(aces, stored);
  const isRoot = node.path === "/";

  const edit = (next: EditableAce[]) => {
    setSaved(false);
    setAces(next);
  };

  const save = async () => {
    const ok = await action.run(async () => {
      try {
        const next = await putAcl(share.id, node.path, {
          aces: aces.filter((a) => a.permissions.length > 0),
          inherit,
        });
        queryClient.setQueryData(fileKeys.acl(share.id, node.path), next);
        setAces(next.aces.map((a) => ({ principal_id: a.principal_id, permissions: a.permissions })));
        setInherit(next.inherit);
        // Folders below inherit from this one: their cached ACLs are stale now.
        await queryClient.invalidateQueries({
          predicate: (q) => q.queryKey[0] === "acl" && q.queryKey[1] === share.id && q.queryKey[2] !== node.path,
        });
      } catch (err) {
        if (err instanceof ApiError && err.status === 403) setForbidden(true);
        throw err;
      }
    });
    if (ok) setSaved(true);
  };

  return (
    <Stack gap="sm">
      {readOnly && (
        <Alert color="gray" icon={<IconLock size={18} />} title="Read only">
          You can see who has access, but only people allowed to manage permissions here can change them.
        </Alert>
      )}
      {action.error && !forbidden && (
        <Alert color="red" role="alert" title="Not saved">
          {action.error}
        </Alert>
      )}
      <PrincipalPicker
        disabled={readOnly}
        exclude={new Set(aces.map((a) => a.principal_id))}
        onPick={(id) => edit([...aces, { principal_id: id, permissions: ["READ"] }])}
      />
      <Table aria-label="Permissions" verticalSpacing={6} horizontalSpacing={4} fz="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Person or group</Table.Th>
            {PERMISSIONS.map((p) => (
              <Table.Th key={p.value} ta="center" fz="xs">
                {p.label}
              </Table.Th>
            ))}
            <Table.Th>
              <VisuallyHidden>Remove</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {aces.map((ace) => (
            <AceRow
              key={ace.principal_id}
              principalId={ace.principal_id}
              permissions={ace.permissions}
              readOnly={readOnly}
              onChange={(permissions) =>
                edit(aces.map((a) => (a.principal_id === ace.principal_id ? { ...a, permissions } : a)))
              }
              onRemove={() => edit(aces.filter((a) => a.principal_id !== ace.principal_id))}
            />
          ))}
          {inherit &&
            acl.inherited_aces.map((ace) => (
              <AceRow
                key={`${ace.from_path}:${ace.principal_id}`}
                principalId={ace.principal_id}
                permissions={ace.permissions as Permission[]}
                inheritedFrom={ace.from_path}
                readOnly
              />
            ))}
          {aces.length === 0 && (!inherit || acl.inherited_aces.length === 0) && (
            <Table.Tr>
              <Table.Td colSpan={6}>
                <Text size="sm" c="dimmed">
                  Nobody has been given access here. Administrators and the share's creator always have it.
                </Text>
              </Table.Td>
            </Table.Tr>
          )}
        </Table.Tbody>
      </Table>
      {!isRoot && (
        <Switch
          label="Inherit permissions from parent folder"
          description={
            inherit ? "Access given on folders above applies here too." : "Only the entries above apply here."
          }
          checked={inherit}
          disabled={readOnly}
          onChange={(e) => {
            setSaved(false);
            setInherit(e.currentTarget.checked);
          }}
        />
      )}
      <Group justify="flex-end" gap="sm">
        {saved && !dirty && (
          <Text size="xs" c="green.8" role="status">
            Saved
          </Text>
        )}
        <Button size="xs" onClick={save} loading={action.busy} disabled={readOnly || !dirty}>
          Save
        </Button>
      </Group>
    </Stack>
  );
}

function AceRow(props: {
  principalId: string;
  permissions: readonly Permission[];
  inheritedFrom?: string;
  readOnly: boolean;
  onChange?: (permissions: Permission[]) => void;
  onRemove?: () => void;
}) {
  const principal = usePrincipal(props.principalId);
  const kind = principalKind(props.principalId);
  const name = principal.data?.name ?? props.principalId;
  return (
    <Table.Tr>
      <Table.Td>
        <Group gap={8} wrap="nowrap">
          {kind === "group" ? (
            <IconUsers size={16} aria-label="Group" role="img" />
          ) : (
            <IconUser size={16} aria-label="User" role="img" />
          )}
          <div style={{ minWidth: 0 }}>
            <Text size="sm" fw={500} truncate>
              {name}
            </Text>
            {props.inheritedFrom ? (
              <Text size="xs" c="dimmed">
                Inherited from {props.inheritedFrom}
              </Text>
            ) : principal.data?.detail ? (
              <Text size="xs" c="dimmed" truncate>
                {principal.data.detail}
              </Text>
            ) : null}
          </div>
        </Group>
      </Table.Td>
      {PERMISSIONS.map((p) => (
        <Table.Td key={p.value} ta="center">
          <Checkbox
            size="xs"
            styles={{ body: { justifyContent: "center" } }}
            aria-label={`${p.label} for ${name}`}
            checked={props.permissions.includes(p.value)}
            disabled={props.readOnly || !!props.inheritedFrom}
            onChange={(e) => props.onChange?.(togglePermission(props.permissions, p.value, e.currentTarget.checked))}
          />
        </Table.Td>
      ))}
      <Table.Td>
        {!props.inheritedFrom && !props.readOnly && (
          <Tooltip label={`Remove ${name}`}>
            <ActionIcon variant="subtle" color="gray" aria-label={`Remove ${name}`} onClick={props.onRemove}>
              <IconTrash size={16} />
            </ActionIcon>
          </Tooltip>
        )}
      </Table.Td>
    </Table.Tr>
  );
}
