/**
 * Reads the import edges of TypeScript sources with the TypeScript compiler API, so the layer rules
 * in `layer-rules.ts` are checked against what the compiler sees rather than against a regex.
 *
 * Every form that names a module is an edge: `import ... from`, `import "x"`, `export ... from`,
 * `import x = require("x")`, a dynamic `import("x")` with a string literal, and a type position
 * `import("x").T`. A dynamic import whose argument is computed (the migration loader builds a file
 * URL) names no module at compile time and is not an edge.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

export type ImportKind = "static" | "re-export" | "dynamic" | "import-type" | "require";

export interface ImportEdge {
  /** Importing file, repo-relative with `/` separators, e.g. `src/store/sync/connector-store.ts`. */
  from: string;
  /** The specifier exactly as written. */
  specifier: string;
  kind: ImportKind;
  /**
   * True when the edge is erased from the emitted JavaScript: `import type`, `export type`, an import
   * or re-export whose every named binding is marked `type`, or `import("x").T` in a type position.
   * Such an edge is a compile-time dependency only.
   */
  typeOnly: boolean;
  /**
   * For a relative specifier, the repo-relative file it names with the `.js` suffix mapped back to
   * the `.ts` source (`null` when no such file exists). Undefined for bare specifiers.
   */
  target?: string | null;
  /** 1-based line of the specifier, for messages. */
  line: number;
}

export function toPosix(path: string): string {
  return path.split(sep).join("/");
}

/** Every `*.ts` file below `dir` (repo-relative, sorted), skipping `node_modules`. */
export function listTsFiles(repoRoot: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string): void => {
    for (const name of readdirSync(abs).sort()) {
      if (name === "node_modules") continue;
      const child = join(abs, name);
      if (statSync(child).isDirectory()) walk(child);
      else if (name.endsWith(".ts")) out.push(toPosix(relative(repoRoot, child)));
    }
  };
  walk(join(repoRoot, dir));
  return out;
}

function importClauseIsTypeOnly(clause: ts.ImportClause | undefined): boolean {
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  if (!bindings || !ts.isNamedImports(bindings)) return false;
  return bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

function exportIsTypeOnly(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  if (!clause || !ts.isNamedExports(clause)) return false;
  return clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
}

/**
 * The edges of one source text, without resolution. `fileName` only labels the edges. Pure, so the
 * extraction itself can be tested on a fixture text.
 */
export function extractImports(fileName: string, text: string): ImportEdge[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (literal: ts.StringLiteralLike, kind: ImportKind, typeOnly: boolean): void => {
    const line = source.getLineAndCharacterOfPosition(literal.getStart(source)).line + 1;
    edges.push({ from: fileName, specifier: literal.text, kind, typeOnly, line });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteralLike(node.moduleSpecifier)) {
      add(node.moduleSpecifier, "static", importClauseIsTypeOnly(node.importClause));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteralLike(node.moduleSpecifier)) {
      add(node.moduleSpecifier, "re-export", exportIsTypeOnly(node));
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteralLike(node.moduleReference.expression)
    ) {
      add(node.moduleReference.expression, "require", node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) add(arg, "dynamic", false);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteralLike(arg.literal)) add(arg.literal, "import-type", true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/**
 * The specifiers `ts.preProcessFile` (the compiler's own pre-scan) finds in a text. The test checks
 * that `extractImports` found each of them, so an import form the walker does not know cannot slip
 * past the rules unseen.
 */
export function preProcessedSpecifiers(text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** The repo-relative source a relative specifier names, or null when none exists. */
export function resolveRelative(repoRoot: string, fromFile: string, specifier: string): string | null {
  const base = resolve(repoRoot, dirname(fromFile), specifier);
  const candidates = [base];
  if (base.endsWith(".js")) candidates.unshift(base.slice(0, -3) + ".ts");
  candidates.push(base + ".ts", join(base, "index.ts"));
  for (const candidate of candidates) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return toPosix(relative(repoRoot, candidate));
  }
  return null;
}

export function isRelative(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../");
}

/** Reads every file and returns its edges, relative ones resolved. */
export function buildImportGraph(repoRoot: string, files: readonly string[]): Map<string, ImportEdge[]> {
  const graph = new Map<string, ImportEdge[]>();
  for (const file of files) {
    const text = readFileSync(join(repoRoot, file), "utf8");
    const edges = extractImports(file, text).map((edge) =>
      isRelative(edge.specifier) ? { ...edge, target: resolveRelative(repoRoot, file, edge.specifier) } : edge,
    );
    graph.set(file, edges);
  }
  return graph;
}
