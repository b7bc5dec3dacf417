import { useState } from "react";
import { Select } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { apiRequest } from "../api/http";
import type { Page, User } from "../api/types";

/**
 * A combobox that finds users as you type (GET /users?q=, matching name or email) and hands back the chosen one.
 * `exclude` leaves out users that are already there (e.g. a group's members).
 */
export function UserPicker({
  label,
  value,
  onChange,
  exclude = [],
  placeholder = "Type a name or email",
}: {
  label: string;
  value: User | null;
  onChange: (user: User | null) => void;
  exclude?: readonly string[];
  placeholder?: string;
}) {
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search.trim(), 200);
  // While a user is chosen the box shows "Name <email>"; that text is not a search.
  const q = value ? "" : debounced;
  const users = useQuery({
    queryKey: ["user-search", q],
    queryFn: () => apiRequest<Page<User>>("/users", { query: { q: q || undefined, limit: 20 } }),
    placeholderData: keepPreviousData,
    staleTime: 10_000,
  });
  const found = (users.data?.items ?? []).filter((u) => !exclude.includes(u.id) || u.id === value?.id);
  const byId = new Map(found.map((u) => [u.id, u]));
  if (value) byId.set(value.id, value);

  return (
    <Select
      label={label}
      placeholder={placeholder}
      searchable
      clearable
      searchValue={search}
      onSearchChange={setSearch}
      // The server has filtered already; the list shows what it answered.
      filter={({ options }) => options}
      data={[...byId.values()].map((u) => ({ value: u.id, label: `${u.name} <${u.email}>` }))}
      value={value?.id ?? null}
      onChange={(id) => onChange(id ? (byId.get(id) ?? null) : null)}
      nothingFoundMessage={users.isFetching ? "Searching…" : "No user matches"}
      clearButtonProps={{ "aria-label": `Clear ${label.toLowerCase()}` }}
      comboboxProps={{ withinPortal: true }}
    />
  );
}
