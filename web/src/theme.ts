import { createTheme, type CSSVariablesResolver } from "@mantine/core";

// Blue primary with enough contrast for text on white (axe checks colour contrast on every page).
export const theme = createTheme({
  primaryColor: "blue",
  primaryShade: 8,
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Liberation Sans', sans-serif",
  defaultRadius: "sm",
});

/**
 * Contrast fixes for small text (axe checks every page): Mantine's dimmed text (gray 6, 3.3:1 on white) becomes a
 * grey of 5.6:1, and light variants (badges, alerts) put each colour's darkest shade on its palest one, which is
 * 4.5:1 or more from red to teal (green, lime, yellow and orange stay below it: do not use them for light text).
 */
export const cssVariablesResolver: CSSVariablesResolver = (t) => ({
  variables: {},
  light: {
    "--mantine-color-dimmed": "#62686e",
    ...Object.fromEntries(
      Object.keys(t.colors).flatMap((c) => [
        [`--mantine-color-${c}-light-color`, `var(--mantine-color-${c}-9)`],
        [`--mantine-color-${c}-light`, `var(--mantine-color-${c}-0)`],
      ]),
    ),
  },
  dark: {},
});
