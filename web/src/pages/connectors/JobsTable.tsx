import { Anchor, Box, Progress, Stack, Table, Text } from "@mantine/core";
import { isActive, type Job } from "../../api/connectors";
import { ListEmptyState } from "../../components/ListEmptyState";
import { ShowMoreButton } from "../../components/ShowMoreButton";
import { formatBytes, formatDate } from "../../format";
import { etaLabel, useJobRate } from "./job-rate";
import { durationLabel, jobCounts, jobPercent, JobStatusBadge, TRIGGER_LABELS } from "./labels";

/** A connection's jobs, newest first; the start time opens the job's per-file log. */
export function JobsTable({
  jobs,
  onOpen,
  hasMore,
  loadingMore,
  onMore,
  updatedAt = 0,
}: {
  jobs: Job[];
  /** When the jobs were last read or updated by a live event (ms), to time the running job's rate. */
  updatedAt?: number;
  onOpen: (job: Job) => void;
  hasMore: boolean;
  loadingMore: boolean;
  onMore: () => void;
}) {
  if (jobs.length === 0)
    return (
      <ListEmptyState
        title="No jobs yet"
        description="Run now starts one; scheduled runs appear here too, with what each copied, moved or deleted."
      />
    );
  return (
    <Stack gap="sm">
      <Table.ScrollContainer minWidth={900}>
        <Table aria-label="Jobs" verticalSpacing="sm" highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Status</Table.Th>
              <Table.Th>Trigger</Table.Th>
              <Table.Th>Started</Table.Th>
              <Table.Th>Duration</Table.Th>
              <Table.Th>Files</Table.Th>
              <Table.Th>Error</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {jobs.map((job) => (
              <JobRow key={job.id} job={job} updatedAt={updatedAt} onOpen={() => onOpen(job)} />
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <ShowMoreButton hasMore={hasMore} loading={loadingMore} onClick={onMore} />
    </Stack>
  );
}

function JobRow({ job, updatedAt, onOpen }: { job: Job; updatedAt: number; onOpen: () => void }) {
  const started = job.started_at ?? job.created_at;
  const percent = jobPercent(job);
  return (
    <Table.Tr onClick={onOpen} style={{ cursor: "pointer" }}>
      <Table.Td>
        <JobStatusBadge status={job.status} />
      </Table.Td>
      <Table.Td>
        {TRIGGER_LABELS[job.trigger] ?? job.trigger}
        {job.options?.dry_run ? " (preview)" : ""}
      </Table.Td>
      <Table.Td style={{ whiteSpace: "nowrap" }}>
        <Anchor
          component="button"
          type="button"
          size="sm"
          aria-label={`Log of the job started ${formatDate(started)}`}
          onClick={(e) => {
            e.stopPropagation();
            onOpen();
          }}
        >
          {formatDate(started)}
        </Anchor>
      </Table.Td>
      <Table.Td style={{ whiteSpace: "nowrap" }}>{durationLabel(job)}</Table.Td>
      <Table.Td miw={220}>
        {isActive(job) ? (
          <ActiveJobProgress job={job} percent={percent} updatedAt={updatedAt} />
        ) : job.options?.dry_run && job.status === "completed" ? (
          <Text size="sm">
            {job.files_total === 1 ? "1 action planned" : `${job.files_total.toLocaleString()} actions planned`}
          </Text>
        ) : job.status === "skipped" ? (
          <Text size="sm" c="dimmed">
            —
          </Text>
        ) : (
          <Text size="sm">{jobCounts(job, formatBytes)}</Text>
        )}
      </Table.Td>
      <Table.Td>
        {job.error ? (
          <Text size="sm" c="red.8">
            {job.error.message}
          </Text>
        ) : job.skip_reason ? (
          <Text size="sm" c="dimmed">
            {job.skip_reason}
          </Text>
        ) : null}
      </Table.Td>
    </Table.Tr>
  );
}

/** The bar with files done of planned, bytes moved, the recent rate and the time left at that pace. */
function ActiveJobProgress({ job, percent, updatedAt }: { job: Job; percent: number | null; updatedAt: number }) {
  const { bytesPerSecond, secondsLeft } = useJobRate(job, updatedAt);
  const parts = job.files_total
    ? [
        `${job.files_done.toLocaleString()} of ${job.files_total.toLocaleString()} files`,
        job.bytes_total > 0
          ? `${formatBytes(job.bytes_done)} of ${formatBytes(job.bytes_total)}`
          : `${formatBytes(job.bytes_done)} copied`,
        ...(bytesPerSecond !== null ? [`${formatBytes(bytesPerSecond)}/s`] : []),
        ...(secondsLeft !== null ? [etaLabel(secondsLeft)] : []),
      ]
    : [`Scanning… ${job.files_scanned.toLocaleString()} found`];
  return (
    <Stack gap={4}>
      <JobProgress percent={percent} />
      <Text size="xs" c="dimmed" aria-live="off">
        {parts.join(" · ")}
      </Text>
    </Stack>
  );
}

/**
 * The progressbar role sits on the whole track, so it is there (and visible) at 0 % too; before the plan exists the
 * bar is indeterminate: striped, full width, and without aria-valuenow.
 */
function JobProgress({ percent }: { percent: number | null }) {
  return (
    <Box
      role="progressbar"
      aria-label="Job progress"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent ?? undefined}
      aria-valuetext={percent === null ? "Scanning" : `${percent}%`}
    >
      <Progress.Root size="md">
        <Progress.Section
          value={percent ?? 100}
          striped={percent === null}
          animated={percent === null}
          withAria={false}
        />
      </Progress.Root>
    </Box>
  );
}
