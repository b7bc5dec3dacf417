import { Anchor, Center, Loader, Stack, Text, UnstyledButton } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { fileKeys, searchShare } from "../../api/files";
import { folderUrl, parentPath } from "../../api/paths";
import type { FileNode } from "../../api/types";
import { formatBytes, formatDate } from "../../format";
import { FileIcon } from "./FileIcon";
import { fileKind } from "./file-kind";
import classes from "./SearchResults.module.css";

/** Names in the whole share that contain the query, each with the folder it is in; a click opens it there. */
export function SearchResults(props: {
  shareId: string;
  shareName: string;
  query: string;
  onOpen: (node: FileNode) => void;
}) {
  const results = useQuery({
    queryKey: fileKeys.search(props.shareId, props.query),
    queryFn: ({ signal }) => searchShare(props.shareId, props.query, signal),
  });
  return (
    <section aria-label="Search results" className={classes.box}>
      {results.isPending && (
        <Center py="xl">
          <Loader size="sm" aria-label="Searching" />
        </Center>
      )}
      {results.isError && (
        <Text c="red.8" p="md" role="alert">
          {results.error.message}
        </Text>
      )}
      {results.data && (
        <>
          <Text size="sm" c="dimmed" px="md" py="xs" role="status">
            {results.data.items.length === 0
              ? `Nothing in ${props.shareName} is named like “${props.query}”.`
              : `${results.data.items.length}${results.data.next_cursor ? "+" : ""} found for “${props.query}”`}
          </Text>
          <ul className={classes.list}>
            {results.data.items.map((node) => {
              const folder = parentPath(node.path);
              return (
                <li key={node.id} className={classes.item}>
                  <FileIcon kind={fileKind(node)} />
                  <Stack gap={0} className={classes.text}>
                    {node.type === "folder" ? (
                      <Anchor component={Link} to={folderUrl(props.shareId, node.path)} fw={500} size="sm">
                        {node.name}
                      </Anchor>
                    ) : (
                      <UnstyledButton className={classes.name} onClick={() => props.onOpen(node)}>
                        {node.name}
                      </UnstyledButton>
                    )}
                    <Text size="xs" c="dimmed">
                      in{" "}
                      <Anchor
                        component={Link}
                        to={folderUrl(props.shareId, folder)}
                        size="xs"
                        c="dimmed"
                        underline="always"
                      >
                        {folder === "/" ? props.shareName : folder}
                      </Anchor>
                    </Text>
                  </Stack>
                  <Text size="xs" c="dimmed" className={classes.meta}>
                    {node.type === "file" ? `${formatBytes(node.size)} · ` : ""}
                    {formatDate(node.modified_at)}
                  </Text>
                </li>
              );
            })}
          </ul>
        </>
      )}
    </section>
  );
}
