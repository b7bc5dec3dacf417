import { useState } from "react";
import { CloseButton, TextInput } from "@mantine/core";
import { IconSearch } from "@tabler/icons-react";

/**
 * "Search in this share": the query is submitted with Enter (not per keystroke, a share may be large); emptying
 * the box or Escape ends the search. `query` is the submitted text ("" when not searching).
 */
export function ShareSearchBox(props: {
  shareName: string;
  query: string;
  onQueryChange: (query: string) => void;
  className?: string;
}) {
  const [text, setText] = useState(props.query);
  // The page clears the query (another folder, a result opened): the box follows.
  const [shownQuery, setShownQuery] = useState(props.query);
  if (shownQuery !== props.query) {
    setShownQuery(props.query);
    if (!props.query) setText("");
  }
  const clear = () => {
    setText("");
    props.onQueryChange("");
  };
  return (
    <form
      role="search"
      className={props.className}
      onSubmit={(e) => {
        e.preventDefault();
        props.onQueryChange(text.trim());
      }}
    >
      <TextInput
        type="search"
        aria-label="Search in this share"
        placeholder={`Search in ${props.shareName}`}
        leftSection={<IconSearch size={16} />}
        value={text}
        onChange={(e) => {
          setText(e.currentTarget.value);
          if (!e.currentTarget.value) props.onQueryChange("");
        }}
        onKeyDown={(e) => {
          if (e.key === "Escape") clear();
        }}
        rightSection={props.query ? <CloseButton size="sm" aria-label="Clear search" onClick={clear} /> : null}
      />
    </form>
  );
}
