// esbuild plugins that change Ink 6.8 inside the bundle (scripts/build.mjs). Each one replaces an
// exact piece of Ink's source and warns at build time when that piece is gone (a newer Ink), so the
// bundle never carries a half-applied change. src/ui/ink-patches.test.ts builds Ink's modules with
// these plugins and compares them with Ink's own.
import { readFile } from 'node:fs/promises';

/** Loads `file` of Ink's build through `change(source)`; a warning and Ink's source when it returns null. */
/** What each plugin changes, for patchInk below (esbuild accepts no other keys on a plugin). */
const details = new Map();

function patch(name, file, what, change) {
  const plugin = {
    name,
    setup(b) {
      b.onLoad({ filter: new RegExp(`[\\\\/]ink[\\\\/]build[\\\\/]${file.replace('.', '\\.')}$`) }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        const contents = change(source);
        if (contents === null) return { contents: source, loader: 'js', warnings: [{ text: `ink/build/${file} changed: ${what}` }] };
        return { contents, loader: 'js' };
      });
    },
  };
  details.set(plugin, { file, what, change });
  return plugin;
}

/**
 * Ink turns every line of every frame into styled characters (ANSI tokenising, grapheme widths) with
 * caches it makes new for each frame, so a frame that differs from the last in one line costs as
 * much as the first. The fleet view redraws a 200x50 screen whenever the live pane changes; sharing
 * the caches across frames (bounded: started afresh past 50,000 entries) makes unchanged lines
 * nearly free. The cached characters are only read, never changed, by Ink's output code. And a line
 * inside a clipping box that fits it whole is no longer re-sliced (slice-ansi) at every frame.
 *
 * Then the frame itself: Ink's Output.get fills a fresh grid of cell objects (200x50 = 10,000 per
 * frame), writes every text into it cell by cell and turns each row back into a string. A key that
 * moves the selection changes two rows of fifty. Here get() collects, per row, what is written into
 * it (column and text, in order, after clipping and transformers) and builds the row's string only
 * when that list differs from one seen before (bounded: started afresh past 2,000 rows, a few MB);
 * the row build itself is Ink's code.
 */
export const sharedInkOutputCaches = patch('shared-ink-output-caches', 'output.js', 'its caches are not shared across frames', (source) => {
  const from = 'caches = new OutputCaches();';
  const slice = 'return sliceAnsi(line, from, to);';
  if (!source.includes(from) || !source.includes(slice) || !source.includes('export default class Output')) return null;
  const added = `
let sharedCaches = null;
function sharedOutputCaches() {
  if (!sharedCaches || sharedCaches.styledChars.size + sharedCaches.widths.size + sharedCaches.blockWidths.size > 50000) sharedCaches = new OutputCaches();
  return sharedCaches;
}
let flotillaRows = new Map();
function flotillaBuildRow(output, pieces) {
  const row = [];
  for (let x = 0; x < output.width; x++) row.push({ type: 'char', value: ' ', fullWidth: false, styles: [] });
  for (let i = 0; i < pieces.length; i += 2) {
    let offsetX = pieces[i];
    for (const character of output.caches.getStyledChars(pieces[i + 1])) {
      row[offsetX] = character;
      const characterWidth = Math.max(1, output.caches.getStringWidth(character.value));
      if (characterWidth > 1) {
        for (let index = 1; index < characterWidth; index++) row[offsetX + index] = { type: 'char', value: '', fullWidth: false, styles: character.styles };
      }
      offsetX += characterWidth;
    }
  }
  return styledCharsToString(row.filter((item) => item !== undefined)).trimEnd();
}
Output.prototype.get = function get() {
  const rows = [];
  for (let y = 0; y < this.height; y++) rows.push([]);
  const clips = [];
  for (const operation of this.operations) {
    if (operation.type === 'clip') clips.push(operation.clip);
    if (operation.type === 'unclip') clips.pop();
    if (operation.type !== 'write') continue;
    const { text, transformers } = operation;
    let { x, y } = operation;
    let lines = text.split('\\n');
    const clip = clips.at(-1);
    if (clip) {
      const clipHorizontally = typeof clip?.x1 === 'number' && typeof clip?.x2 === 'number';
      const clipVertically = typeof clip?.y1 === 'number' && typeof clip?.y2 === 'number';
      if (clipHorizontally) {
        const width = this.caches.getWidestLine(text);
        if (x + width < clip.x1 || x > clip.x2) continue;
      }
      if (clipVertically) {
        const height = lines.length;
        if (y + height < clip.y1 || y > clip.y2) continue;
      }
      if (clipHorizontally) {
        lines = lines.map((line) => {
          const from = x < clip.x1 ? clip.x1 - x : 0;
          const width = this.caches.getStringWidth(line);
          const to = x + width > clip.x2 ? clip.x2 - x : width;
          return from === 0 && to >= width ? line : sliceAnsi(line, from, to);
        });
        if (x < clip.x1) x = clip.x1;
      }
      if (clipVertically) {
        const from = y < clip.y1 ? clip.y1 - y : 0;
        const height = lines.length;
        const to = y + height > clip.y2 ? clip.y2 - y : height;
        lines = lines.slice(from, to);
        if (y < clip.y1) y = clip.y1;
      }
    }
    let offsetY = 0;
    for (let [index, line] of lines.entries()) {
      const pieces = rows[y + offsetY];
      if (!pieces) continue;
      for (const transformer of transformers) line = transformer(line, index);
      pieces.push(x, line);
      offsetY++;
    }
  }
  if (flotillaRows.size > 2000) flotillaRows = new Map();
  const out = [];
  for (const pieces of rows) {
    let key = String(this.width);
    for (let i = 0; i < pieces.length; i += 2) key += '|' + pieces[i] + ':' + pieces[i + 1].length + ':' + pieces[i + 1];
    let line = flotillaRows.get(key);
    if (line === undefined) {
      line = flotillaBuildRow(this, pieces);
      flotillaRows.set(key, line);
    }
    out.push(line);
  }
  return { output: out.join('\\n'), height: rows.length };
};
`;
  return source.replace(from, 'caches = sharedOutputCaches();').replace(slice, 'return from === 0 && to >= width ? line : sliceAnsi(line, from, to);') + added;
});

