/**
 * The repository's TypeScript import graph, read from the sources (TypeScript's own import scanner: static imports,
 * re-exports, `import()` and `require()`, type-only ones included), and the checks of the module boundaries on it.
 * The file system is a parameter, so the checks are tested on made-up trees as well as on the real one.
 */
import { builtinModules } from "node:module";
import * as path from "node:path";
import * as ts from "typescript";

/** Reads a repository file (a `/`-separated path from the root), or undefined when there is none. */
export type ReadFile = (file: string) => string | undefined;

/** One import: the file it is in, what it names, and the repository file that resolves to (none for packages). */
export interface ImportEdge {
  from: string;
  specifier: string;
  resolved?: string;
}

/** What a file imports. Relative specifiers resolve as the bundler does: `x.ts`, `x.tsx`, `x/index.ts`. */
export function importsOf(file: string, read: ReadFile): ImportEdge[] {
  const text = read(file);
  if (text === undefined) return [];
  return ts.preProcessFile(text, true, true).importedFiles.map(({ fileName: specifier }) => {
    if (!specifier.startsWith(".")) return { from: file, specifier };
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
    const resolved = [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`].find((c) => /\.tsx?$/.test(c) && read(c) !== undefined);
    return resolved ? { from: file, specifier, resolved } : { from: file, specifier };
  });
}

/** Node's own modules, with or without `node:`. */
export function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || builtinModules.includes(specifier.split("/")[0] ?? "");
}

/**
 * Every file reachable from `entries` through relative imports, each with the chain of files that leads to it
 * (entry first): what a violation is reported with, so the line to change is easy to find.
 */
export function reachable(entries: readonly string[], read: ReadFile): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const queue: string[] = [];
  for (const e of entries) {
    if (seen.has(e)) continue;
    seen.set(e, [e]);
    queue.push(e);
  }
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const chain = seen.get(file) ?? [file];
    for (const edge of importsOf(file, read)) {
      if (edge.resolved === undefined || seen.has(edge.resolved)) continue;
      seen.set(edge.resolved, [...chain, edge.resolved]);
      queue.push(edge.resolved);
    }
  }
  return seen;
}

/**
 * Files that must run anywhere (plain mocha, the browser): neither they nor anything they import, however
 * indirectly, may import `vscode` or a Node module. One line per offending import.
 */
export function editorOrNodeImports(entries: readonly string[], read: ReadFile): string[] {
  const out: string[] = [];
  for (const [file, chain] of reachable(entries, read)) {
    for (const edge of importsOf(file, read)) {
      if (edge.specifier === "vscode" || isNodeBuiltin(edge.specifier)) out.push(`${chain.join(" → ")} imports "${edge.specifier}"`);
    }
  }
  // A value import and a type import of the same module are one line.
  return [...new Set(out)];
}

/**
 * Files that may import only files under `allowed` (folders ending in `/`, or single files): no package, and no
 * repository file elsewhere, however indirectly. One line per offending import.
 */
export function importsOutside(entries: readonly string[], allowed: readonly string[], read: ReadFile): string[] {
  const inside = (f: string): boolean => allowed.some((a) => (a.endsWith("/") ? f.startsWith(a) : f === a));
  const out: string[] = [];
  for (const [file, chain] of reachable(entries, read)) {
    // A file outside was reported by the import that reached it; what it imports in turn is not repeated.
    if (!inside(file) && !entries.includes(file)) continue;
    for (const edge of importsOf(file, read)) {
      if (edge.resolved === undefined || !inside(edge.resolved)) out.push(`${chain.join(" → ")} imports "${edge.specifier}"${edge.resolved ? ` (${edge.resolved})` : ""}`);
    }
  }
  return [...new Set(out)];
}
