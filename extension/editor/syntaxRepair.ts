/**
 * Parsing half-typed code. `@babel/parser`'s `errorRecovery` gets past errors such as a misplaced `return` or a
 * duplicate declaration, but it still gives up on a missing `)` or a dangling `.`, which is what an editor's buffer
 * holds most of the time. The TypeScript compiler the outline used before recovered from those, and the lenses and
 * diagnostics must not vanish while the user types; so a failed parse is retried on a repaired copy of the text:
 *
 * - brackets still open at the end are closed (a file typed top to bottom);
 * - a closing bracket that skips open ones gets those closed first (`setAlarm(` typed above a method's `}`);
 * - an unterminated string, template, regular expression or comment is blanked as far as the parser read it;
 * - else the token the parser expected is inserted, or the brackets opened on the line are closed where it fails, or
 *   the line at fault is blanked.
 *
 * Blanking replaces characters with spaces, so offsets and lines stay put; insertions are recorded (`Edit`) for the
 * caller to map positions back to its own text. Pure and parser-agnostic: the parse function is passed in.
 */

/** Text inserted before parsing again: `length` characters at `at`, in the text as it was then. */
export interface Edit {
  readonly at: number;
  readonly length: number;
}

/** A successful parse of `text` once repaired: the parse's result, and the insertions to map positions back. */
export interface Repaired<T> {
  readonly result: T;
  readonly edits: readonly Edit[];
}

/** Why a parse failed: where (an offset of the text parsed), the parser's reason code, and its message. */
interface Failure {
  readonly index: number;
  readonly code: string;
  readonly message: string;
}

type Attempt<T> = { readonly result: T } | { readonly failure: Failure | null; readonly text: string };

/** A repaired copy of the text, without its closing suffix (that is worked out again for each attempt). */
interface Candidate {
  readonly body: string;
  readonly edit: Edit | null;
}

/** Parses allowed per file, repairs included: a broken file costs a few parses, a big one (slow to parse) only four. */
function parseBudget(text: string): number {
  return text.length > 200_000 ? 4 : 24;
}

/**
 * `parse(text)`, repairing the text while the parser throws a syntax error; null when that does not help within the
 * budget, or on any other error. At each failure the repairs are tried mildest first: the first that parses, or gets
 * past the failing line, is kept; else the last (the most text blanked). Getting a token further does not count:
 * nibbling a line token by token would spend the budget and mangle the line.
 */
export function parseRepairing<T>(text: string, parse: (text: string) => T): Repaired<T> | null {
  let budget = parseBudget(text);
  const attempt = (body: string, close: boolean): Attempt<T> => {
    budget--;
    // The brackets left open are closed anew on each attempt, after whatever the repairs did to the text.
    const full = close ? body + closingSuffix(body) : body;
    try {
      return { result: parse(full) };
    } catch (err) {
      return { failure: failureOf(err), text: full };
    }
  };
  // The first parse is of the text as it is: the scan for open brackets is only paid for broken files.
  let outcome = attempt(text, false);
  if ("result" in outcome) return { result: outcome.result, edits: [] };
  let body = text;
  const edits: Edit[] = [];
  if (outcome.failure && outcome.failure.index >= body.trimEnd().length) {
    outcome = attempt(body, true);
  }
  while (!("result" in outcome)) {
    const failure = outcome.failure;
    if (!failure) return null;
    const failedLine = lineNumber(outcome.text, failure.index);
    let kept: { readonly candidate: Candidate; readonly outcome: Attempt<T> } | null = null;
    for (const candidate of repairs(body, failure)) {
      if (budget <= 0) return null;
      const tried = attempt(candidate.body, true);
      kept = { candidate, outcome: tried };
      if ("result" in tried || (tried.failure && lineNumber(tried.text, tried.failure.index) > failedLine)) break;
    }
    if (!kept) return null;
    body = kept.candidate.body;
    if (kept.candidate.edit) edits.push(kept.candidate.edit);
    outcome = kept.outcome;
  }
  return { result: outcome.result, edits };
}

/** The parser's syntax error, when it is one: `@babel/parser` throws a `SyntaxError` with `loc.index` and `reasonCode`. */
function failureOf(err: unknown): Failure | null {
  if (typeof err !== "object" || err === null) return null;
  const { loc, reasonCode, message } = err as { loc?: { index?: unknown }; reasonCode?: unknown; message?: unknown };
  if (typeof loc?.index !== "number") return null;
  return { index: loc.index, code: typeof reasonCode === "string" ? reasonCode : "", message: typeof message === "string" ? message : "" };
}

