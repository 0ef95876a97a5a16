// Patches to Ink 6.8's source, applied where Ink is loaded: by esbuild when the CLI is bundled
// (scripts/build.mjs) and by vitest when the tests load it (vitest.config.ts), so the tests run
// the Ink users run. Each patch checks that the text it replaces is there; when Ink changes, the
// file is left as it is and a warning names what no longer applies.

/** Files of Ink that are patched (the bundler's and vite's filter). */
export const INK_PATCH_FILTER = /[\\/]ink[\\/]build[\\/](output|log-update)\.js$/;

/**
 * Ink turns every line of every frame into styled characters (ANSI tokenising, grapheme widths) with
 * caches it makes new for each frame, so a frame that differs from the last in one line costs as
 * much as the first. Sharing the caches across frames (bounded: started afresh past 50,000 entries)
 * makes unchanged lines nearly free. The cached characters are only read, never changed, by Ink's
 * output code. And a line inside a clipping box that fits it whole is no longer re-sliced
 * (slice-ansi) at every frame.
 */
function sharedOutputCaches(source) {
  const from = 'caches = new OutputCaches();';
  if (!source.includes(from)) return { contents: source, warning: 'ink/build/output.js changed: its caches are not shared across frames' };
  const shared = `
let sharedCaches = null;
function sharedOutputCaches() {
  if (!sharedCaches || sharedCaches.styledChars.size + sharedCaches.widths.size + sharedCaches.blockWidths.size > 50000) sharedCaches = new OutputCaches();
  return sharedCaches;
}
`;
  // A line that fits its clip whole is kept as it is instead of being sliced again every frame.
  const slice = 'return sliceAnsi(line, from, to);';
  const contents = source.replace(from, 'caches = sharedOutputCaches();').replace(slice, 'return from === 0 && to >= width ? line : sliceAnsi(line, from, to);');
  return { contents: contents + shared };
}

/**
 * The view asks Ink to write only the lines that changed (`incrementalRendering`). Ink 6.8's
 * incremental writer moves the cursor up one line too few when the last frame ended with a newline
 * (every frame shorter than the terminal, which the view's always are: it leaves the last row
 * free), so every frame after the first landed one row low. Fixed here: up as many lines as the
 * last frame had, when the cursor sits below it.
 */
function incrementalCursorFix(source) {
  const from = 'buffer.push(ansiEscapes.cursorUp(previousVisible - 1));';
  if (!source.includes(from)) return { contents: source, warning: 'ink/build/log-update.js changed: check its incremental cursor movement' };
  return { contents: source.replace(from, "buffer.push(ansiEscapes.cursorUp(previousOutput.endsWith('\\n') ? previousVisible : previousVisible - 1));") };
}

/** The source of the Ink file at `path`, patched; `warning` when a patch no longer applies. */
export function patchInk(path, source) {
  if (/[\\/]output\.js$/.test(path)) return sharedOutputCaches(source);
  if (/[\\/]log-update\.js$/.test(path)) return incrementalCursorFix(source);
  return { contents: source };
}
