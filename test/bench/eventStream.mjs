// A steady stream of Durable Object activity for the editor bench's host-load row (test/editor/bench/hostLoad.bench.ts):
// `rate` POST /expiry/:name/update requests per second (each `fields` puts and a setAlarm, over `objects` objects),
// paced on a fixed schedule, at most 8 in flight, until `seconds` pass or SIGTERM. A process of its own, so the
// requests' own cost is not counted in the extension host's CPU.
//
//   node test/bench/eventStream.mjs URL RATE SECONDS [FIELDS] [OBJECTS]
const [url, rate, seconds, fields = "9", objects = "8"] = process.argv.slice(2);
const interval = 1000 / Number(rate);
const until = performance.now() + Number(seconds) * 1000;
const MAX_IN_FLIGHT = 8;
let inFlight = 0;
let failures = 0;
let sent = 0;
let stopping = false;
process.once("SIGTERM", () => (stopping = true));
const t0 = performance.now();
for (let i = 0; !stopping && performance.now() < until; i++) {
  const due = t0 + i * interval;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  while (inFlight >= MAX_IN_FLIGHT) await new Promise((r) => setTimeout(r, 1));
  inFlight++;
  sent++;
  fetch(`${url}/expiry/bench-stream-${i % Number(objects)}/update?ttlMs=3600000&fields=${fields}`, { method: "POST", body: "v" })
    .then((r) => r.arrayBuffer().then(() => r.ok || failures++))
    .catch(() => failures++)
    .finally(() => inFlight--);
}
while (inFlight > 0) await new Promise((r) => setTimeout(r, 5));
console.log(JSON.stringify({ sent, failures }));
