// Directive parsing for the flotilla demo agent. A directive is one line of the prompt (or of the
// appended system prompt) of the form `demo: <verb> <args>`; everything else is ignored.

const LINE = /^\s*(?:[-*>]\s*)?demo:\s*([a-z][a-z-]*)\s*(.*?)\s*$/i;
const TOKEN = /"(?:[^"\\]|\\.)*"|\S+/g;

/** Splits an argument string into words; "double quoted" words are JSON strings (escapes allowed). */
export function tokenize(text) {
  const out = [];
  for (const raw of text.match(TOKEN) ?? []) {
    if (raw.startsWith('"') && raw.length >= 2 && raw.endsWith('"')) {
      try {
        out.push(JSON.parse(raw));
        continue;
      } catch {
        // fall through: keep the raw word
      }
    }
    out.push(raw);
  }
  return out;
}

/** The text without its directive lines (what `fail-unless` searches, so a hint is never found in itself). */
export function withoutDirectives(text) {
  return String(text ?? '')
    .split(/\r?\n/)
    .filter((line) => !LINE.test(line))
    .join('\n');
}

/** key=value words into an object (values stay strings). */
function keyValues(words) {
  const out = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq > 0) out[w.slice(0, eq)] = w.slice(eq + 1);
  }
  return out;
}

function int(value, fallback = 0) {
  const n = Number.parseInt(String(value ?? ''), 10);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

/**
 * Parses every directive in `text`, in order. Unknown verbs and malformed lines come back as
 * `{ verb: 'invalid', reason }` so the agent can say what it skipped.
 */
export function parseDirectives(text) {
  const out = [];
  for (const line of String(text ?? '').split(/\r?\n/)) {
    const m = LINE.exec(line);
    if (!m) continue;
    const verb = m[1].toLowerCase();
    const rest = m[2];
    const words = tokenize(rest);
    const d = parseOne(verb, rest, words);
    out.push(d ?? { verb: 'invalid', reason: `cannot read "demo: ${verb} ${rest}"`.trim() });
  }
  return out;
}

function parseOne(verb, rest, words) {
  switch (verb) {
    case 'write':
    case 'append': {
      const space = rest.search(/\s/);
      if (space <= 0) return null;
      const path = rest.slice(0, space);
      const [content] = tokenize(rest.slice(space + 1).trim());
      if (typeof content !== 'string') return null;
      return { verb, path, content };
    }
    case 'replace': {
      const space = rest.search(/\s/);
      if (space <= 0) return null;
      const [from, to] = tokenize(rest.slice(space + 1).trim());
      if (typeof from !== 'string' || !from || typeof to !== 'string') return null;
      return { verb, path: rest.slice(0, space), from, to };
    }
    case 'ask':
      return { verb, question: words.join(' ') || 'Allow this action?' };
    case 'commit':
      return { verb, message: words.join(' ') || 'demo agent commit' };
    case 'fail-unless':
      return words.length ? { verb, text: words.join(' ') } : null;
    case 'say':
      return { verb, text: words.join(' ') };
    case 'sleep': {
      if (!/^\d+$/.test(words[0] ?? '')) return null;
      return { verb, ms: int(words[0]), label: words.slice(1).join(' ') || 'Thinking' };
    }
    case 'exit':
      return { verb, code: int(words[0], 0) };
    case 'idle':
      return { verb };
    case 'usage': {
      const kv = keyValues(words);
      return {
        verb,
        model: kv.model ?? null,
        input: int(kv.input),
        output: int(kv.output),
        cacheRead: int(kv.cacheRead),
        cacheWrite: int(kv.cacheWrite),
        cost: kv.cost !== undefined && Number.isFinite(Number(kv.cost)) ? Number(kv.cost) : null,
      };
    }
    default:
      return null;
  }
}
