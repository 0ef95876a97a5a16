#!/usr/bin/env node
// flotilla demo reviewer: a scripted, rule-based stand-in for a reviewing model, used by
// `flotilla demo` (no model, no network). It reads the review prompt flotilla writes, looks at the
// added lines of the diff with a few fixed rules for its role, and answers like
// `claude -p --output-format json`: a result envelope whose `result` holds the findings JSON.
//
//   node demo-reviewer.mjs --role logic|security-performance|conventions [--model M] <promptFile>
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const role = opt('--role', 'logic');
const model = opt('--model', 'claude-sonnet-4-5');
const file = args[0];
if (!file) {
  process.stderr.write('demo-reviewer: missing prompt file\n');
  process.exit(2);
}
const prompt = readFileSync(file, 'utf8');

// Added lines with their new-file line numbers, from the unified diff in the prompt.
const added = [];
let current = null;
let line = 0;
for (const l of prompt.split('\n')) {
  const header = /^\+\+\+ b\/(.+)$/.exec(l);
  if (header) {
    current = header[1];
    continue;
  }
  const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)/.exec(l);
  if (hunk) {
    line = Number(hunk[1]);
    continue;
  }
  if (!current) continue;
  if (l.startsWith('+')) added.push({ file: current, line: line++, text: l.slice(1) });
  else if (!l.startsWith('-')) line++;
}

const RULES = {
  logic: [
    [/\.split\(' '\)/, 'minor', 'correctness', "Splitting on a single space counts runs of spaces and tabs as empty words; split on /\\s+/ after trimming."],
    [/\.slice\(0, max\)/, 'minor', 'edge cases', 'A negative or zero max is not handled; say what it should return.'],
  ],
  'security-performance': [
    [/new RegExp\(/, 'major', 'security', 'A regular expression built from input can be abused (ReDoS); escape it or avoid it.'],
    [/\.split\(' '\)/, 'minor', 'correctness', "split(' ') keeps empty strings for repeated whitespace, so counts are wrong on real text."],
  ],
  conventions: [
    [/^export function \w+\(/, 'nit', 'conventions', 'Exported helpers in src/text.js carry a one-line doc comment; add one here.'],
  ],
};

const findings = [];
const rules = RULES[role] ?? [];
for (const a of added) {
  if (!a.file.startsWith('src/')) continue;
  for (const [re, severity, category, message] of rules) {
    if (re.test(a.text)) {
      if (role === 'conventions') {
        const prev = added.find((p) => p.file === a.file && p.line === a.line - 1);
        if (prev && prev.text.trim().endsWith('*/')) continue;
      }
      findings.push({ file: a.file, line: a.line, severity, category, message });
    }
  }
}

const result = JSON.stringify({ findings });
const input = 2000 + Math.round(prompt.length / 4);
const output = 120 + 60 * findings.length;
process.stdout.write(
  `${JSON.stringify({
    type: 'result',
    subtype: 'success',
    is_error: false,
    result,
    session_id: `demo-review-${process.pid}`,
    usage: { input_tokens: input, output_tokens: output, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    modelUsage: { [model]: { inputTokens: input, outputTokens: output } },
  })}\n`,
);
