import { Checkbox, NumberInput, Radio, SegmentedControl, Stack, Text } from "@mantine/core";
import type { ConnectorType } from "../../../api/connectors";
import { TYPE_LABELS } from "../labels";
import type { ConnectionForm } from "./connection-form";

type Set = <K extends keyof ConnectionForm>(key: K, value: ConnectionForm[K]) => void;

function directionOptions(type: ConnectorType): { value: string; label: string; help: string }[] {
  const remote = TYPE_LABELS[type];
  return [
    {
      value: `${type}_to_scaidrive`,
      label: `${remote} → ScaiDrive`,
      help: `${remote} is the original: the ScaiDrive folder follows it, and changes made in ScaiDrive are undone.`,
    },
    {
      value: "bidirectional",
      label: "Both ways",
      help: "Changes on either side reach the other; a change wins over a delete.",
    },
    {
      value: `scaidrive_to_${type}`,
      label: `ScaiDrive → ${remote}`,
      help: `ScaiDrive is the original: ${remote} follows it, and changes made there are undone.`,
    },
  ];
}

function conflictOptions(type: ConnectorType): { value: string; label: string; help: string }[] {
  const remote = TYPE_LABELS[type];
  return [
    { value: "LAST_WRITER_WINS", label: "Newest wins", help: "The file changed last is kept on both sides." },
    {
      value: "KEEP_BOTH",
      label: "Keep both",
      help: "The ScaiDrive copy is renamed “name (conflict).ext” and both versions are kept on both sides.",
    },
    { value: "SCAIDRIVE_WINS", label: "ScaiDrive wins", help: `ScaiDrive's version replaces ${remote}'s.` },
    {
      value: `${type.toUpperCase()}_WINS`,
      label: `${remote} wins`,
      help: `${remote}'s version replaces ScaiDrive's.`,
    },
  ];
}

/** Direction and conflicts, each choice explained in one line. */
export function DirectionFields({ type, form, set }: { type: ConnectorType; form: ConnectionForm; set: Set }) {
  return (
    <Stack gap="md">
      <Radio.Group
        label="Direction"
        value={form.sync_direction}
        onChange={(v) => set("sync_direction", v)}
        description="Which side may change the other."
      >
        <Stack gap="xs" mt="xs">
          {directionOptions(type).map((o) => (
            <Radio key={o.value} value={o.value} label={o.label} description={o.help} />
          ))}
        </Stack>
      </Radio.Group>
      <Radio.Group
        label="When both sides changed a file"
        value={form.conflict_resolution}
        onChange={(v) => set("conflict_resolution", v)}
      >
        <Stack gap="xs" mt="xs">
          {conflictOptions(type).map((o) => (
            <Radio key={o.value} value={o.value} label={o.label} description={o.help} />
          ))}
        </Stack>
      </Radio.Group>
    </Stack>
  );
}

/** Hidden/system files, permissions, (SharePoint) versions and columns, the schedule and the deletion stop. */
export function ScheduleFields({ type, form, set }: { type: ConnectorType; form: ConnectionForm; set: Set }) {
  const remote = TYPE_LABELS[type];
  const scheduled = form.sync_interval_minutes > 0;
  return (
    <Stack gap="md">
      <Stack gap="xs">
        <Checkbox
          label="Sync hidden files and folders"
          checked={form.sync_hidden_files}
          onChange={(e) => set("sync_hidden_files", e.currentTarget.checked)}
        />
        <Checkbox
          label="Sync system files and folders"
          checked={form.sync_system_files}
          onChange={(e) => set("sync_system_files", e.currentTarget.checked)}
        />
        <Checkbox
          label="Sync permissions"
          description={`Translate ${remote} permissions and owners through the connection's identity mappings.`}
          checked={form.sync_permissions}
          onChange={(e) => set("sync_permissions", e.currentTarget.checked)}
        />
        {type === "sharepoint" && (
          <>
            <Checkbox
              label="Import version history"
              description="SharePoint's earlier versions become ScaiDrive versions."
              checked={form.sync_versions}
              onChange={(e) => set("sync_versions", e.currentTarget.checked)}
            />
            <Checkbox
              label="Copy library columns into file metadata"
              checked={form.sync_metadata}
              onChange={(e) => set("sync_metadata", e.currentTarget.checked)}
            />
          </>
        )}
      </Stack>
      <Stack gap={6}>
        <Text size="sm" fw={500} id="schedule-label">
          Schedule
        </Text>
        <SegmentedControl
          aria-labelledby="schedule-label"
          value={scheduled ? "interval" : "manual"}
          onChange={(v) => set("sync_interval_minutes", v === "manual" ? 0 : 60)}
          data={[
            { value: "manual", label: "Manual only" },
            { value: "interval", label: "Every N minutes" },
          ]}
          style={{ alignSelf: "flex-start" }}
        />
        {scheduled ? (
          <NumberInput
            label="Minutes between runs"
            min={1}
            max={525600}
            allowDecimal={false}
            value={form.sync_interval_minutes}
            onChange={(v) => set("sync_interval_minutes", typeof v === "number" && v > 0 ? v : 1)}
            w={200}
          />
        ) : (
          <Text size="xs" c="dimmed">
            Runs only when someone chooses Run now.
          </Text>
        )}
      </Stack>
      <NumberInput
        label="Stop a run that would delete more than (%)"
        description="Of the files the connection tracks, on either side; a stopped run can be forced from the API."
        min={0}
        max={100}
        allowDecimal={false}
        value={form.max_delete_percent}
        onChange={(v) => set("max_delete_percent", typeof v === "number" ? Math.min(100, Math.max(0, v)) : 50)}
        w={320}
      />
    </Stack>
  );
}
