import { useState } from "react";
import { Alert, Button, Group, Paper, Stack, Text, TextInput } from "@mantine/core";
import { IconUser, IconUsers } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { ConnectorType } from "../../api/connectors";
import { errorText } from "../../api/error-text";
import { ApiError } from "../../api/http";
import {
  addIdentityMapping,
  entraLabel,
  mappingKeys,
  type EntraPrincipal,
  type IdentityType,
} from "../../api/identity-mappings";
import { AppDialog } from "../../components/AppDialog";
import { PrincipalPicker } from "../../components/files/PrincipalPicker";
import { principalKind, usePrincipal } from "../../components/files/principal-names";
import { EntraPrincipalPicker } from "./EntraPrincipalPicker";

/** How the file server spells the principals the connector matches (owners and ACEs as Samba and Windows name them). */
export const SMB_PRINCIPAL_HINT =
  "As the file server names it in owners and permissions: DOMAIN\\user or DOMAIN\\group (for example CORP\\alice), " +
  "or a built-in name such as Everyone. Case does not matter.";

/** Adds an identity mapping: the remote principal (Entra search or SMB name) and the ScaiDrive user or group. */
export function AddMappingDialog({
  opened,
  onClose,
  type,
  connectorId,
}: {
  opened: boolean;
  onClose: () => void;
  type: ConnectorType;
  connectorId: string;
}) {
  return (
    <AppDialog opened={opened} onClose={onClose} title="Add identity mapping" size="lg">
      <AddMappingForm type={type} connectorId={connectorId} onDone={onClose} />
    </AppDialog>
  );
}

interface FieldErrors {
  remote?: string;
  scaidrive?: string;
}

function AddMappingForm({
  type,
  connectorId,
  onDone,
}: {
  type: ConnectorType;
  connectorId: string;
  onDone: () => void;
}) {
  const queryClient = useQueryClient();
  const [entra, setEntra] = useState<EntraPrincipal | null>(null);
  const [smbName, setSmbName] = useState("");
  const [target, setTarget] = useState<string | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const sharepoint = type === "sharepoint";
  // Both sides are of one kind (a user maps to a user): an Entra pick decides it; for SMB the ScaiDrive pick does.
  const kind: IdentityType | undefined = sharepoint ? entra?.kind : undefined;
  const targetKind = target ? principalKind(target) : undefined;

  const add = useMutation({
    mutationFn: () =>
      addIdentityMapping(type, connectorId, {
        identity_type: targetKind!,
        smb_principal: sharepoint ? entra!.id : smbName.trim(),
        remote_display_name: sharepoint ? entraLabel(entra!) : null,
        scaidrive_principal_id: target!,
      }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: mappingKeys.list(type, connectorId) });
      onDone();
    },
  });

  function pickEntra(p: EntraPrincipal | null) {
    setEntra(p);
    setErrors((e) => ({ ...e, remote: undefined }));
    // A ScaiDrive user cannot stand for an Entra group, nor the other way round.
    if (p && target && principalKind(target) !== p.kind) setTarget(null);
  }

  function submit(event: React.FormEvent) {
    event.preventDefault();
    const next: FieldErrors = {};
    if (sharepoint && !entra) next.remote = "Search for an Entra user or group and choose one from the list.";
    if (!sharepoint && !smbName.trim()) next.remote = "Enter the user or group as the file server names it.";
    if (!target) next.scaidrive = "Choose the ScaiDrive user or group it becomes.";
    setErrors(next);
    if (next.remote || next.scaidrive) return;
    add.mutate();
  }

  const targetLabel =
    kind === "group" ? "ScaiDrive group" : kind === "user" ? "ScaiDrive user" : "ScaiDrive user or group";

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Text size="sm" c="dimmed">
          {`Permissions and owners that name this ${sharepoint ? "Entra" : "file-server"} user or group become ` +
            "permissions of the ScaiDrive user or group you choose."}
        </Text>
        {sharepoint ? (
          <EntraPrincipalPicker connectorId={connectorId} value={entra} onChange={pickEntra} error={errors.remote} />
        ) : (
          <TextInput
            label="SMB user or group"
            description={SMB_PRINCIPAL_HINT}
            placeholder="CORP\alice"
            value={smbName}
            onChange={(e) => {
              setSmbName(e.currentTarget.value);
              setErrors((er) => ({ ...er, remote: undefined }));
            }}
            error={errors.remote}
            autoComplete="off"
            spellCheck={false}
            maxLength={512}
            data-autofocus
          />
        )}
        <PrincipalPicker
          label={targetLabel}
          placeholder="Search ScaiDrive by name or email"
          description={kind ? `An Entra ${kind} maps to a ScaiDrive ${kind}.` : undefined}
          only={kind}
          exclude={new Set(target ? [target] : [])}
          onPick={(id) => {
            setTarget(id);
            setErrors((er) => ({ ...er, scaidrive: undefined }));
          }}
        />
        <ChosenPrincipal id={target} error={errors.scaidrive} />
        {add.isError && (
          <Alert color="red" role="alert" title="Not added">
            {mappingErrorText(add.error, sharepoint ? (entra ? entraLabel(entra) : "") : smbName.trim())}
          </Alert>
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={add.isPending}>
            Add mapping
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The ScaiDrive user or group chosen so far, or the error that asks for one. */
function ChosenPrincipal({ id, error }: { id: string | null; error?: string }) {
  const info = usePrincipal(id);
  if (!id)
    return error ? (
      <Text size="sm" c="red" role="alert">
        {error}
      </Text>
    ) : null;
  const Icon = principalKind(id) === "group" ? IconUsers : IconUser;
  return (
    <Paper withBorder radius="sm" px="sm" py={6}>
      <Group gap="xs" wrap="nowrap">
        <Icon size={16} aria-hidden="true" />
        <Text size="sm">
          Maps to <strong>{info.data?.name ?? id}</strong>
          {info.data?.detail ? (
            <Text span size="xs" c="dimmed">
              {` ${info.data.detail}`}
            </Text>
          ) : null}
        </Text>
      </Group>
    </Paper>
  );
}

/**
 * The API's refusal in words. A principal mapped already is named as the user knows it (the API names an Entra
 * principal by its object id), with what to do about it.
 */
function mappingErrorText(error: unknown, remote: string): string {
  if (error instanceof ApiError && error.code === "ALREADY_EXISTS")
    return `${remote || "This principal"} is already mapped on this connection. Remove its mapping first to map it to someone else.`;
  return errorText(error);
}
