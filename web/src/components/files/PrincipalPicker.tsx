import { useState } from "react";
import { Combobox, Group, Loader, Text, TextInput, useCombobox } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconSearch, IconUser, IconUsers } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { findGroups, findUsers } from "../../api/files";

interface Option {
  id: string;
  kind: "user" | "group";
  name: string;
  detail?: string;
}

/**
 * Finds users and groups by name or email (GET /users?q= and /groups?q=) and hands the chosen one's id back. `only`
 * limits it to users or to groups; `label`, `placeholder` and `description` replace the sharing pane's wording.
 */
export function PrincipalPicker(props: {
  exclude: ReadonlySet<string>;
  onPick: (id: string) => void;
  disabled?: boolean;
  only?: "user" | "group";
  label?: string;
  placeholder?: string;
  description?: string;
}) {
  const { exclude, onPick, only } = props;
  const combobox = useCombobox({ onDropdownClose: () => combobox.resetSelectedOption() });
  const [search, setSearch] = useState("");
  const [q] = useDebouncedValue(search.trim(), 200);
  const found = useQuery({
    queryKey: ["principal-search", q],
    queryFn: async ({ signal }) => {
      const [users, groups] = await Promise.all([findUsers(q, signal), findGroups(q, signal)]);
      const options: Option[] = [
        ...groups.items.map((g) => ({ id: g.id, kind: "group" as const, name: g.name })),
        ...users.items
          .filter((u) => !u.disabled)
          .map((u) => ({ id: u.id, kind: "user" as const, name: u.name, detail: u.email })),
      ];
      return options;
    },
    enabled: q.length > 0,
    staleTime: 30_000,
  });
  const options = (found.data ?? []).filter((o) => !exclude.has(o.id) && (!only || o.kind === only));

  return (
    <Combobox
      store={combobox}
      onOptionSubmit={(id) => {
        onPick(id);
        setSearch("");
        combobox.closeDropdown();
      }}
    >
      <Combobox.Target withExpandedAttribute>
        <TextInput
          label={props.label ?? "Add people or groups"}
          placeholder={props.placeholder ?? "Search by name or email"}
          description={props.description}
          leftSection={<IconSearch size={16} />}
          rightSection={found.isFetching ? <Loader size={14} aria-label="Searching" /> : null}
          value={search}
          onChange={(e) => {
            setSearch(e.currentTarget.value);
            combobox.openDropdown();
            combobox.updateSelectedOptionIndex();
          }}
          onFocus={() => combobox.openDropdown()}
          onBlur={() => combobox.closeDropdown()}
          autoComplete="off"
          disabled={props.disabled}
        />
      </Combobox.Target>
      <Combobox.Dropdown hidden={q.length === 0}>
        <Combobox.Options aria-label="People and groups">
          {options.map((o) => (
            <Combobox.Option value={o.id} key={o.id}>
              <Group gap="xs" wrap="nowrap">
                {o.kind === "group" ? (
                  <IconUsers size={16} aria-hidden="true" />
                ) : (
                  <IconUser size={16} aria-hidden="true" />
                )}
                <div>
                  <Text size="sm">{o.name}</Text>
                  {o.detail && (
                    <Text size="xs" c="dimmed">
                      {o.detail}
                    </Text>
                  )}
                </div>
              </Group>
            </Combobox.Option>
          ))}
          {found.isSuccess && options.length === 0 && <Combobox.Empty>Nobody found</Combobox.Empty>}
        </Combobox.Options>
      </Combobox.Dropdown>
    </Combobox>
  );
}
