/**
 * Asks Ink to draw the next frame at once instead of at its next frame tick (Ink draws at most
 * `maxFps` frames a second; while agents print, the live pane keeps that window busy and a key would
 * wait up to 1/maxFps for it). Called when a key or a mouse report arrives. Only the bundle's Ink
 * reads the flag (scripts/ink-patches.mjs, `inkKeyFramesNow`); elsewhere it is a no-op.
 */
const RENDER_NOW = Symbol.for('flotilla.ink.renderNow');

export function drawNextFrameNow(): void {
  (globalThis as Record<symbol, unknown>)[RENDER_NOW] = true;
  // A key that changed nothing leaves no render to take the flag: drop it after this turn of the
  // event loop (React commits the key's render in a microtask, before this runs).
  setImmediate(() => {
    (globalThis as Record<symbol, unknown>)[RENDER_NOW] = false;
  });
}
