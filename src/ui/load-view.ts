/**
 * Loads the fleet view's modules (Ink, React and the app) for a real terminal.
 *
 * Two settings are read once, when those modules are evaluated, so they are set only while the
 * import runs and restored afterwards; agents and other children never inherit them:
 * - NODE_ENV=production (when unset): React's production build renders several times cheaper.
 * - CI=false and CONTINUOUS_INTEGRATION=false (when set): Ink treats either as "running in CI" and
 *   then draws nothing but the last frame at exit. The fleet view only opens on a terminal, so a
 *   CI variable left in the user's shell (or set by a test runner) must not blank it.
 *
 * And `fetch` is hidden while they load: Ink's layout engine (yoga, WebAssembly) fetches its own
 * module, inlined as a data: URL, whenever a global fetch exists, and Node's fetch (undici) costs
 * about a tenth of the time to the first frame to load; without fetch it decodes the bytes directly.
 */
export type FleetViewModule = typeof import('./run-app.js');

export async function loadFleetView(env: NodeJS.ProcessEnv = process.env): Promise<FleetViewModule> {
  const overrides: Record<string, string> = {};
  if (env.NODE_ENV === undefined) overrides.NODE_ENV = 'production';
  for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) {
    if (env[key] !== undefined) overrides[key] = 'false';
  }
  const saved = new Map<string, string | undefined>();
  for (const [key, value] of Object.entries(overrides)) {
    saved.set(key, env[key]);
    env[key] = value;
  }
  const fetchProperty = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (fetchProperty?.configurable) Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return await import('./run-app.js');
  } finally {
    if (fetchProperty?.configurable) Object.defineProperty(globalThis, 'fetch', fetchProperty);
    for (const [key, value] of saved) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
  }
}
