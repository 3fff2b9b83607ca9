// Another commit of this repository, built as `npm run build` builds it, for `--compare REF`: the agent bench runs
// REF's launcher and agent beside this tree's, alternately in one process, so a change is judged against its parent
// on the same machine at the same time.
//
// The tree is `git archive REF` unpacked into the system's temp folder (named by the commit, reused by later runs of
// the same REF; delete it to rebuild), with a symlink to this tree's node_modules: REF is only read and built, so a
// link shares every installed package without copying or hard-linking thousands of files. A REF whose
// package-lock.json differs from this tree's is built against this tree's packages, and the bench says so.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Builds REF (once per commit) and returns { dir, sha, note }; throws with one line saying why it could not. */
export function buildRef(root, ref) {
  const git = (...args) => execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  let sha;
  try {
    sha = git("rev-parse", "--verify", `${ref}^{commit}`);
  } catch {
    throw new Error(`--compare ${ref}: not a commit of this repository (git rev-parse found none)`);
  }
  const dir = join(tmpdir(), `alarm-inspector-ref-${sha.slice(0, 12)}`);
  const lockChanged = git("diff", "--name-only", sha, "--", "package-lock.json") !== "";
  const note = lockChanged ? `; REF's package-lock.json differs, built with this tree's node_modules` : "";
  if (existsSync(join(dir, "dist", "cli.js")) && existsSync(join(dir, "dist", "agent.mjs"))) return { dir, sha, note };
  // Unpacked beside the final folder and renamed at the end, so a build cut short is never mistaken for a finished one.
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  try {
    const archive = spawnSync("sh", ["-c", `git archive ${sha} | tar -x -C "${partial}"`], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
    if (archive.status !== 0) throw new Error(`--compare ${ref}: git archive ${sha.slice(0, 12)} failed`);
    symlinkSync(join(root, "node_modules"), join(partial, "node_modules"), "dir");
    // Only what a session runs (the launcher and the agent); the tests' bundles are not needed.
    const build = spawnSync(process.execPath, [join(partial, "scripts", "build.mjs"), "--production"], { cwd: partial, stdio: ["ignore", "inherit", "inherit"] });
    if (build.status !== 0) throw new Error(`--compare ${ref}: REF's build failed (node scripts/build.mjs in ${partial})`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
  } catch (e) {
    rmSync(partial, { recursive: true, force: true });
    throw e;
  }
  const version = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version;
  return { dir, sha, note: `${note}; REF's package version ${version}` };
}
