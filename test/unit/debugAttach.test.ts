import assert from "node:assert/strict";
import { attachConfiguration, ATTACH_NAME } from "../../extension/debug/attachConfig";
import { parseSession } from "../../extension/session/sessionInfo";

describe("Debug Next Attempt: the session's inspector port and the attach configuration", function () {
  const line = { event: "ready", url: "http://127.0.0.1:8787", inspector: "ws://127.0.0.1:8787/__alarm_inspector/v1", token: "t" };

  it("keeps a valid debugPort from session.json and drops a bad one", function () {
    const ok = parseSession(JSON.stringify({ ...line, debugPort: 9230 }));
    assert.equal(ok.ok && ok.session.debugPort, 9230);
    for (const debugPort of ["9230", 0, 70000, 1.5]) {
      const bad = parseSession(JSON.stringify({ ...line, debugPort }));
      assert.equal(bad.ok && bad.session.debugPort, undefined, String(debugPort));
    }
  });

  it("attaches js-debug as a node attach on 127.0.0.1 with source maps from anywhere and no child processes", function () {
    const c = attachConfiguration(9230, "/p");
    assert.deepEqual(
      { type: c.type, request: c.request, name: c.name, port: c.port, address: c.address, cwd: c.cwd, maps: c.resolveSourceMapLocations, children: c.autoAttachChildProcesses },
      { type: "node", request: "attach", name: ATTACH_NAME, port: 9230, address: "127.0.0.1", cwd: "/p", maps: null, children: false },
    );
  });
});
