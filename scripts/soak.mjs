// `npm run soak [-- --minutes 10] [-- --seed 15 --objects 200 --rate 10] [-- --json soak.json]`: the soak of
// test/soak/ (plain vs inspected Worker, the extension's model against the objects' own logs), for as long as asked.
// It prints its figures and exits 0 when every goal is met (no attempt missing or doubled, nothing dropped, every
// answer the same), 1 otherwise. `npm run soak` builds first; the runtime tier runs the same soak for two minutes.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { minutes: { type: "string" }, seed: { type: "string" }, objects: { type: "string" }, rate: { type: "string" }, json: { type: "string" } },
});
const number = (name) => {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`soak: --${name} must be a positive number, not "${v}"`);
    process.exit(2);
  }
  return n;
};
const options = Object.fromEntries(["minutes", "seed", "objects", "rate"].map((k) => [k, number(k)]).filter(([, v]) => v !== undefined));
const { runSoak, describeFigures } = createRequire(import.meta.url)("../out/test/soak/index.js");
const figures = await runSoak(options, (line) => console.log(line));
for (const line of describeFigures(figures)) console.log(line);
if (values.json) writeFileSync(values.json, JSON.stringify(figures, null, 2));
const met = figures.missing === 0 && figures.doubled === 0 && figures.droppedAnnounced === 0 && figures.droppedSilently === 0 && figures.answersDiffering === 0;
console.log(met ? "soak: every goal met" : "soak: some goal missed (see above)");
process.exit(met ? 0 : 1);
