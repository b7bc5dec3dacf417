import { useEffect, useRef, useState } from "react";
import { Alert, Anchor, Badge, Button, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { IconPencil, IconPlayerPlay } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "react-router";
import {
  AUTH_DISABLED_PREFIX,
  CONNECTOR_TYPES,
  connectorKeys,
  connectorState,
  deleteConnector,
  isActive,
  runNow,
  setEnabled,
  useConnector,
  useJobs,
  useShareNames,
  type Connector,
  type ConnectorRow,
  type ConnectorType,
  type Job,
} from "../../api/connectors";
import { useConnectorEvents } from "../../api/use-connector-events";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { PageLoader } from "../../components/PageLoader";
import { formatDate } from "../../format";
import { ConnectionDialog } from "./form/ConnectionDialog";
import { ConnectionActions } from "./ConnectionActions";
import { FileStatesSection } from "./FileStatesSection";
import { CredentialFixButton } from "./CredentialFix";
import { JobLogDialog } from "./JobLogDialog";
import { IdentityMappingsSection } from "./IdentityMappingsSection";
import { MountsSection } from "./MountsSection";
import { JobsTable } from "./JobsTable";
import { NextRun } from "./next-run";
import { SettingsSummary } from "./SettingsSummary";
import { remoteLabel, StateBadge, TYPE_LABELS } from "./labels";
import { ChooseLibraryButton } from "./sharepoint/ChooseLibrary";
import { SignInNotice } from "./sharepoint/SignInNotice";

/**
 * One connection: its settings (secrets only as "set"), Run now / Disable / Enable / Delete, the banner of an
 * authentication failure that disabled it, and its jobs with a per-file log each.
 */
export function Component() {
  const params = useParams();
  const type = params.type as ConnectorType;
  const id = params.id ?? "";
  if (!CONNECTOR_TYPES.includes(type)) return <ErrorNotice title="Not found" error="No such kind of connection." />;
  return <ConnectorView type={type} id={id} />;
}

function ConnectorView({ type, id }: { type: ConnectorType; id: string }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const connector = useConnector(type, id);
  const live = useConnectorEvents(id);
  const jobs = useJobs(type, id, live);
  const shares = useShareNames();
  const [openJob, setOpenJob] = useState<Job | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [editing, setEditing] = useState(false);

  const refresh = () => queryClient.invalidateQueries({ queryKey: connectorKeys.all });
  const run = useMutation({ mutationFn: () => runNow(type, id), onSuccess: refresh });
  const toggle = useMutation({ mutationFn: (enabled: boolean) => setEnabled(type, id, enabled), onSuccess: refresh });

  const allJobs = jobs.data?.pages.flatMap((p) => p.jobs) ?? [];
  const running = allJobs.some(isActive);
  // A job that just ended may have changed the connector (an authentication failure disables it): read it again.
  const wasRunning = useRef(false);
  useEffect(() => {
    if (wasRunning.current && !running) void queryClient.invalidateQueries({ queryKey: connectorKeys.one(type, id) });
    wasRunning.current = running;
  }, [running, queryClient, type, id]);

  if (connector.isPending) return <PageLoader />;
  if (connector.isError) return <ErrorNotice error={connector.error} />;
  const c = connector.data;
  const state = connectorState(c);
  // The API shows where a connector connects only to those who manage its target share — the same people who may
  // run, disable or delete it; readers get the page without the buttons the API would refuse them.
  const canManage = remoteLabel(c) !== null;

  return (
    <Stack gap="lg" maw={1200}>
      <Anchor component={Link} to="/connectors" size="sm">
        ← Connections
      </Anchor>
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
        <Stack gap={6}>
          <Title order={1}>{c.name}</Title>
          <Group gap="xs">
            <Badge variant="outline" color="gray" style={{ textTransform: "none" }}>
              {TYPE_LABELS[type]}
            </Badge>
            <StateBadge connector={c} />
            <NextRun connector={c} prefix="Next run: " />
          </Group>
          {c.description && (
            <Text size="sm" c="dimmed">
              {c.description}
            </Text>
          )}
        </Stack>
        {canManage && (
          <Group gap="sm">
            {type === "sharepoint" && <ChooseLibraryButton connector={c} />}
            <Button
              leftSection={<IconPlayerPlay size={16} />}
              onClick={() => run.mutate()}
              loading={run.isPending}
              disabled={!c.enabled || running}
              title={!c.enabled ? "Enable the connection to run it" : running ? "A job is running" : undefined}
            >
              Run now
            </Button>
            <Button variant="default" leftSection={<IconPencil size={16} />} onClick={() => setEditing(true)}>
              Edit
            </Button>
            <ConnectionActions connector={c} shareName={shares.data?.get(c.target_share_id)} busy={running} />
            <Button variant="default" loading={toggle.isPending} onClick={() => toggle.mutate(!c.enabled)}>
              {c.enabled ? "Disable" : "Enable"}
            </Button>
            <Button variant="default" color="red" c="red" onClick={() => setConfirmDelete(true)}>
              Delete
            </Button>
          </Group>
        )}
      </Group>
      {type === "sharepoint" && <SignInNotice connector={c} canManage={canManage} />}
      {state === "auth_failed" && <AuthFailureBanner connector={c} jobs={allJobs} canManage={canManage} />}
      {state === "disabled" && (
        <Text size="sm" c="dimmed">
          Disabled{c.status_reason ? ` (${c.status_reason})` : ""}: scheduled runs are skipped and Run now is off until
          it is enabled.
        </Text>
      )}
      {run.isError && <ErrorNotice error={run.error} title="The run did not start" />}
      {toggle.isError && <ErrorNotice error={toggle.error} title="Not changed" />}
      <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="settings-heading">
        <Title order={2} size="h4" id="settings-heading" mb="sm">
          Settings
        </Title>
        <SettingsSummary connector={c} shareName={shares.data?.get(c.target_share_id)} />
      </Paper>
      <section aria-labelledby="jobs-heading">
        <Title order={2} size="h3" id="jobs-heading" mb="sm">
          Jobs
        </Title>
        {jobs.isPending && <PageLoader />}
        {jobs.isError && <ErrorNotice error={jobs.error} />}
        {jobs.data && (
          <JobsTable
            jobs={allJobs}
            updatedAt={jobs.dataUpdatedAt}
            onOpen={setOpenJob}
            hasMore={!!jobs.hasNextPage}
            loadingMore={jobs.isFetchingNextPage}
            onMore={() => void jobs.fetchNextPage()}
          />
        )}
      </section>
      {canManage && <FileStatesSection type={type} connectorId={id} />}
      {canManage && <MountsSection connector={c} shareNames={shares.data} />}
      {canManage && (
        <IdentityMappingsSection
          type={type}
          connectorId={id}
          syncPermissions={(c as Connector).sync_permissions === true}
        />
      )}
      <JobLogDialog type={type} connectorId={id} job={openJob} onClose={() => setOpenJob(null)} />
      {canManage && <ConnectionDialog opened={editing} onClose={() => setEditing(false)} connector={c} />}
      <ConfirmDialog
        opened={confirmDelete}
        onClose={() => setConfirmDelete(false)}
        title="Delete connection"
        confirmLabel="Delete"
        danger
        onConfirm={async () => {
          await deleteConnector(type, id);
          // The list is not mounted here, so an invalidation alone would show the cached row until its refetch lands.
          queryClient.setQueryData<ConnectorRow[]>(connectorKeys.list(), (old) =>
            old?.filter((r) => !(r.type === type && r.id === id)),
          );
          queryClient.removeQueries({ queryKey: connectorKeys.one(type, id) });
          await queryClient.invalidateQueries({ queryKey: connectorKeys.list() });
          navigate("/connectors", { replace: true });
        }}
      >
        {`Delete “${c.name}”? Runs stop and its job history goes; the files already in ScaiDrive and on the remote stay where they are.`}
      </ConfirmDialog>
    </Stack>
  );
}

/** What failed and when: the reason the server stored, dated by the failed job (else the connector's last change). */
function AuthFailureBanner({ connector, jobs, canManage }: { connector: Connector; jobs: Job[]; canManage: boolean }) {
  const reason = (connector.status_reason ?? "").slice(AUTH_DISABLED_PREFIX.length);
  const failed = jobs.find((j) => j.status === "failed" && j.error?.code === "CONNECTOR_AUTH_FAILED");
  const when = failed?.finished_at ?? connector.updated_at;
  return (
    <Alert color="red" variant="light" role="alert" title="Disabled after an authentication failure">
      <Text size="sm">
        On {formatDate(when)} the {TYPE_LABELS[connector.type]} server refused this connection’s credentials
        {reason ? `: ${reason}` : "."}
      </Text>
      <Text size="sm" mt={4}>
        Scheduled runs are stopped until an administrator saves corrected credentials or chooses Enable.
      </Text>
      {canManage && (
        <Group mt="sm">
          <CredentialFixButton connector={connector} />
        </Group>
      )}
    </Alert>
  );
}
