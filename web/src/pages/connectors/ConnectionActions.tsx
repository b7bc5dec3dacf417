import { useState } from "react";
import { Button } from "@mantine/core";
import { IconCloudDownload, IconCloudUpload, IconListSearch } from "@tabler/icons-react";
import type { Connector } from "../../api/connectors";
import { PreviewDialog } from "./PreviewDialog";
import { PushPullDialog, type PushPullMode } from "./PushPullDialog";

/** Preview, Push and Pull for a connection's managers, with their dialogs; off while disabled or while a job runs. */
export function ConnectionActions({
  connector,
  shareName,
  busy,
}: {
  connector: Connector;
  shareName: string | undefined;
  busy: boolean;
}) {
  // 0 while closed; each opening gets a new number, so it plans afresh.
  const [previewing, setPreviewing] = useState(0);
  const [mode, setMode] = useState<PushPullMode | null>(null);
  const off = !connector.enabled || busy;
  const why = !connector.enabled ? "Enable the connection first" : busy ? "A job is running" : undefined;
  return (
    <>
      <Button
        variant="default"
        leftSection={<IconListSearch size={16} />}
        disabled={off}
        title={why}
        onClick={() => setPreviewing(Date.now())}
      >
        Preview
      </Button>
      <Button
        variant="default"
        leftSection={<IconCloudUpload size={16} />}
        disabled={off}
        title={why}
        onClick={() => setMode("push")}
      >
        Push
      </Button>
      <Button
        variant="default"
        leftSection={<IconCloudDownload size={16} />}
        disabled={off}
        title={why}
        onClick={() => setMode("pull")}
      >
        Pull
      </Button>
      <PreviewDialog
        type={connector.type}
        connectorId={connector.id}
        opening={previewing}
        onClose={() => setPreviewing(0)}
      />
      <PushPullDialog connector={connector} shareName={shareName} mode={mode} onClose={() => setMode(null)} />
    </>
  );
}
