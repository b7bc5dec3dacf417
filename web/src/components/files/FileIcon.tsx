import {
  IconFile,
  IconFileMusic,
  IconFileText,
  IconFileTypePdf,
  IconFileZip,
  IconFolderFilled,
  IconPhoto,
  type Icon,
} from "@tabler/icons-react";
import type { FileKind } from "./file-kind";

const ICONS: Record<FileKind, { icon: Icon; color: string }> = {
  folder: { icon: IconFolderFilled, color: "var(--mantine-color-yellow-6)" },
  image: { icon: IconPhoto, color: "var(--mantine-color-teal-7)" },
  pdf: { icon: IconFileTypePdf, color: "var(--mantine-color-red-7)" },
  text: { icon: IconFileText, color: "var(--mantine-color-blue-7)" },
  archive: { icon: IconFileZip, color: "var(--mantine-color-orange-7)" },
  media: { icon: IconFileMusic, color: "var(--mantine-color-grape-7)" },
  other: { icon: IconFile, color: "var(--mantine-color-gray-6)" },
};

/** The icon of a kind of file; decorative, the name beside it says what it is. */
export function FileIcon({ kind, size = 20 }: { kind: FileKind; size?: number }) {
  const { icon: Glyph, color } = ICONS[kind];
  return <Glyph size={size} color={color} stroke={1.6} aria-hidden="true" style={{ flex: "none" }} />;
}
