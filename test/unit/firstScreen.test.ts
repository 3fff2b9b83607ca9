import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ContextKeys, VIEW_ID } from "../../extension/common/ids";

/**
 * The view's first screen, from the manifest alone: its `when` clauses evaluated for every state the context keys
 * can be in, including before the extension has set any (VS Code shows the view and its title bar as soon as the
 * window opens, and activation comes later).
 */

interface Manifest {
  contributes: {
    menus: Record<string, { command: string; when?: string }[]>;
    viewsWelcome: { view: string; when: string; contents: string }[];
  };
}
const manifest = JSON.parse(readFileSync(join(__dirname, "..", "..", "..", "package.json"), "utf8")) as Manifest;

type Context = Record<string, string | boolean | undefined>;

/** VS Code's `when` grammar, the part the manifest uses: `!`, `&&`, `||`, `==`, `!=`, parentheses, bare keys. */
function evaluate(when: string, ctx: Context): boolean {
  const tokens = when.match(/\(|\)|&&|\|\||==|!=|!|[^\s()!=&|]+/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const value = (name: string): string | boolean | undefined => (name === "true" ? true : name === "false" ? false : ctx[name]);
  function primary(): boolean {
    const t = next();
    if (t === "!") return !primary();
    if (t === "(") {
      const v = or();
      assert.equal(next(), ")", when);
      return v;
    }
    assert.ok(t !== undefined, when);
    if (peek() === "==" || peek() === "!=") {
      const op = next();
      const rhs = next();
      const v = value(t);
      const equal = String(v) === rhs;
      return op === "==" ? v !== undefined && equal : !(v !== undefined && equal);
    }
    return !!value(t);
  }
  function and(): boolean {
    let v = primary();
    while (peek() === "&&") {
      next();
      v = primary() && v;
    }
    return v;
  }
  function or(): boolean {
    let v = and();
    while (peek() === "||") {
      next();
      v = and() || v;
    }
    return v;
  }
  const result = or();
  assert.equal(i, tokens.length, `unparsed rest of "${when}"`);
  return result;
}

/** Every state of the keys the first screen depends on, undefined (not set yet) included. */
function* contexts(): Generator<Context> {
  for (const ready of [undefined, true])
    // The search sets hasConfig before ready (sessionManager.findConfigs).
    for (const hasConfig of ready ? [false, true] : [undefined, false, true])
      for (const state of [undefined, "disconnected", "connecting", "connected", "reconnecting"])
        for (const launched of [undefined, false, true])
          for (const hasObjects of [undefined, false, true]) {
            yield {
              view: VIEW_ID,
              [ContextKeys.ready]: ready,
              [ContextKeys.hasConfig]: hasConfig,
              [ContextKeys.state]: state,
              [ContextKeys.launched]: launched,
              [ContextKeys.hasObjects]: hasObjects,
            };
          }
}

const welcome = manifest.contributes.viewsWelcome.filter((w) => w.view === VIEW_ID);
const title = manifest.contributes.menus["view/title"] ?? [];
const shown = (command: string, ctx: Context) => title.some((m) => m.command === command && evaluate(m.when ?? "true", ctx));

describe("the view's first screen (manifest when clauses, every context state)", function () {
  it("before the workspace was searched, says it is looking, and nothing else", function () {
    for (const ctx of contexts()) {
      if (ctx[ContextKeys.ready]) continue;
      const texts = welcome.filter((w) => evaluate(w.when, ctx)).map((w) => w.contents);
      assert.equal(texts.length, 1, JSON.stringify(ctx));
      assert.match(texts[0]!, /^Looking for a Worker/);
    }
  });

  it("never says there is no wrangler config unless the search found none", function () {
    for (const ctx of contexts()) {
      const noConfig = welcome.filter((w) => /No wrangler config/.test(w.contents) && evaluate(w.when, ctx));
      if (noConfig.length > 0) assert.ok(ctx[ContextKeys.ready] === true && ctx[ContextKeys.hasConfig] === false, JSON.stringify(ctx));
    }
  });

  it("never offers Start and Stop together, and neither before the extension set its keys", function () {
    for (const ctx of contexts()) {
      const start = shown("alarmInspector.start", ctx);
      const stop = shown("alarmInspector.stop", ctx);
      assert.ok(!(start && stop), `Start and Stop together in ${JSON.stringify(ctx)}`);
      if (ctx[ContextKeys.state] === undefined && ctx[ContextKeys.launched] === undefined) assert.ok(!start && !stop, JSON.stringify(ctx));
      if (ctx[ContextKeys.state] === "disconnected" && ctx[ContextKeys.launched] === false) assert.ok(start, "Start is offered when nothing runs");
      if (ctx[ContextKeys.state] === "connected") assert.ok(stop, "Stop is offered while connected");
    }
  });

  it("shows at most one welcome text at a time, with no raw backticks", function () {
    for (const ctx of contexts()) assert.ok(welcome.filter((w) => evaluate(w.when, ctx)).length <= 1, JSON.stringify(ctx));
    for (const w of welcome) assert.doesNotMatch(w.contents, /`/, "viewsWelcome does not render code spans");
    assert.doesNotMatch(welcome.map((w) => w.contents).join("\n"), /npx alarm-inspector/);
  });
});