const CLOSER: Readonly<Record<string, string>> = { "(": ")", "[": "]", "{": "}", "${": "}`" };
const OPENER: Readonly<Record<string, string>> = { ")": "(", "]": "[", "}": "{" };

/** An open bracket: `(`, `[`, `{`, or `${` (a template's substitution), and its offset. */
interface OpenBracket {
  readonly char: string;
  readonly at: number;
}

function closers(open: readonly OpenBracket[]): string {
  return open.map((b) => CLOSER[b.char]).reverse().join("");
}

/** What closes the brackets open at the end of `body`, on a line of its own (the text may end in a `//` comment). */
function closingSuffix(body: string): string {
  const { open } = scanBrackets(body, body.length);
  return open.length > 0 ? `\n${closers(open)}` : "";
}

/** Tokens worth inserting where the parser says one is expected: they end or separate, and start nothing new. */
const INSERTABLE: ReadonlySet<string> = new Set([")", "]", "}", ",", ";"]);

/** The repairs worth trying after `failure` (an offset of `body` or of its closing suffix), mildest first. */
function repairs(body: string, failure: Failure): Candidate[] {
  const p = Math.min(failure.index, body.length);
  const { open, lastCode } = scanBrackets(body, p);
  const insert = (at: number, what: string): Candidate => ({ body: body.slice(0, at) + what + body.slice(at), edit: { at, length: what.length } });
  const out: (Candidate | null)[] = [];
  if (body.slice(p).trim() === "") {
    // At the end, with the brackets closed: what precedes cannot be finished by closing them (`if (x`, `a.`).
    if (lastCode >= 0) out.push(blank(body, ...lineAround(body, lastCode)));
  } else if (failure.code.startsWith("Unterminated")) {
    // The parser points at a string's or a comment's opening, but just after a regular expression's or a template's.
    const opener = failure.code === "UnterminatedRegExp" ? "/" : failure.code === "UnterminatedTemplate" ? "`" : "";
    const from = opener ? Math.max(body.lastIndexOf(opener, p), 0) : p;
    // A string or a regular expression ends with its line; a template or a comment runs to the end of the text.
    const toEnd = failure.code === "UnterminatedTemplate" || failure.code === "UnterminatedComment";
    out.push(blank(body, from, toEnd ? body.length : lineAround(body, p)[1]));
  } else if (OPENER[body[p]!]) {
    const match = lastOpen(open, OPENER[body[p]!]!);
    if (match >= 0 && match < open.length - 1) out.push(insert(p, closers(open.slice(match + 1))));
    // The bracket closes what it should: the fault is before it (`this.ctx.storage.` then `}`).
    if (lastCode >= 0) out.push(blank(body, ...lineAround(body, lastCode)));
    out.push(blank(body, p, p + 1));
  } else {
    const expected = /expected "([^"]+)"/.exec(failure.message)?.[1];
    if (expected && INSERTABLE.has(expected)) out.push(insert(p, expected));
    // Parentheses and brackets opened on this line and left open where it fails: `setAlarm(1; next()` wants its `)`
    // there. Not braces: a block opened on the line (`alarm() { …`) is closed further down.
    const lineStart = lineAround(body, p)[0];
    let first = open.length;
    while (first > 0 && open[first - 1]!.at >= lineStart && (open[first - 1]!.char === "(" || open[first - 1]!.char === "[")) first--;
    if (first < open.length) out.push(insert(p, closers(open.slice(first))));
    out.push(blank(body, ...lineAround(body, p)));
  }
  return out.filter((c): c is Candidate => c !== null);
}

/** `text` with [from, to) replaced by spaces (line breaks kept), or null when there is nothing left to blank. */
function blank(text: string, from: number, to: number): Candidate | null {
  const part = text.slice(from, to);
  const spaces = part.replace(/[^\r\n\u2028\u2029]/g, " ");
  if (spaces === part) return null;
  return { body: text.slice(0, from) + spaces + text.slice(to), edit: null };
}

function isLineBreak(c: number): boolean {
  return c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029;
}

