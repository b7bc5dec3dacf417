import { useState } from "react";
import { Anchor, Breadcrumbs, Button, Group, NavLink, ScrollArea, Stack, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconFolder, IconLibrary, IconSearch, IconWorld } from "@tabler/icons-react";
import type { Connector } from "../../../api/connectors";
import { useFolders, useLibraries, useSites, type Library, type Site } from "../../../api/sharepoint";
import { AppDialog } from "../../../components/AppDialog";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { PageLoader } from "../../../components/PageLoader";
import { ShowMoreButton } from "../../../components/ShowMoreButton";
import { SyncChoiceConfirm } from "./SyncChoiceConfirm";

/** Where the browser is: a site's libraries, a folder of a library, or the chosen place being saved. */
type Step =
  | { kind: "sites" }
  | { kind: "libraries"; site: Site }
  | { kind: "folders"; site: Site; library: Library; path: string }
  | { kind: "confirm"; site: Site; library: Library; path: string };

/**
 * "Choose what to sync": the sites the connection's credential can read (with search) → a site's document libraries
 * → folders, and "Sync this library" / "Sync this folder", which save site, library and folder on the connection.
 */
export function SharePointBrowser({
  connector,
  opened,
  onClose,
}: {
  connector: Connector;
  opened: boolean;
  onClose: () => void;
}) {
  return (
    <AppDialog opened={opened} onClose={onClose} title="Choose what to sync" size="lg">
      <BrowserBody connector={connector} onClose={onClose} />
    </AppDialog>
  );
}

function BrowserBody({ connector, onClose }: { connector: Connector; onClose: () => void }) {
  const [step, setStep] = useState<Step>({ kind: "sites" });
  if (step.kind === "confirm")
    return (
      <SyncChoiceConfirm
        connector={connector}
        choice={{ site: step.site, library: step.library, path: step.path }}
        onBack={() => setStep({ ...step, kind: "folders" })}
        onClose={onClose}
      />
    );
  return (
    <Stack gap="md">
      <Location step={step} onGo={setStep} />
      {step.kind === "sites" && (
        <SiteList connectorId={connector.id} onOpen={(site) => setStep({ kind: "libraries", site })} />
      )}
      {step.kind === "libraries" && (
        <LibraryList
          connectorId={connector.id}
          site={step.site}
          onOpen={(library) => setStep({ kind: "folders", site: step.site, library, path: "" })}
        />
      )}
      {step.kind === "folders" && (
        <FolderList
          connectorId={connector.id}
          library={step.library}
          path={step.path}
          onOpen={(path) => setStep({ ...step, path })}
        />
      )}
      <Group justify="flex-end" gap="sm">
        <Button variant="default" onClick={onClose}>
          Cancel
        </Button>
        {step.kind === "folders" && (
          <Button onClick={() => setStep({ ...step, kind: "confirm" })}>
            {step.path === "" ? "Sync this library" : "Sync this folder"}
          </Button>
        )}
      </Group>
    </Stack>
  );
}

/** Breadcrumbs: Sites › site › library › folder › …; every part but the last goes back there. */
function Location({ step, onGo }: { step: Exclude<Step, { kind: "confirm" }>; onGo: (s: Step) => void }) {
  const parts: { label: string; to: Step }[] = [{ label: "Sites", to: { kind: "sites" } }];
  if (step.kind !== "sites")
    parts.push({ label: step.site.display_name || step.site.name, to: { kind: "libraries", site: step.site } });
  if (step.kind === "folders") {
    parts.push({ label: step.library.name, to: { ...step, path: "" } });
    const segments = step.path ? step.path.split("/") : [];
    segments.forEach((name, i) =>
      parts.push({ label: name, to: { ...step, path: segments.slice(0, i + 1).join("/") } }),
    );
  }
  return (
    <nav aria-label="Location">
      <Breadcrumbs separator="›" styles={{ root: { flexWrap: "wrap", rowGap: 4 } }}>
        {parts.map((p, i) =>
          i === parts.length - 1 ? (
            <Text key={i} size="sm" fw={600} aria-current="location">
              {p.label}
            </Text>
          ) : (
            <Anchor key={i} component="button" type="button" size="sm" onClick={() => onGo(p.to)}>
              {p.label}
            </Anchor>
          ),
        )}
      </Breadcrumbs>
    </nav>
  );
}

