import { createServer } from "node:net";
import { LauncherError } from "./errors";

/** True when nothing listens on 127.0.0.1:port. */
export function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The given port if free (else a clear error), or the first free port from `start`. */
export async function choosePort(requested: number | undefined, start: number): Promise<number> {
  if (requested !== undefined) {
    if (!(await isFree(requested))) {
      throw new LauncherError("port-in-use", `port ${requested} on 127.0.0.1 is in use: stop what holds it, or pass another --port`);
    }
    return requested;
  }
  for (let port = start; port < start + 200; port++) if (await isFree(port)) return port;
  throw new LauncherError("port-in-use", `no free port on 127.0.0.1 between ${start} and ${start + 199}: pass --port`);
}
