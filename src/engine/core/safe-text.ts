/**
 * The one sanitiser for text that did not come from flotilla itself (agent and check output, hook
 * events, reviewer findings, PR titles and bodies, gh output, model names from usage logs, ...)
 * before any terminal sees it. Nothing a terminal acts on survives: escape sequences (CSI, OSC,
 * DCS/SOS/PM/APC, two-byte escapes, and their 8-bit C1 forms) are removed whole, every other
 * control character but newline and tab is removed, a lone carriage return becomes a newline (so
 * "failed\rpassed" shows both, not the overdraw), and the bidi overrides and isolates that reorder
 * what is shown are removed. Printable text, including any script and emoji, is kept as it is.
 */

// Whole escape sequences first, so their parameters do not survive as stray text:
// CSI (7-bit and 8-bit), OSC (terminated by BEL, ST or 8-bit ST; unterminated: to the end),
// DCS/SOS/PM/APC strings, then any other two-byte escape.
const SEQUENCES =
  // eslint-disable-next-line no-control-regex
  /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]?|(?:\u001b\]|\u009d)[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|(?:\u001b[PX^_]|[\u0090\u0098\u009e\u009f])[^\u001b\u009c]*(?:\u001b\\|\u009c)?|\u001b[ -/]*[0-~]?/g;
// Anything left a terminal would act on: C0 but tab and newline, DEL, C1; bidi embeddings,
// overrides and isolates (U+202A..U+202E, U+2066..U+2069).
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with nothing a terminal would act on but newline and tab (multi-line text: logs, bodies). */
export function safeText(text: string): string {
  return text.replace(SEQUENCES, '').replace(/\r\n/g, '\n').replace(/\r/g, '\n').replace(CONTROLS, '');
}

/**
 * `text` as one safe line for a table cell or a one-line message: safeText, then newlines and tabs
 * become spaces, and at most `max` characters (cut with "…").
 */
export function safeLine(text: string, max = 300): string {
  const line = safeText(text).replace(/[\n\t]+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, Math.max(0, max - 1))}…` : line;
}

// Characters JSON.stringify leaves raw that a terminal (or a line-based reader) would act on.
// eslint-disable-next-line no-control-regex
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `JSON.stringify(value, null, space)` safe to print: besides the C0 controls JSON already escapes,
 * DEL, C1, line/paragraph separators and bidi controls are written as \uXXXX escapes, so the data
 * stays whole (a reader parses back the same strings) and the terminal sees none of them.
 */
export function jsonText(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// A Select Graphic Rendition sequence (colours and styles), nothing else.
// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;:]*m/g;

/**
 * Text that may carry SGR colours flotilla produced (a captured screen with --ansi, a coloured
 * diff): every SGR sequence is kept, every other part goes through safeText.
 */
export function safeStyledText(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(SGR)) {
    out += safeText(text.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  return out + safeText(text.slice(last));
}
