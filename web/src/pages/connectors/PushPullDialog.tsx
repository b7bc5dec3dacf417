import { useState } from "react";
import { Alert, Button, Checkbox, Group, Radio, Stack, Text, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { pushPull, type AfterCopy } from "../../api/connector-actions";
import { connectorKeys, type Connector } from "../../api/connectors";
import { AppDialog } from "../../components/AppDialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { remoteLabel, TYPE_LABELS } from "./labels";

export type PushPullMode = "push" | "pull";

/**
 * A one-shot push (ScaiDrive → remote) or pull (remote → ScaiDrive): an optional sub-folder and what happens to the
 * source once copied. Deleting the source says what goes where and needs a tick before the button works.
 */
export function PushPullDialog({
  connector,
  shareName,
  mode,
  onClose,
}: {
  connector: Connector;
  shareName: string | undefined;
  mode: PushPullMode | null;
  onClose: () => void;
}) {
  const remote = TYPE_LABELS[connector.type];
  const title = mode === "push" ? `Push to ${remote}` : `Pull from ${remote}`;
  return (
    <AppDialog opened={mode !== null} onClose={onClose} size="lg" title={title}>
      {mode && <PushPullForm connector={connector} shareName={shareName} mode={mode} onClose={onClose} />}
    </AppDialog>
  );
}

/** `a/b` without leading or trailing slashes; the API takes the sub-folder relative to both sides' base. */
const cleanPath = (p: string) => p.trim().replace(/^\/+|\/+$/g, "");

function PushPullForm({
  connector,
  shareName,
  mode,
  onClose,
}: {
  connector: Connector;
  shareName: string | undefined;
  mode: PushPullMode;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const [path, setPath] = useState("");
  const [afterCopy, setAfterCopy] = useState<AfterCopy>("keep");
  const [confirmed, setConfirmed] = useState(false);
  const start = useMutation({
    mutationFn: () =>
      pushPull(connector.type, connector.id, mode, { after_copy: afterCopy, path: cleanPath(path) || undefined }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: connectorKeys.jobs(connector.type, connector.id) });
      onClose();
    },
  });

  const remoteName = TYPE_LABELS[connector.type];
  const sub = cleanPath(path);
  const scaidriveFolder = `${shareName ?? "the target share"}${connector.target_path && connector.target_path !== "/" ? connector.target_path : ""}${sub ? `/${sub}` : ""}`;
  const remoteFolder = `${remoteLabel(connector) ?? remoteName}${sub ? `${connector.type === "smb" ? "\\" : "/"}${connector.type === "smb" ? sub.replace(/\//g, "\\") : sub}` : ""}`;
  const [source, destination] =
    mode === "push"
      ? [`ScaiDrive (${scaidriveFolder})`, `${remoteName} (${remoteFolder})`]
      : [`${remoteName} (${remoteFolder})`, `ScaiDrive (${scaidriveFolder})`];
  const verb = mode === "push" ? "Push" : "Pull";
  const blocked = afterCopy === "delete" && !confirmed;

  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!blocked) start.mutate();
      }}
    >
      <Stack gap="md">
        <Text size="sm">
          Copies every file that is new or changed from {source} to {destination}. Nothing is deleted on the
          destination; the connection&apos;s filters and direction do not apply.
        </Text>
        <TextInput
          label="Sub-folder (optional)"
          description="Relative to the connection's folder on both sides; empty for everything"
          placeholder="e.g. inbox/2026"
          value={path}
          onChange={(e) => setPath(e.currentTarget.value)}
          data-autofocus
        />
        <Radio.Group
          label="After copying"
          value={afterCopy}
          onChange={(v) => {
            setAfterCopy(v as AfterCopy);
            setConfirmed(false);
          }}
        >
          <Stack gap={6} mt={6}>
            <Radio value="keep" label="Keep the source files" />
            <Radio value="delete" label="Delete each source file once its copy is verified" />
          </Stack>
        </Radio.Group>
        {afterCopy === "delete" && (
          <Alert color="red" role="alert" title="Source files will be deleted">
            <Text size="sm">
              Each file copied from {source} is deleted there once its copy in {destination} is verified (same size and
              SHA-256). Folders stay. A file whose copy fails or cannot be verified is kept.
            </Text>
            <Checkbox
              mt="sm"
              label={`Delete the files in ${mode === "push" ? "ScaiDrive" : `on ${remoteName}`} after copying`}
              checked={confirmed}
              onChange={(e) => setConfirmed(e.currentTarget.checked)}
            />
          </Alert>
        )}
        {start.isError && <ErrorNotice title={`The ${mode} did not start`} error={start.error} />}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            type="submit"
            loading={start.isPending}
            disabled={blocked}
            color={afterCopy === "delete" ? "red" : undefined}
          >
            {afterCopy === "delete" ? `${verb} and delete` : verb}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
