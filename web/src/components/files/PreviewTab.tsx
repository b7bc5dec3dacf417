import { Alert, Button, Center, Loader, Stack, Text } from "@mantine/core";
import { IconDownload } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { contentUrl, zipUrl } from "../../api/files";
import { errorFromResponse } from "../../api/http";
import type { FileNode } from "../../api/types";
import { FileIcon } from "./FileIcon";
import { fileKind, previewKind } from "./file-kind";
import { startDownload } from "./start-download";
import classes from "./DetailsPane.module.css";

/** Text previews read at most this much (one Range request). */
const TEXT_LIMIT = 1024 * 1024;

export function PreviewTab({ shareId, node }: { shareId: string; node: FileNode }) {
  if (node.type === "folder") {
    return (
      <NoPreview
        node={node}
        text="Folders have no preview."
        href={zipUrl(shareId, [node.path])}
        label="Download as ZIP"
      />
    );
  }
  const kind = previewKind(node.name);
  const inline = contentUrl(shareId, node.path, true);
  if (kind === "image")
    return (
      <div className={classes.previewBox}>
        <img src={inline} alt={node.name} className={classes.previewImage} />
      </div>
    );
  if (kind === "pdf") return <iframe title="PDF preview" src={inline} className={classes.previewFrame} />;
  if (kind === "text") return <TextPreview shareId={shareId} node={node} />;
  return (
    <NoPreview node={node} text="No preview for this type." href={contentUrl(shareId, node.path)} label="Download" />
  );
}

function NoPreview({ node, text, href, label }: { node: FileNode; text: string; href: string; label: string }) {
  return (
    <Center className={classes.previewBox} py="xl">
      <Stack align="center" gap="sm">
        <FileIcon kind={fileKind(node)} size={56} />
        <Text size="sm" c="dimmed">
          {text}
        </Text>
        <Button onClick={() => startDownload(href)} variant="light" leftSection={<IconDownload size={16} />}>
          {label}
        </Button>
      </Stack>
    </Center>
  );
}

function TextPreview({ shareId, node }: { shareId: string; node: FileNode }) {
  const text = useQuery({
    queryKey: ["preview", shareId, node.path, node.sha256],
    queryFn: async ({ signal }) => {
      const res = await fetch(contentUrl(shareId, node.path, true), {
        headers: { Range: `bytes=0-${TEXT_LIMIT - 1}` },
        credentials: "same-origin",
        signal,
      });
      if (!res.ok) throw await errorFromResponse(res);
      return new TextDecoder("utf-8").decode(await res.arrayBuffer());
    },
  });
  if (text.isPending)
    return (
      <Center py="xl">
        <Loader size="sm" aria-label="Loading preview" />
      </Center>
    );
  if (text.isError)
    return (
      <Alert color="red" role="alert" title="No preview">
        {text.error.message}
      </Alert>
    );
  return (
    <Stack gap="xs">
      {node.size > TEXT_LIMIT && (
        <Text size="xs" c="dimmed">
          Showing the first 1 MiB.
        </Text>
      )}
      <pre className={classes.previewText} tabIndex={0} role="region" aria-label={`Content of ${node.name}`}>
        {text.data}
      </pre>
    </Stack>
  );
}
