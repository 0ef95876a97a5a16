// Lenient JSON for model output: JSON inside prose, code fences, trailing commas. Knows nothing of
// the findings contract (parse.ts).

/** Drops commas right before a closing bracket, outside strings (`[1, 2,]`, `{"a": 1,}`). */
function withoutTrailingCommas(s: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += s[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (c === ',' && /^\s*[}\]]/.test(s.slice(i + 1, i + 64))) continue;
    out += c;
  }
  return out;
}

export function tryJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    // Models often leave a trailing comma after the last finding; that much is repaired.
    try {
      return JSON.parse(withoutTrailingCommas(s));
    } catch {
      return undefined;
    }
  }
}

/** Every balanced {...} or [...] substring that parses as JSON, in order of appearance (outermost first). */
export function jsonCandidates(s: string): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  while (i < s.length) {
    const open = s[i];
    if (open !== '{' && open !== '[') {
      i++;
      continue;
    }
    const end = matchBracket(s, i);
    if (end > 0) {
      const value = tryJson(s.slice(i, end + 1));
      if (value !== undefined) {
        out.push(value);
        i = end + 1;
        continue;
      }
    }
    i++;
  }
  return out;
}

/** Index of the bracket closing the one at `start`, honouring JSON strings; -1 if unbalanced. */
function matchBracket(s: string, start: number): number {
  const stack: string[] = [];
  let inString = false;
  for (let i = start; i < s.length; i++) {
    const c = s[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') stack.push('}');
    else if (c === '[') stack.push(']');
    else if (c === '}' || c === ']') {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}