/**
 * Ink measures every text's widest line at every frame (string-width over each line, ANSI and
 * graphemes included) before deciding whether to wrap it: most of the layout's time in a profile of
 * the view taking keys. The width of a given text never changes, so it is remembered (bounded).
 */
export const cachedInkTextWidths = patch('cached-ink-text-widths', 'render-node-to-output.js', 'the widest line of a text is measured afresh', (source) => {
  const from = 'const currentWidth = widestLine(text);';
  if (!source.includes(from)) return null;
  const added = `
let flotillaWidths = new Map();
function flotillaWidestLine(text) {
  let width = flotillaWidths.get(text);
  if (width === undefined) {
    if (flotillaWidths.size > 20000) flotillaWidths = new Map();
    width = widestLine(text);
    flotillaWidths.set(text, width);
  }
  return width;
}
`;
  return source.replace(from, 'const currentWidth = flotillaWidestLine(text);') + added;
});

/**
 * The view asks Ink to write only the lines that changed (`incrementalRendering`). Ink 6.8's
 * incremental writer moves the cursor up one line too few when the last frame ended with a newline
 * (every frame shorter than the terminal, which the view's always are: it leaves the last row
 * free), so every frame after the first landed one row low. Fixed here: up as many lines as the
 * last frame had, when the cursor sits below it.
 */
export const inkIncrementalCursorFix = patch('ink-incremental-cursor-fix', 'log-update.js', 'check its incremental cursor movement', (source) => {
  const from = 'buffer.push(ansiEscapes.cursorUp(previousVisible - 1));';
  if (!source.includes(from)) return null;
  return source.replace(from, "buffer.push(ansiEscapes.cursorUp(previousOutput.endsWith('\\n') ? previousVisible : previousVisible - 1));");
});

/** The flag src/ui/frame-now.ts sets when a key arrives (a global: the bundle's Ink is not ours to import into). */
export const RENDER_NOW = 'flotilla.ink.renderNow';

/**
 * Ink draws at most `maxFps` frames a second: a render asked for within 1/maxFps of the last one
 * waits for the end of that window (up to 34 ms at 30 fps). While agents print, the live pane keeps
 * that window busy, so a key waited for it. A render caused by a key (src/ui/frame-now.ts raises the
 * flag) is drawn at once; other renders stay throttled.
 */
export const inkKeyFramesNow = patch('ink-key-frames-now', 'ink.js', 'a key waits for the next frame tick', (source) => {
  const from = `this.rootNode.onRender = () => {
                this.hasPendingThrottledRender = true;
                throttled();
            };`;
  if (!source.includes(from)) return null;
  return source.replace(
    from,
    `this.rootNode.onRender = () => {
                this.hasPendingThrottledRender = true;
                throttled();
                if (globalThis[Symbol.for('${RENDER_NOW}')]) {
                    globalThis[Symbol.for('${RENDER_NOW}')] = false;
                    throttled.flush();
                }
            };`,
  );
});

export const inkPatches = [sharedInkOutputCaches, cachedInkTextWidths, inkIncrementalCursorFix, inkKeyFramesNow];

/**
 * The same patches for vitest (vitest.config.ts loads Ink through vite with them, so the tests run
 * the Ink users run): the Ink files they change, and `path`'s source with them applied; `warning`
 * names a patch that no longer applies (the source is then Ink's own for that patch).
 */
export const INK_PATCH_FILTER = new RegExp(`[\\\\/]ink[\\\\/]build[\\\\/](${inkPatches.map((p) => details.get(p).file.replace('.', '\\.')).join('|')})$`);
export function patchInk(path, source) {
  let contents = source;
  const warnings = [];
  for (const p of inkPatches.map((plugin) => details.get(plugin))) {
    if (!new RegExp(`[\\\\/]${p.file.replace('.', '\\.')}$`).test(path) || !/[\\/]ink[\\/]build[\\/]/.test(path)) continue;
    const changed = p.change(contents);
    if (changed === null) warnings.push(`ink/build/${p.file} changed: ${p.what}`);
    else contents = changed;
  }
  return { contents, warning: warnings.length ? warnings.join('; ') : undefined };
}
