import { Button, Center } from "@mantine/core";

/** Loads the next page of a long list; absent when there is none. */
export function ShowMoreButton({
  hasMore,
  loading,
  onClick,
  label = "Show more",
}: {
  hasMore: boolean;
  loading: boolean;
  onClick: () => void;
  label?: string;
}) {
  if (!hasMore) return null;
  return (
    <Center>
      <Button variant="default" loading={loading} onClick={onClick}>
        {label}
      </Button>
    </Center>
  );
}
