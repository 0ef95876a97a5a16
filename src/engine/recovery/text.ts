/**
 * Small text helpers for evidence that comes from terminals and CI logs: ANSI stripping and caps,
 * so a huge log never floods a prompt.
 */

// CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), other two-byte escapes, and 8-bit CSI.
const ANSI_PATTERN =
  // eslint-disable-next-line no-control-regex
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[PX^_][^\u001b]*\u001b\\|\u001b[@-Z\\-_]|\u009b[0-?]*[ -/]*[@-~]/g;

/** Removes colours, cursor movement and terminal titles; turns CRLF and lone CR overdraws into plain lines. */
export function stripAnsi(text: string): string {
  return text
    .replace(ANSI_PATTERN, '')
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((line) => {
      // A progress line redrawn with CR: keep what was drawn last.
      const i = line.lastIndexOf('\r');
      return i >= 0 ? line.slice(i + 1) : line;
    })
    .join('\n');
}

/** The last `maxLines` lines and at most `maxChars` characters of `text`, with a marker when cut. */
export function tailText(text: string, maxLines: number, maxChars: number): string {
  let lines = text.replace(/\s+$/, '').split('\n');
  let cut = false;
  if (lines.length > maxLines) {
    cut = true;
    lines = lines.slice(-maxLines);
  }
  let out = lines.join('\n');
  if (out.length > maxChars) {
    cut = true;
    out = out.slice(out.length - maxChars);
    const nl = out.indexOf('\n');
    if (nl >= 0 && nl < out.length - 1) out = out.slice(nl + 1);
  }
  return cut ? `[… earlier output cut]\n${out}` : out;
}

/** `text` cut to `maxChars` characters (keeping the start), with a marker when cut. */
export function capText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, Math.max(0, maxChars - 40))}\n[… cut at ${maxChars} characters]`;
}
