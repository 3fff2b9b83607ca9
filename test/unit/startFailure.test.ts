/**
 * How the launcher words a runtime that did not start (launcher/processGroup.ts): a build error as a build error,
 * and a port taken between the launcher's check and workerd's bind as a taken port, not as a broken Worker.
 */
import assert from "node:assert/strict";
import { LauncherError } from "../../launcher/errors";
import { explainStartFailure, OutputWatcher } from "../../launcher/processGroup";

/** What explainStartFailure throws for `e` after the runtime printed `printed`. */
function explained(printed: string, e: unknown): LauncherError {
  const output = new OutputWatcher("/project/.wrangler/tmp", "/project");
  output.take(printed);
  try {
    explainStartFailure(e, output);
  } catch (thrown) {
    assert.ok(thrown instanceof LauncherError, String(thrown));
    return thrown;
  }
  assert.fail("explainStartFailure returned");
}

// wrangler 4.164's words when workerd cannot bind (a fresh-clone CI run, colours included as it printed them).
const TAKEN = [
  "⎔ Starting local server...",
  "\u001b[31m✘ \u001b[41;31m[\u001b[41;97mERROR\u001b[41;31m]\u001b[0m \u001b[1mAddress already in use (127.0.0.1:32867). Please check that you are not already running a server on this address or specify a different port with --port.\u001b[0m",
  "🪵  Logs were written to \"/root/.config/.wrangler/logs/wrangler.log\"",
].join("\n");

describe("the launcher's words for a runtime that did not start", function () {
  it("says a port was taken, naming it and what to do, instead of 'your Worker failed to build'", function () {
    for (const e of [new LauncherError("build-failed", "build failed"), new LauncherError("wrangler-exited", "wrangler exited with code 1 before your Worker was ready")]) {
      const err = explained(TAKEN, e);
      assert.equal(err.code, "port-in-use");
      assert.match(err.message, /^127\.0\.0\.1:32867 was taken by another process after the launcher found it free, so the runtime could not listen on it: start again, or pass a free --port/);
      assert.doesNotMatch(err.message, /failed to build/);
      assert.match(err.detail ?? "", /Address already in use/, "the runtime's own lines stay attached");
    }
  });

  it("still reports a build error as one, with the file and line relative to the project", function () {
    const printed = ["✘ [ERROR] Expected \";\" but found \"}\"", "", "    ../../src/index.ts:12:3:", "      12 │   }", ""].join("\n");
    const err = explained(printed, new LauncherError("build-failed", "build failed"));
    assert.equal(err.code, "build-failed");
    assert.equal(err.message, 'your Worker failed to build: Expected ";" but found "}" at src/index.ts:12:3');
  });

  it("leaves any other failure as it came", function () {
    const timeout = new LauncherError("not-ready", "your Worker did not answer on http://127.0.0.1:8787 within 120 s (last try: ECONNREFUSED)");
    assert.equal(explained(TAKEN, timeout).code, "not-ready");
  });
});
