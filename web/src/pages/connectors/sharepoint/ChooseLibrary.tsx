import { useEffect, useState } from "react";
import { Button } from "@mantine/core";
import { IconFolderSearch } from "@tabler/icons-react";
import { useSearchParams } from "react-router";
import type { Connector } from "../../../api/connectors";
import { SharePointBrowser } from "./SharePointBrowser";

/**
 * "Choose library" on a SharePoint connection's page (managers): opens the SharePoint browser, also when the page is
 * opened with `?browse=1` (where the Add dialog sends a new connection). The query goes once it has opened the browser.
 */
export function ChooseLibraryButton({ connector }: { connector: Connector }) {
  const [params, setParams] = useSearchParams();
  const [opened, setOpened] = useState(false);
  const browse = params.get("browse") === "1";

  // Opened while rendering (not in the effect), so the dialog shows in the same paint as the page.
  if (browse && !opened) setOpened(true);
  useEffect(() => {
    if (!browse) return;
    setParams(
      (p) => {
        p.delete("browse");
        return p;
      },
      { replace: true },
    );
  }, [browse, setParams]);

  return (
    <>
      <Button
        variant="default"
        leftSection={<IconFolderSearch size={16} aria-hidden />}
        onClick={() => setOpened(true)}
      >
        Choose library
      </Button>
      <SharePointBrowser connector={connector} opened={opened} onClose={() => setOpened(false)} />
    </>
  );
}
