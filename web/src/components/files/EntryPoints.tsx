import { Anchor, Center, Loader, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { entryPoints } from "../../api/files";
import { folderUrl, parentPath } from "../../api/paths";
import { ErrorNotice } from "../ErrorNotice";
import { FileIcon } from "./FileIcon";
import { fileKind } from "./file-kind";
import classes from "./SearchResults.module.css";

/**
 * Shown instead of a share's top level to someone who may not read it but was given folders or files further down:
 * those items, each a link to where it is.
 */
export function EntryPoints({ shareId, shareName }: { shareId: string; shareName: string }) {
  const entries = useQuery({ queryKey: ["entry-points", shareId], queryFn: () => entryPoints(shareId) });
  if (entries.isPending)
    return (
      <Center h={200}>
        <Loader aria-label="Loading" />
      </Center>
    );
  if (entries.isError) return <ErrorNotice error={entries.error} />;
  return (
    <section aria-labelledby="entry-points-title" className={classes.box}>
      <Stack gap={4} px="md" py="sm">
        <Title order={2} size="h4" id="entry-points-title">
          Shared with you
        </Title>
        <Text size="sm" c="dimmed">
          {entries.data.length === 0
            ? `Nothing in ${shareName} is shared with you any more.`
            : `You cannot open the top of ${shareName}, only these items in it.`}
        </Text>
      </Stack>
      <ul className={classes.list}>
        {entries.data.map((node) => (
          <li key={node.id} className={classes.item}>
            <FileIcon kind={fileKind(node)} />
            <Stack gap={0} className={classes.text}>
              <Anchor
                component={Link}
                to={folderUrl(shareId, node.type === "folder" ? node.path : parentPath(node.path))}
                state={node.type === "file" ? { reveal: node.id } : undefined}
                fw={500}
                size="sm"
              >
                {node.name}
              </Anchor>
              <Text size="xs" c="dimmed">
                {node.path}
              </Text>
            </Stack>
          </li>
        ))}
      </ul>
    </section>
  );
}
