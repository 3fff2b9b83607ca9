/**
 * The module boundaries, enforced: what must stay free of `vscode` and Node stays so, and the timeline webview's
 * bundle holds nothing but its own folder and the one folder shared with the host. (gitlens keeps `vscode` out of
 * its webview protocols by lint; here a unit test reads the import graph, type-only imports included.)
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Commands, EditorCommands } from "../../extension/common/ids";
import { editorOrNodeImports, importsOf, importsOutside, reachable } from "./importGraph";
import type { ReadFile } from "./importGraph";

const ROOT = join(__dirname, "..", "..", "..");

/** The folder of code compiled into both the extension host and the webview: no `vscode`, no Node, no DOM. */
const SHARED = "extension/shared/";
/** The webview's own folder. */
const WEBVIEW = "media/webview/";
/** The versioned wire protocol (protocol/protocol.ts): imports nothing, so every world may use its types. */
const WIRE_PROTOCOL = "protocol/protocol.ts";
/**
 * The timeline's files that talk to VS Code or the file system: the panel and the session-file commands. Every other
 * file of extension/timeline/ is pure (the host logic, the index, the text), tested without an editor; a new file
 * there is pure unless it is listed here.
 */
const TIMELINE_EDITOR_SIDE = ["frameFiles.ts", "sessionExport.ts", "sessionFile.ts", "sessionRead.ts", "timelinePanel.ts"];

const readRepo: ReadFile = (file) => {
  try {
    return readFileSync(join(ROOT, file), "utf8");
  } catch {
    return undefined;
  }
};

/** The `.ts` files below a repository folder, as `/`-separated paths from the root. */
function tsFiles(folder: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, folder))) {
    const rel = `${folder}${name}`;
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...tsFiles(`${rel}/`));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(rel);
  }
  return out.sort();
}

const MODEL = tsFiles("extension/model/");
const TIMELINE_PURE = tsFiles("extension/timeline/").filter((f) => !TIMELINE_EDITOR_SIDE.some((n) => f === `extension/timeline/${n}`));
const SHARED_FILES = tsFiles(SHARED);
const WEBVIEW_FILES = tsFiles(WEBVIEW);

/** A made-up repository, for checking that the checks catch what they are meant to. */
function tree(files: Record<string, string>): ReadFile {
  return (file) => files[file];
}

describe("module boundaries", function () {
  it("finds the files it guards (a renamed folder must not make the checks pass on nothing)", function () {
    assert.ok(MODEL.length >= 10, `extension/model: ${MODEL.length} files`);
    assert.ok(TIMELINE_PURE.length >= 5, `pure timeline files: ${TIMELINE_PURE.join(", ")}`);
    assert.ok(SHARED_FILES.includes(`${SHARED}timelineMessages.ts`) && SHARED_FILES.includes(`${SHARED}sliceCodec.ts`));
    assert.ok(WEBVIEW_FILES.includes(`${WEBVIEW}app.ts`));
    for (const n of TIMELINE_EDITOR_SIDE) assert.ok(readRepo(`extension/timeline/${n}`) !== undefined, `listed but missing: extension/timeline/${n}`);
    // The webview really does reach the shared folder: the graph is read, not empty.
    assert.ok(reachable([`${WEBVIEW}timeline.ts`], readRepo).has(`${SHARED}sliceCodec.ts`));
  });

  it("keeps vscode and Node out of the model, the pure timeline files and the shared folder, however indirectly", function () {
    assert.deepEqual(editorOrNodeImports([...MODEL, ...TIMELINE_PURE, ...SHARED_FILES], readRepo), []);
  });

  it("lets the webview import nothing but its own folder and the shared one", function () {
    assert.deepEqual(importsOutside(WEBVIEW_FILES, [WEBVIEW, SHARED, WIRE_PROTOCOL], readRepo), []);
  });

  it("lets the shared folder import nothing but itself and the wire protocol, which imports nothing", function () {
    assert.deepEqual(importsOutside(SHARED_FILES, [SHARED, WIRE_PROTOCOL], readRepo), []);
    assert.deepEqual(importsOf(WIRE_PROTOCOL, readRepo), []);
  });

  it("reports an indirect vscode or node import with the chain that leads to it", function () {
    const read = tree({
      "extension/model/a.ts": 'import { b } from "./b";',
      "extension/model/b.ts": 'import type { X } from "../common/c";\nexport const b = 1;',
      "extension/common/c.ts": 'import * as vscode from "vscode";\nimport { join } from "path";\nconst fs = require("node:fs");',
    });
    assert.deepEqual(editorOrNodeImports(["extension/model/a.ts"], read), [
      'extension/model/a.ts → extension/model/b.ts → extension/common/c.ts imports "vscode"',
      'extension/model/a.ts → extension/model/b.ts → extension/common/c.ts imports "path"',
      'extension/model/a.ts → extension/model/b.ts → extension/common/c.ts imports "node:fs"',
    ]);
  });

  it("reports a webview import of a file outside the shared folder, or of a package", function () {
    const read = tree({
      "media/webview/app.ts": 'import { f } from "../../extension/shared/format";\nimport { g } from "../../extension/model/g";\nimport "lodash";',
      "extension/shared/format.ts": 'import type { P } from "../../protocol/protocol";\nimport { t } from "../timeline/t";',
      "extension/model/g.ts": 'import "vscode";',
      "extension/timeline/t.ts": "",
      "protocol/protocol.ts": "",
    });
    assert.deepEqual(importsOutside(["media/webview/app.ts"], [WEBVIEW, SHARED, WIRE_PROTOCOL], read), [
      'media/webview/app.ts imports "../../extension/model/g" (extension/model/g.ts)',
      'media/webview/app.ts imports "lodash"',
      'media/webview/app.ts → extension/shared/format.ts imports "../timeline/t" (extension/timeline/t.ts)',
    ]);
  });

  it("writes each command id once, in common/ids.ts: the code names them through Commands and EditorCommands", function () {
    const ids = [...Object.values(Commands), ...Object.values(EditorCommands)];
    const repeated: string[] = [];
    for (const file of tsFiles("extension/")) {
      if (file === "extension/common/ids.ts") continue;
      const text = readRepo(file) ?? "";
      for (const id of ids) if (text.includes(`"${id}"`) || text.includes(`'${id}'`) || text.includes(`\`${id}\``)) repeated.push(`${file}: "${id}"`);
    }
    assert.deepEqual(repeated, []);
  });

  it("names every folder of extension/ in the README's folder table", function () {
    const readme = readRepo("README.md") ?? "";
    const folders = readdirSync(join(ROOT, "extension")).filter((n) => statSync(join(ROOT, "extension", n)).isDirectory());
    assert.ok(folders.length >= 10);
    assert.deepEqual(folders.filter((f) => !readme.includes(`| \`extension/${f}/\` |`)), []);
  });
});
