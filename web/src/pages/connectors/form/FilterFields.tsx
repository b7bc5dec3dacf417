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
        <Stack gap="xs">
          <Text size="sm" fw={600}>
            Only these files
          </Text>
          <TagsInput
            label="Extensions to include"
            placeholder="pdf, docx — empty: every file"
            value={form.include.extensions}
            onChange={(v) => lists("include", "extensions", v)}
            splitChars={[",", " "]}
            clearable
          />
          <TagsInput
            label="Patterns to include"
            placeholder="e.g. Reports/**"
            value={form.include.patterns}
            onChange={(v) => lists("include", "patterns", v)}
            splitChars={[","]}
            description={GLOB_HELP}
            clearable
          />
        </Stack>
        <Stack gap="xs">
          <Text size="sm" fw={600}>
            Never these files and folders
          </Text>
          <TagsInput
            label="Extensions to exclude"
            placeholder="tmp, bak"
            value={form.exclude.extensions}
            onChange={(v) => lists("exclude", "extensions", v)}
            splitChars={[",", " "]}
            clearable
          />
          <TagsInput
            label="Patterns to exclude"
            placeholder="e.g. ~$*, Archive"
            value={form.exclude.patterns}
            onChange={(v) => lists("exclude", "patterns", v)}
            splitChars={[","]}
            description="An excluded folder takes everything in it along."
            clearable
          />
        </Stack>
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
