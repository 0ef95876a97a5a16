import { stripAnsi } from './text.js';

/**
 * Failing test names from the output of common test runners: vitest, jest, mocha (spec reporter),
 * pytest, go test (text and -json), node:test (TAP, the default when not on a terminal, and spec),
 * cargo test and RSpec. Pure functions over text; the output may carry ANSI colours
 * and may mix several runners (a CI log running two suites).
 */

export type TestRunner = 'vitest' | 'jest' | 'mocha' | 'pytest' | 'go' | 'node' | 'cargo' | 'rspec';

export interface FailingTest {
  runner: TestRunner;
  /** The test's title path as the runner prints it, without the file (e.g. "math > divides by zero"). */
  name: string;
  /** Test file (or Go package) when the output names it. */
  file?: string;
}

/** At most this many names are returned; a failing suite of thousands is summarised by its first ones. */
export const FAILING_TESTS_CAP = 50;

type Parser = (lines: string[]) => FailingTest[];

/** vitest: "FAIL  src/a.test.ts > suite > test" headers of the failure section; the × tree as fallback. */
const parseVitest: Parser = (lines) => {
  const out: FailingTest[] = [];
  for (const line of lines) {
    const m = /^\s*FAIL\s+(?:\|[^|]+\|\s+)?(\S[^>]*?)\s+>\s+(.+?)\s*$/.exec(line);
    if (m && !/\[ .* \]$/.test(m[2]!)) out.push({ runner: 'vitest', file: m[1]!, name: m[2]! });
  }
  if (out.length) return out;
  // Only the tree was printed: "❯ file (n tests | k failed)" then "× test 3ms".
  let file: string | undefined;
  let inVitestTree = false;
  for (const line of lines) {
    const f = /^\s*[❯✓×]\s+(?:\|[^|]+\|\s+)?(\S+)\s+\(\d+ tests?(?:\s*\|\s*\d+ (?:failed|skipped))*\)/.exec(line);
    if (f) {
      file = f[1];
      inVitestTree = true;
      continue;
    }
    const t = /^\s+×\s+(.+?)(?:\s+\d+(?:\.\d+)?m?s)?\s*$/.exec(line);
    if (t && inVitestTree) out.push({ runner: 'vitest', name: t[1]!, ...(file ? { file } : {}) });
  }
  return out;
};

/** jest: "● suite › test" headers (not "Test suite failed to run" or "Console"), file from the FAIL line above. */
const parseJest: Parser = (lines) => {
  const out: FailingTest[] = [];
  let file: string | undefined;
  for (const line of lines) {
    const f = /^\s*FAIL\s+(\S+)\s*$/.exec(line);
    if (f) {
      file = f[1];
      continue;
    }
    if (/^\s*PASS\s+\S+/.test(line)) file = undefined;
    const m = /^\s*● (.+?)\s*$/.exec(line);
    if (!m) continue;
    const name = m[1]!;
    if (name === 'Console' || name === 'Test suite failed to run' || /^Console$/.test(name)) continue;
    out.push({ runner: 'jest', name, ...(file ? { file } : {}) });
  }
  return out;
};

/** mocha (spec reporter): the numbered entries after "N failing", whose title lines end with ":". */
const parseMocha: Parser = (lines) => {
  const out: FailingTest[] = [];
  const start = lines.findIndex((l) => /^\s*\d+ failing\s*$/.test(l));
  if (start < 0) return out;
  for (let i = start + 1; i < lines.length; i++) {
    const m = /^(\s*)\d+\) (.+?)\s*$/.exec(lines[i]!);
    if (!m) continue;
    const parts = [m[2]!];
    let j = i;
    // Continuation lines are indented deeper, one per nested suite, until the title ending in ":".
    while (!parts[parts.length - 1]!.endsWith(':') && j + 1 < lines.length && j - i < 20) {
      const next = lines[j + 1]!;
      if (!next.trim() || next.search(/\S/) <= m[1]!.length) break;
      parts.push(next.trim());
      j++;
    }
    const last = parts[parts.length - 1]!;
    if (!last.endsWith(':')) continue;
    parts[parts.length - 1] = last.slice(0, -1);
    out.push({ runner: 'mocha', name: parts.join(' > ') });
    i = j;
  }
  return out;
};

function splitPytestId(nodeid: string): FailingTest {
  const i = nodeid.indexOf('::');
  if (i < 0) return { runner: 'pytest', name: nodeid };
  return { runner: 'pytest', file: nodeid.slice(0, i), name: nodeid.slice(i + 2) };
}

/** pytest: the short summary ("FAILED path::test - msg", "ERROR ...") or -v lines ("path::test FAILED [ 50%]"). */
const parsePytest: Parser = (lines) => {
  const out: FailingTest[] = [];
  for (const line of lines) {
    const s = /^(?:FAILED|ERROR) (\S+::.+?)(?: - .*)?\s*$/.exec(line);
    if (s) {
      out.push(splitPytestId(s[1]!));
      continue;
    }
    const v = /^(\S+::.+?) (?:FAILED|ERROR)(?:\s+\[\s*\d+%\])?\s*$/.exec(line);
    if (v) out.push(splitPytestId(v[1]!));
  }
  return out;
};