/** The [start, end) of the line holding `offset`, without its line break. */
function lineAround(text: string, offset: number): [number, number] {
  let start = offset;
  while (start > 0 && !isLineBreak(text.charCodeAt(start - 1))) start--;
  let end = offset;
  while (end < text.length && !isLineBreak(text.charCodeAt(end))) end++;
  return [start, end];
}

/** The 0-based line of `offset` in `text`, line breaks counted as the parser does (CRLF, LF, CR, U+2028, U+2029). */
export function lineNumber(text: string, offset: number): number {
  let line = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isLineBreak(c) && !(c === 0x0d && text.charCodeAt(i + 1) === 0x0a)) line++;
  }
  return line;
}

/** Words after which a `/` starts a regular expression rather than dividing. */
const BEFORE_EXPRESSION: ReadonlySet<string> = new Set([
  "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await",
]);

function isWordChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x24 || c > 0x7f;
}

/** The innermost open bracket that `char` opens, as an index into `open`; -1 if none. */
function lastOpen(open: readonly OpenBracket[], char: string): number {
  for (let i = open.length - 1; i >= 0; i--) if (open[i]!.char === char) return i;
  return -1;
}

/**
 * The brackets open at `end` (outermost first) and the offset of the last code character before it (-1 if none). A light tokenizer: it skips comments, strings, templates and regular expressions
 * (told from a division by what precedes the slash), which is all the repairs need. TypeScript's `<…>` are not
 * brackets here: a type left open is blanked with its line.
 */
function scanBrackets(text: string, end: number): { readonly open: OpenBracket[]; readonly lastCode: number } {
  const open: OpenBracket[] = [];
  let lastCode = -1;
  let regexAllowed = true;
  let i = 0;
  /** Skips a template's text from `i` up to its closing backtick, or past its next `${` (pushed). */
  const templateText = (): void => {
    while (i < end) {
      const c = text[i];
      if (c === "\\") i += 2;
      else if (c === "`") {
        i++;
        return;
      } else if (c === "$" && text[i + 1] === "{") {
        open.push({ char: "${", at: i });
        i += 2;
        return;
      } else i++;
    }
  };
  while (i < end) {
    const code = text.charCodeAt(i);
    const c = text[i]!;
    if (code <= 0x20 || code === 0xa0 || code === 0xfeff || isLineBreak(code)) {
      i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "/") {
      while (i < end && !isLineBreak(text.charCodeAt(i))) i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      i = close < 0 ? end : close + 2;
      continue;
    }
    if (c === "'" || c === '"') {
      i++;
      while (i < end && text[i] !== c && !isLineBreak(text.charCodeAt(i))) i += text[i] === "\\" ? 2 : 1;
      i++;
      regexAllowed = false;
    } else if (c === "`") {
      i++;
      templateText();
      regexAllowed = false;
    } else if (c === "}" && open[open.length - 1]?.char === "${") {
      open.pop();
      i++;
      templateText();
      regexAllowed = false;
    } else if (c === "/" && regexAllowed) {
      i++;
      let inClass = false;
      while (i < end && !isLineBreak(text.charCodeAt(i))) {
        const r = text[i];
        if (r === "\\") i++;
        else if (r === "[") inClass = true;
        else if (r === "]") inClass = false;
        else if (r === "/" && !inClass) break;
        i++;
      }
      i++;
      while (i < end && isWordChar(text.charCodeAt(i))) i++;
      regexAllowed = false;
    } else if (c === "(" || c === "[" || c === "{") {
      open.push({ char: c, at: i });
      i++;
      regexAllowed = true;
    } else if (c === ")" || c === "]" || c === "}") {
      // One that skips open brackets closes them too (the parser got past it); a stray one is ignored.
      const match = lastOpen(open, OPENER[c]!);
      if (match >= 0) open.length = match;
      i++;
      // After `)` or `]` a slash divides; after `}` (a block's end) it more likely starts a regular expression.
      regexAllowed = c === "}";
    } else if (isWordChar(code)) {
      const start = i;
      while (i < end && isWordChar(text.charCodeAt(i))) i++;
      regexAllowed = BEFORE_EXPRESSION.has(text.slice(start, i));
    } else {
      i++;
      regexAllowed = true;
    }
    lastCode = Math.min(i, end) - 1;
  }
  return { open, lastCode };
}
