import { lazy, Suspense, useCallback, useMemo, useState } from "react";
import { Alert, Anchor, Badge, Button, Center, EmptyState, Group, Loader, Text, Title } from "@mantine/core";
import { IconFolderOpen, IconPlugConnected } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import { contentUrl, fileKeys, getShare, statNode, zipUrl } from "../../api/files";
import { ApiError } from "../../api/http";
import { baseName, folderUrl, parentPath } from "../../api/paths";
import type { FileNode } from "../../api/types";
import { ErrorNotice } from "../../components/ErrorNotice";
import { PageLoader } from "../../components/PageLoader";
import type { DetailsTab } from "../../components/files/DetailsPane";
import { DeleteDialog } from "../../components/files/DeleteDialog";
import { EntryPoints } from "../../components/files/EntryPoints";
import { FileList } from "../../components/files/FileList";
import { FileToolbar } from "../../components/files/FileToolbar";
import { FolderBreadcrumbs } from "../../components/files/FolderBreadcrumbs";
import { FolderDropZone } from "../../components/files/FolderDropZone";
import { MoveDialog } from "../../components/files/MoveDialog";
import { NewFolderDialog } from "../../components/files/NewFolderDialog";
import { RenameDialog } from "../../components/files/RenameDialog";
import { SearchResults } from "../../components/files/SearchResults";
import { ShareSearchBox } from "../../components/files/ShareSearchBox";
import { UploadsPanel } from "../../components/files/UploadsPanel";
import { fromFileList } from "../../components/files/picked-files";
import { sortNodes, type SortKey, type SortOrder } from "../../components/files/sort-nodes";
import { startDownload } from "../../components/files/start-download";
import { useFolderListing } from "../../components/files/use-folder-listing";
import { useMountNames } from "../../components/files/use-mount-names";
import { useUploadFlow } from "../../components/files/use-upload-flow";
import { useUploadRefresh } from "../../components/files/use-upload-refresh";
import classes from "./FolderPage.module.css";

const DetailsPane = lazy(() => import("../../components/files/DetailsPane"));

/** What a navigation into this page may carry: a node to reveal (from search), or "focus the list" (keyboard). */
interface FolderLocationState {
  reveal?: string;
  focusList?: boolean;
}

const EMPTY_HINT = "Drag files or folders here to upload them, or use Upload files, Upload folder or New folder above.";

type Dialog = "new-folder" | "rename" | "move" | "delete" | null;

