// Lint rules for ScaiDrive (the README's "Code style" section lists them). Formatting is Prettier's
// job (.prettierrc.json); these rules are about correctness, plus the 120-character line limit.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "web/dist/**", "coverage/**", ".tmp/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: "module" },
    rules: {
      // Unused code is a defect; a leading underscore marks a parameter kept for its position.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      // Protocol codecs and tests cross untyped boundaries (JSON bodies, wire structures).
      "@typescript-eslint/no-explicit-any": "off",
      // `x!` after a check the compiler cannot follow is clearer than a redundant branch.
      "@typescript-eslint/no-non-null-assertion": "off",
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-var": "error",
      // A variable a closure reads before its one assignment cannot be const.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
      // Name rules and wire codecs match control characters on purpose.
      "no-control-regex": "off",
      "no-console": ["error", { allow: ["error"] }],
      "max-len": [
        "error",
        {
          code: 120,
          ignoreUrls: true,
          ignoreStrings: false,
          ignoreTemplateLiterals: true,
          ignoreRegExpLiterals: true,
        },
      ],
    },
  },
  {
    // The web client runs in the browser; hooks rules catch stale closures and conditional hooks.
    files: ["web/src/**/*.{ts,tsx}"],
    languageOptions: { globals: globals.browser },
    plugins: { "react-hooks": reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    files: ["scripts/**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
  {
    // Command-line programs, tests and benchmarks talk to a terminal.
    files: ["src/cli/**", "test/**", "bench/**", "scripts/**"],
    rules: { "no-console": "off" },
  },
);
