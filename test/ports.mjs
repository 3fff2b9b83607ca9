// Ports for the servers the tests and benches start (wrangler, vite, partykit, code-server), in one place.
//
// A port is chosen by probing, then handed to a server that binds it a moment later; anything that binds it in
// between fails the start. Ports the kernel picks (`listen(0)`, and the local end of every outgoing connection) come
// from its ephemeral range, 32768–60999 on Linux, and a starting wrangler and workerd bind sockets of their own on
// port 0 at exactly that moment: a fresh-clone CI run failed once on "Address already in use (127.0.0.1:32867)", a
// port our probe had been given by the kernel (which process took it is not known). So the probe picks below that range, where only an explicit bind can take a
// port, never hands out one twice in a process, and a start that still meets a clash is tried again with new ports.
import { createServer } from "node:net";

const LOW = 20000;
const HIGH = 32768; // the bottom of Linux's default ephemeral range (/proc/sys/net/ipv4/ip_local_port_range)
const handedOut = new Set();

/** What a dev server says when a port it was given was taken between our probe and its bind. */
export const PORT_CLASH = /EADDRINUSE|address already in use|port-in-use|is in use/i;

/** Resolves true when `port` can be bound on loopback right now. */
function bindable(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A loopback port nothing listens on at this moment, below the kernel's ephemeral range, new to this process. */
export async function freePort() {
  for (let tries = 0; tries < 200; tries++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port between ${LOW} and ${HIGH - 1} on 127.0.0.1 after 200 tries`);
}

/**
 * Runs `start` (which picks its ports with freePort) and, when it fails on a port clash, once or twice more; any
 * other failure, or a third clash, is thrown as it came. `say` reports a retry in the test's output.
 */
export async function retryOnPortClash(start, say = (line) => console.log(line)) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (attempt >= 3 || !PORT_CLASH.test(message)) throw err;
      say(`      (a port was taken before the server bound it; starting again on others: ${message.split("\n").find((l) => PORT_CLASH.test(l))?.trim()})`);
    }
  }
}
