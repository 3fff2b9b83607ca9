/**
 * Outlines of source files, parsed once per version: from an open document's text (keyed by its version) or from
 * disk (keyed by modification time and size). No `vscode`. The runtime rules find a class's `alarm(` here even
 * when its file is not open, through the source files wrangler's source maps name.
 */
import { readFile, stat } from "node:fs/promises";
import type { SourceLocation } from "../sourcemap/mapFrame";
import type { ClassOutline, SourceOutline } from "./outline";
import { outlineSource } from "./outline";

interface Cached {
  readonly version: string;
  readonly outline: SourceOutline;
  /** From an open document: preferred over the disk copy of the same file, which may be older. */
  readonly fromDocument: boolean;
}

/** Largest source file outlined, in bytes: generated or vendored giants are not what the rules look at. */
const MAX_SOURCE_BYTES = 2 * 1024 * 1024;

/** Parsed outlines, by absolute file path. */
export class OutlineCache {
  private readonly cache = new Map<string, Cached>();

  /** The outline of an open document's text at `version`. */
  forText(file: string, version: number, text: string): SourceOutline {
    const key = `doc:${version}`;
    const hit = this.cache.get(file);
    if (hit?.version === key) return hit.outline;
    const outline = outlineSource(text, file);
    this.cache.set(file, { version: key, outline, fromDocument: true });
    return outline;
  }

  /** Forgets a document's outline when it closes, so the disk copy is read next time. */
  closeDocument(file: string): void {
    if (this.cache.get(file)?.fromDocument) this.cache.delete(file);
  }

  /** Outlines these files from disk unless an open document or an unchanged copy is cached. Never rejects. */
  async loadFromDisk(files: Iterable<string>): Promise<void> {
    await Promise.all(
      [...files].map(async (file) => {
        const hit = this.cache.get(file);
        if (hit?.fromDocument) return;
        try {
          const info = await stat(file);
          if (info.size > MAX_SOURCE_BYTES) return;
          const key = `disk:${info.mtimeMs}:${info.size}`;
          if (hit?.version === key) return;
          const outline = outlineSource(await readFile(file, "utf8"), file);
          this.cache.set(file, { version: key, outline, fromDocument: false });
        } catch {
          this.cache.delete(file);
        }
      }),
    );
  }

  /** The cached outline of a file, if any. */
  get(file: string): SourceOutline | undefined {
    return this.cache.get(file)?.outline;
  }

  /** Where class `className` has its alarm handler, among the cached outlines (open documents first). */
  handlerOf(className: string): SourceLocation | undefined {
    const entries = [...this.cache.entries()].sort(([, a], [, b]) => Number(b.fromDocument) - Number(a.fromDocument));
    for (const [file, { outline }] of entries) {
      const c: ClassOutline | undefined = outline.classes.find((k) => k.name === className && k.handler !== null);
      if (c?.handler) return { file, line: c.handler.span.start.line + 1, column: c.handler.span.start.character + 1 };
    }
    return undefined;
  }

  /** Where a class is declared (its name), from the outlines held; open documents first. */
  classOf(className: string): SourceLocation | undefined {
    const entries = [...this.cache.entries()].sort(([, a], [, b]) => Number(b.fromDocument) - Number(a.fromDocument));
    for (const [file, { outline }] of entries) {
      const c: ClassOutline | undefined = outline.classes.find((k) => k.name === className);
      if (c) return { file, line: c.nameSpan.start.line + 1, column: c.nameSpan.start.character + 1 };
    }
    return undefined;
  }
}
