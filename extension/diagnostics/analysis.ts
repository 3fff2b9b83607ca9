/**
 * Runs the rules: static ones over a file's outline, runtime ones over the model. Pure, so the whole pipeline (events
 * in, findings out) is what the unit tests exercise.
 */
import type { ClassOutline } from "../editor/outline";
import type { Finding, RuntimeContext, RuntimeRule, StaticRule } from "./finding";
import { RUNTIME_RULES, STATIC_RULES } from "./rules/index";

/** Every static finding of one file. */
export function staticFindings(file: string, classes: readonly ClassOutline[], rules: readonly StaticRule[] = STATIC_RULES): Finding[] {
  return rules.flatMap((r) => r.check(file, classes));
}

/** Every runtime finding, by source file (absolute path). */
export function runtimeFindings(context: RuntimeContext, rules: readonly RuntimeRule[] = RUNTIME_RULES): Map<string, Finding[]> {
  const byFile = new Map<string, Finding[]>();
  for (const rule of rules) {
    for (const f of rule.check(context)) {
      const list = byFile.get(f.location.file);
      if (list) list.push(f);
      else byFile.set(f.location.file, [f]);
    }
  }
  return byFile;
}
