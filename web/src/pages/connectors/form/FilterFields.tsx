import { useState } from "react";
import { Group, SimpleGrid, Stack, TagsInput, Text, TextInput, ThemeIcon } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconCheck, IconX } from "@tabler/icons-react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { previewFilter } from "../../../api/connector-edit";
import { errorText } from "../../../api/error-text";
import { patternBody, type ConnectionForm, type PatternLists } from "./connection-form";

type Set = <K extends keyof ConnectionForm>(key: K, value: ConnectionForm[K]) => void;

const GLOB_HELP = "Globs: * ? [abc] **; without / they match names, with / paths in the synced folder.";

/**
 * Include and exclude lists (extensions and globs) with a live preview: sample names typed here are judged by the
 * server with the sync engine's own filter, so “would be synced” means what a run does.
 */
export function FilterFields({ form, set }: { form: ConnectionForm; set: Set }) {
  const [sample, setSample] = useState("Reports/2026/budget.xlsx, ~$budget.xlsx");
  const names = sample
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean)
    .slice(0, 20);
  const request = {
    include_patterns: patternBody(form.include),
    exclude_patterns: patternBody(form.exclude),
    sync_hidden_files: form.sync_hidden_files,
    sync_system_files: form.sync_system_files,
    names,
  };
  const [debounced] = useDebouncedValue(request, 250);
  const preview = useQuery({
    queryKey: ["connectors", "filter-preview", debounced],
    queryFn: () => previewFilter(debounced),
    enabled: debounced.names.length > 0,
    placeholderData: keepPreviousData,
    retry: false,
  });

  const lists = (key: "include" | "exclude", part: keyof PatternLists, v: string[]) =>
    set(key, { ...form[key], [part]: v });

  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
        <PatternSetInputs
          title="Only these files"
          verb="include"
          value={form.include}
          onChange={(part, v) => lists("include", part, v)}
          extensionsPlaceholder="pdf, docx — empty: every file"
          patternsPlaceholder="e.g. Reports/**"
          patternsHelp={GLOB_HELP}
        />
        <PatternSetInputs
          title="Never these files and folders"
          verb="exclude"
          value={form.exclude}
          onChange={(part, v) => lists("exclude", part, v)}
          extensionsPlaceholder="tmp, bak"
          patternsPlaceholder="e.g. ~$*, Archive"
          patternsHelp="An excluded folder takes everything in it along."
        />
      </SimpleGrid>
      <TextInput
        label="Try a name"
        description="File names or paths in the synced folder, separated by commas."
        value={sample}
        onChange={(e) => setSample(e.currentTarget.value)}
      />
      <Stack gap={4} aria-live="polite" aria-label="Filter preview" role="status">
        {preview.isError && (
          <Text size="sm" c="red.8">
            {errorText(preview.error)}
          </Text>
        )}
        {names.length > 0 &&
          preview.data?.results.map((r) => (
            <Group key={r.name} gap="xs" wrap="nowrap" align="flex-start">
              <ThemeIcon size="sm" variant="light" color={r.included ? "teal" : "gray"} aria-hidden="true">
                {r.included ? <IconCheck size={14} /> : <IconX size={14} />}
              </ThemeIcon>
              <Text size="sm" style={{ overflowWrap: "anywhere" }}>
                <Text span ff="monospace" size="sm">
                  {r.name}
                </Text>
                {` ${r.message.replace(/^skipped: /, "would be skipped because ")}`}
              </Text>
            </Group>
          ))}
      </Stack>
    </Stack>
  );
}

/** One side of the filter: its extensions and its glob patterns. */
function PatternSetInputs(props: {
  title: string;
  verb: "include" | "exclude";
  value: PatternLists;
  onChange: (part: keyof PatternLists, v: string[]) => void;
  extensionsPlaceholder: string;
  patternsPlaceholder: string;
  patternsHelp: string;
}) {
  return (
    <Stack gap="xs">
      <Text size="sm" fw={600}>
        {props.title}
      </Text>
      <TagsInput
        label={`Extensions to ${props.verb}`}
        placeholder={props.extensionsPlaceholder}
        value={props.value.extensions}
        onChange={(v) => props.onChange("extensions", v)}
        splitChars={[",", " "]}
        clearable
      />
      <TagsInput
        label={`Patterns to ${props.verb}`}
        placeholder={props.patternsPlaceholder}
        value={props.value.patterns}
        onChange={(v) => props.onChange("patterns", v)}
        splitChars={[","]}
        description={props.patternsHelp}
        clearable
      />
    </Stack>
  );
}