function ItemList({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <ScrollArea.Autosize mah="50vh" type="auto">
      <Stack gap={2} role="list" aria-label={label}>
        {children}
      </Stack>
    </ScrollArea.Autosize>
  );
}

function Item({
  label,
  description,
  icon,
  onClick,
}: {
  label: string;
  description?: string;
  icon: React.ReactNode;
  onClick: () => void;
}) {
  return (
    <div role="listitem">
      <NavLink
        component="button"
        type="button"
        label={label}
        description={description}
        leftSection={icon}
        onClick={onClick}
        styles={{ root: { borderRadius: "var(--mantine-radius-sm)" }, description: { overflowWrap: "anywhere" } }}
      />
    </div>
  );
}

function SiteList({ connectorId, onOpen }: { connectorId: string; onOpen: (s: Site) => void }) {
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const sites = useSites(connectorId, debounced);
  return (
    <Stack gap="sm">
      <TextInput
        label="Search sites"
        placeholder="Name or address"
        leftSection={<IconSearch size={16} aria-hidden />}
        value={search}
        onChange={(e) => setSearch(e.currentTarget.value)}
        data-autofocus
      />
      {sites.isPending && <PageLoader />}
      {sites.isError && <ErrorNotice error={sites.error} title="The sites could not be listed" />}
      {sites.data && sites.data.length === 0 && (
        <Text size="sm" c="dimmed">
          {debounced ? `No site the connection can read matches “${debounced}”.` : "The connection can read no site."}
        </Text>
      )}
      {sites.data && sites.data.length > 0 && (
        <ItemList label="Sites">
          {sites.data.map((s) => (
            <Item
              key={s.site_id}
              label={s.display_name || s.name}
              description={s.web_url}
              icon={<IconWorld size={18} aria-hidden />}
              onClick={() => onOpen(s)}
            />
          ))}
        </ItemList>
      )}
    </Stack>
  );
}

function LibraryList({ connectorId, site, onOpen }: { connectorId: string; site: Site; onOpen: (l: Library) => void }) {
  const libraries = useLibraries(connectorId, site.site_id);
  if (libraries.isPending) return <PageLoader />;
  if (libraries.isError) return <ErrorNotice error={libraries.error} title="The libraries could not be listed" />;
  if (libraries.data.length === 0)
    return (
      <Text size="sm" c="dimmed">
        This site has no document library the connection can read.
      </Text>
    );
  return (
    <ItemList label="Document libraries">
      {libraries.data.map((l) => (
        <Item
          key={l.drive_id}
          label={l.name}
          description={l.description ?? undefined}
          icon={<IconLibrary size={18} aria-hidden />}
          onClick={() => onOpen(l)}
        />
      ))}
    </ItemList>
  );
}

function FolderList({
  connectorId,
  library,
  path,
  onOpen,
}: {
  connectorId: string;
  library: Library;
  path: string;
  onOpen: (path: string) => void;
}) {
  const folders = useFolders(connectorId, library.drive_id, path);
  if (folders.isPending) return <PageLoader />;
  if (folders.isError) return <ErrorNotice error={folders.error} title="The folders could not be listed" />;
  const all = folders.data.pages.flatMap((p) => p.items);
  if (all.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No folders in here{path ? "" : " at the top of the library"}.
      </Text>
    );
  return (
    <Stack gap="xs">
      <ItemList label="Folders">
        {all.map((f) => (
          <Item
            key={f.path}
            label={f.name}
            description={
              f.child_count === null ? undefined : `${f.child_count} ${f.child_count === 1 ? "item" : "items"}`
            }
            icon={<IconFolder size={18} aria-hidden />}
            onClick={() => onOpen(f.path)}
          />
        ))}
      </ItemList>
      <ShowMoreButton
        hasMore={!!folders.hasNextPage}
        loading={folders.isFetchingNextPage}
        onClick={() => void folders.fetchNextPage()}
      />
    </Stack>
  );
}