/** `/files/:shareId/*`: one folder of a share, with its toolbar, list, details pane and uploads. */
export function Component() {
  const params = useParams();
  const shareId = params.shareId!;
  const folder = "/" + (params["*"] ?? "").split("/").filter(Boolean).join("/");
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const navState = (location.state ?? {}) as FolderLocationState;

  const share = useQuery({ queryKey: fileKeys.share(shareId), queryFn: () => getShare(shareId) });
  const listing = useFolderListing(shareId, folder);
  const mounts = useMountNames(shareId, folder);

  const [order, setOrder] = useState<SortOrder>({ key: "name", direction: "ascending" });
  const [selectedIds, setSelectedIds] = useState<Set<string>>(new Set());
  const [details, setDetails] = useState<{ id: string; tab: DetailsTab } | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [query, setQuery] = useState("");

  // A new folder starts with nothing selected, no pane and no search.
  const [shownFolder, setShownFolder] = useState(folder);
  if (shownFolder !== folder) {
    setShownFolder(folder);
    setSelectedIds(new Set());
    setDetails(null);
    setQuery("");
  }

  const sorted = useMemo(() => sortNodes(listing.items, order), [listing.items, order]);
  const byId = useMemo(() => new Map(listing.items.map((n) => [n.id, n])), [listing.items]);
  const selected = useMemo(() => sorted.filter((n) => selectedIds.has(n.id)), [sorted, selectedIds]);

  // The current folder's own node, for the details pane when nothing is selected.
  const folderNode = useQuery({
    queryKey: ["stat", shareId, folder],
    queryFn: () => statNode(shareId, folder),
    enabled: details?.id === "folder",
  });
  const detailsNode = details ? (details.id === "folder" ? folderNode.data : byId.get(details.id)) : undefined;

  // A search result opened here: select it, scroll to it, and show a file's details (once per navigation).
  const reveal = navState.reveal;
  const [revealed, setRevealed] = useState<string | null>(null);
  if (reveal && revealed !== location.key) {
    const node = listing.items.find((n) => n.id === reveal);
    if (node) {
      setRevealed(location.key);
      setSelectedIds(new Set([node.id]));
      if (node.type === "file") setDetails({ id: node.id, tab: "preview" });
    }
  }

  useUploadRefresh();
  const refresh = useCallback(
    () => queryClient.invalidateQueries({ queryKey: fileKeys.listings(shareId) }),
    [queryClient, shareId],
  );
  const uploads = useUploadFlow({
    shareId,
    folder,
    listing: listing.items,
    onFoldersCreated: () => void refresh(),
    onError: setNotice,
  });

  const open = (node: FileNode, viaKeyboard = false) => {
    if (node.type === "folder") navigate(folderUrl(shareId, node.path), { state: { focusList: viaKeyboard } });
    else setDetails({ id: node.id, tab: details?.tab ?? "preview" });
  };

  const openSearchResult = (node: FileNode) => {
    setQuery("");
    const parent = parentPath(node.path);
    if (parent === folder) {
      setSelectedIds(new Set([node.id]));
      setDetails({ id: node.id, tab: "preview" });
    } else navigate(folderUrl(shareId, parent), { state: { reveal: node.id } });
  };

  const onSort = (key: SortKey) =>
    setOrder((o) =>
      o.key === key
        ? { key, direction: o.direction === "ascending" ? "descending" : "ascending" }
        : { key, direction: key === "name" ? "ascending" : "descending" },
    );

  const download = () => {
    if (selected.length === 0) return;
    const one = selected.length === 1 ? selected[0]! : null;
    const href =
      one && one.type === "file"
        ? contentUrl(shareId, one.path)
        : zipUrl(
            shareId,
            selected.map((n) => n.path),
            one ? undefined : folder === "/" ? share.data?.name : baseName(folder),
          );
    startDownload(href);
  };

  const toggleDetails = () => {
    if (details) return setDetails(null);
    if (selected.length === 1) setDetails({ id: selected[0]!.id, tab: "preview" });
    else setDetails({ id: "folder", tab: "sharing" });
  };

  if (share.isError) {
    const missing = share.error instanceof ApiError && share.error.status === 404;
    return missing ? (
      <Alert color="yellow" title="Share not found" role="alert">
        This share does not exist or you cannot see it.{" "}
        <Anchor component={Link} to="/files">
          Back to your shares
        </Anchor>
      </Alert>
    ) : (
      <ErrorNotice error={share.error} />
    );
  }
  if (share.isPending) return <PageLoader label="Loading share" />;

  const title = folder === "/" ? share.data.name : baseName(folder);
  const listError = listing.error;
  // Given folders further down but not the share's top level: show those instead of the (unreadable) root.
  const rootHidden = folder === "/" && listError instanceof ApiError && listError.status === 404;

  return (
    <div className={classes.page}>
      <Group justify="space-between" wrap="wrap" gap="sm">
        <div className={classes.titleBlock}>
          <FolderBreadcrumbs shareId={shareId} shareName={share.data.name} path={folder} />
          <Group gap="sm" wrap="nowrap">
            <Title order={1} size="h2" className={classes.title}>
              {title}
            </Title>
            {mounts.current && (
              <Badge
                variant="light"
                color="indigo"
                leftSection={<IconPlugConnected size={12} aria-hidden="true" />}
                title="Mount"
              >
                {mounts.current.name || "Mount"}
              </Badge>
            )}
          </Group>
        </div>
        {!rootHidden && (
          <ShareSearchBox
            key={folder}
            shareName={share.data.name}
            query={query}
            onQueryChange={setQuery}
            className={classes.search}
          />
        )}
      </Group>

      {!rootHidden && (
        <FileToolbar
          selected={selected}
          detailsOpen={!!details}
          onUploadFiles={(files) => uploads.pick(fromFileList(files))}
          onUploadFolder={(files) => uploads.pick(fromFileList(files))}
          onNewFolder={() => setDialog("new-folder")}
          onDownload={download}
          onRename={() => setDialog("rename")}
          onMove={() => setDialog("move")}
          onDelete={() => setDialog("delete")}
          onDetails={toggleDetails}
        />
      )}

      {notice && (
        <Alert color="red" role="alert" withCloseButton closeButtonLabel="Dismiss" onClose={() => setNotice(null)}>
          {notice}
        </Alert>
      )}

      <div className={classes.content}>
        <FolderDropZone className={classes.listArea} folderName={title} onDrop={uploads.pick} onError={setNotice}>
          {query ? (
            <SearchResults shareId={shareId} shareName={share.data.name} query={query} onOpen={openSearchResult} />
          ) : rootHidden ? (
            <EntryPoints shareId={shareId} shareName={share.data.name} />
          ) : listError ? (
            listError instanceof ApiError && listError.status === 404 ? (
              <Alert color="yellow" title="Folder not found" role="alert">
                This folder does not exist (any more) or you cannot see it.{" "}
                <Anchor component={Link} to={folderUrl(shareId, "/")}>
                  Go to {share.data.name}
                </Anchor>
              </Alert>
            ) : (
              <ErrorNotice error={listError} />
            )
          ) : listing.isPending ? (
            <Center h={200}>
              <Loader aria-label="Loading folder" />
            </Center>
          ) : listing.complete && sorted.length === 0 ? (
            <div className={classes.empty}>
              <EmptyState
                icon={<IconFolderOpen size={40} stroke={1.4} />}
                withIndicatorBackground
                title="This folder is empty"
                description={EMPTY_HINT}
              />
            </div>
          ) : (
            <FileList
              shareId={shareId}
              items={sorted}
              order={order}
              onSort={onSort}
              selected={selectedIds}
              onSelectionChange={setSelectedIds}
              onOpen={open}
              activeId={details?.id}
              mounts={mounts.byPath}
              revealId={revealed === location.key ? (reveal ?? null) : null}
              autoFocus={!!navState.focusList}
            />
          )}
        </FolderDropZone>
        {details && (
          <div className={classes.details}>
            <Suspense fallback={<PageLoader label="Loading details" />}>
              {detailsNode ? (
                <DetailsPane
                  share={share.data}
                  node={detailsNode}
                  tab={details.tab}
                  onTabChange={(tab) => setDetails({ ...details, tab })}
                  onClose={() => setDetails(null)}
                />
              ) : (
                <PageLoader label="Loading details" />
              )}
            </Suspense>
          </div>
        )}
      </div>
      <Group gap="xs" className={classes.footer}>
        <Text size="xs" c="dimmed">
          {listing.items.length.toLocaleString()} {listing.items.length === 1 ? "item" : "items"}
          {!listing.complete && !listError && !listing.isPending ? " · loading more…" : ""}
        </Text>
        {selected.length > 0 && (
          <>
            <Text size="xs" c="dimmed">
              · {selected.length.toLocaleString()} selected
            </Text>
            <Button size="compact-xs" variant="subtle" onClick={() => setSelectedIds(new Set())}>
              Clear selection
            </Button>
          </>
        )}
      </Group>

      <UploadsPanel />

      {dialog === "new-folder" && (
        <NewFolderDialog
          shareId={shareId}
          folder={folder}
          onClose={() => setDialog(null)}
          onCreated={() => {
            setDialog(null);
            void refresh();
          }}
        />
      )}
      {dialog === "rename" && selected.length === 1 && (
        <RenameDialog
          shareId={shareId}
          node={selected[0]!}
          onClose={() => setDialog(null)}
          onRenamed={(node) => {
            setDialog(null);
            setSelectedIds(new Set([node.id]));
            void refresh();
          }}
        />
      )}
      {dialog === "move" && selected.length > 0 && (
        <MoveDialog
          shareId={shareId}
          shareName={share.data.name}
          nodes={selected}
          onClose={() => setDialog(null)}
          onMoved={() => {
            setDialog(null);
            setSelectedIds(new Set());
            void refresh();
          }}
        />
      )}
      {dialog === "delete" && selected.length > 0 && (
        <DeleteDialog
          shareId={shareId}
          nodes={selected}
          onClose={() => setDialog(null)}
          onDeleted={() => {
            setDialog(null);
            setSelectedIds(new Set());
            if (details && selectedIds.has(details.id)) setDetails(null);
            void refresh();
          }}
        />
      )}
      {uploads.dialog}
    </div>
  );
}