/** go test: "--- FAIL: TestX (0.00s)" (subtests indented) or -json events; parents of failing subtests dropped. */
const parseGo: Parser = (lines) => {
  const names: Array<{ name: string; pkg?: string }> = [];
  for (const line of lines) {
    const t = /^\s*--- FAIL: (\S+) \(\d/.exec(line);
    if (t) {
      names.push({ name: t[1]! });
      continue;
    }
    if (line.startsWith('{') && line.includes('"Action"')) {
      try {
        const ev = JSON.parse(line) as { Action?: string; Test?: string; Package?: string };
        if (ev.Action === 'fail' && ev.Test) names.push({ name: ev.Test, ...(ev.Package ? { pkg: ev.Package } : {}) });
      } catch {
        // not a go test -json line
      }
    }
  }
  return names
    .filter((n) => !names.some((o) => o.name.startsWith(`${n.name}/`)))
    .map((n) => ({ runner: 'go' as const, name: n.name, ...(n.pkg ? { file: n.pkg } : {}) }));
};

/** Drops entries whose name path is a prefix of another's (a suite failing because a test in it failed). */
function leavesOnly(paths: string[][]): string[][] {
  const key = (p: string[]) => p.join('\u0000');
  return paths.filter((p) => !paths.some((o) => o.length > p.length && key(o.slice(0, p.length)) === key(p)));
}

/** node:test TAP (also tape, node-tap): "not ok N - name" under "# Subtest:" nesting; TODO/SKIP ignored. */
const parseTap: Parser = (lines) => {
  const stack: string[] = [];
  const failed: string[][] = [];
  for (const line of lines) {
    const sub = /^(\s*)# Subtest: (.+?)\s*$/.exec(line);
    if (sub) {
      const level = Math.floor(sub[1]!.length / 4);
      stack.length = level;
      stack[level] = sub[2]!;
      continue;
    }
    const m = /^(\s*)not ok \d+(?: - (.*?))?\s*$/.exec(line);
    if (!m || /(?:^|[^\\])#\s*(?:TODO|SKIP)\b/i.test(m[2] ?? '')) continue;
    const level = Math.floor(m[1]!.length / 4);
    const name = (m[2] ?? '').replace(/\\#/g, '#');
    if (!name) continue;
    failed.push([...stack.slice(0, level), name]);
  }
  return leavesOnly(failed).map((p) => ({ runner: 'node' as const, name: p.join(' > ') }));
};

/** node:test spec reporter: the "✖ failing tests:" summary, each "test at FILE:L:C" then "✖ name (Xms)". */
const parseNodeSpec: Parser = (lines) => {
  const out: FailingTest[] = [];
  const start = lines.findIndex((l) => /^✖ failing tests:\s*$/.test(l));
  if (start < 0) return out;
  let file: string | undefined;
  for (const line of lines.slice(start + 1)) {
    const at = /^test at (.+?):\d+:\d+\s*$/.exec(line);
    if (at) {
      file = at[1];
      continue;
    }
    const m = /^✖ (.+?) \(\d+(?:\.\d+)?m?s\)\s*$/.exec(line);
    if (m) out.push({ runner: 'node', name: m[1]!, ...(file ? { file } : {}) });
  }
  return out;
};

/** cargo test: "test path::name ... FAILED", the file from the "Running unittests FILE (...)" line above. */
const parseCargo: Parser = (lines) => {
  const out: FailingTest[] = [];
  let file: string | undefined;
  for (const line of lines) {
    const run = /^\s*Running (?:unittests |tests )?(\S+) \(/.exec(line);
    if (run) {
      file = run[1];
      continue;
    }
    const m = /^test (.+?) \.\.\. FAILED\s*$/.exec(line);
    if (m) out.push({ runner: 'cargo', name: m[1]!, ...(file ? { file } : {}) });
  }
  return out;
};

/** RSpec: the "Failed examples:" list, "rspec ./spec/x_spec.rb:12 # Description". */
const parseRspec: Parser = (lines) => {
  const out: FailingTest[] = [];
  for (const line of lines) {
    const m = /^rspec (\S+?)(?::\d+|\[[\d:]+\]) # (.+?)\s*$/.exec(line);
    if (m) out.push({ runner: 'rspec', file: m[1]!.replace(/^\.\//, ''), name: m[2]! });
  }
  return out;
};

const PARSERS: Parser[] = [parseVitest, parseJest, parseMocha, parsePytest, parseGo, parseTap, parseNodeSpec, parseCargo, parseRspec];

/**
 * `gh run view --log-failed` (the GitHub forge's failed CI logs) prints every line as
 * "<job>\t<step>\t<ISO timestamp> <line>"; the runners' own output starts after that.
 */
const GH_LOG_PREFIX = /^[^\t\n]*\t[^\t\n]*\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?/;

/** Every failing test named in `output`, deduplicated, in order of appearance per runner, capped. */
export function extractFailingTests(output: string, cap = FAILING_TESTS_CAP): FailingTest[] {
  const lines = stripAnsi(output)
    .split('\n')
    .map((line) => line.replace(GH_LOG_PREFIX, ''));
  const seen = new Set<string>();
  const out: FailingTest[] = [];
  for (const parse of PARSERS) {
    for (const t of parse(lines)) {
      const key = `${t.runner}\0${t.file ?? ''}\0${t.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(t);
      if (out.length >= cap) return out;
    }
  }
  return out;
}

/** "file > name" (or just the name): how a failing test is shown to an agent. */
export function formatFailingTest(t: FailingTest): string {
  if (!t.file) return t.name;
  if (t.runner === 'pytest') return `${t.file}::${t.name}`;
  if (t.runner === 'go') return `${t.name} (${t.file})`;
  return `${t.file} > ${t.name}`;
}
