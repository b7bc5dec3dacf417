import { useState } from "react";
import { Combobox, Group, Loader, Text, TextInput, useCombobox } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconSearch, IconUser, IconUsers } from "@tabler/icons-react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { errorText } from "../../api/error-text";
import { searchEntra, type EntraPrincipal } from "../../api/identity-mappings";

/**
 * Finds users and groups in the SharePoint connection's Entra directory as you type (the connection's
 * azure/users/search and azure/groups/search, through its own credential) and hands the chosen one back. The box then
 * shows the chosen name; typing again starts a new search and clears the choice.
 */
export function EntraPrincipalPicker({
  connectorId,
  value,
  onChange,
  error,
}: {
  connectorId: string;
  value: EntraPrincipal | null;
  onChange: (p: EntraPrincipal | null) => void;
  error?: string;
}) {
  const combobox = useCombobox({ onDropdownClose: () => combobox.resetSelectedOption() });
  const [search, setSearch] = useState("");
  // Every keystroke would be two Graph queries: wait until typing pauses.
  const [q] = useDebouncedValue(search.trim(), 300);
  const found = useQuery({
    queryKey: ["entra-search", connectorId, q],
    queryFn: ({ signal }) => searchEntra(connectorId, q, signal),
    enabled: q.length > 0 && !value,
    placeholderData: keepPreviousData,
    staleTime: 30_000,
    retry: false,
  });
  const options = found.data ?? [];
  const byId = new Map(options.map((o) => [o.id, o]));

  return (
    <Combobox
      store={combobox}
      onOptionSubmit={(id) => {
        const picked = byId.get(id);
        if (!picked) return;
        onChange(picked);
        setSearch(picked.name);
        combobox.closeDropdown();
      }}
    >
      <Combobox.Target withExpandedAttribute>
        <TextInput
          label="Entra user or group"
          description="Search the connection's directory by the start of a name or e-mail address."
          placeholder="e.g. Alice or alice@contoso.com"
          leftSection={<IconSearch size={16} />}
          rightSection={found.isFetching ? <Loader size={14} aria-label="Searching the directory" /> : null}
          value={search}
          // A refused search (the credential, the network) says why under the box.
          error={found.isError ? `The directory search failed: ${errorText(found.error)}` : error}
          onChange={(e) => {
            setSearch(e.currentTarget.value);
            if (value) onChange(null);
            combobox.openDropdown();
            combobox.updateSelectedOptionIndex();
          }}
          onFocus={() => combobox.openDropdown()}
          onBlur={() => combobox.closeDropdown()}
          autoComplete="off"
          data-autofocus
        />
      </Combobox.Target>
      <Combobox.Dropdown hidden={q.length === 0 || !!value}>
        <Combobox.Options aria-label="Entra users and groups">
          {options.map((o) => (
            <Combobox.Option value={o.id} key={`${o.kind}:${o.id}`}>
              <Group gap="xs" wrap="nowrap">
                {o.kind === "group" ? (
                  <IconUsers size={16} aria-hidden="true" />
                ) : (
                  <IconUser size={16} aria-hidden="true" />
                )}
                <div>
                  <Text size="sm">
                    {o.name}
                    <Text span size="xs" c="dimmed">
                      {o.kind === "group" ? " · group" : ""}
                    </Text>
                  </Text>
                  {o.email && o.email !== o.name && (
                    <Text size="xs" c="dimmed">
                      {o.email}
                    </Text>
                  )}
                </div>
              </Group>
            </Combobox.Option>
          ))}
          {found.isSuccess && !found.isPlaceholderData && options.length === 0 && (
            <Combobox.Empty>Nobody in the directory matches</Combobox.Empty>
          )}
        </Combobox.Options>
      </Combobox.Dropdown>
    </Combobox>
  );
}
