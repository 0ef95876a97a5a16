import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILTIN_PROFILES } from '../../../src/engine/index.js';
import { contentTexts, declaredFunctions, generateRequests, geminiEndpointEnv, geminiHome, startGeminiEndpoint } from '../../../src/test-support/gemini-endpoint.js';
import type { EndpointHandle, ScriptedTurn } from '../../../src/test-support/model-endpoint.js';
import { AGENT_VERSIONS, pressKeys, realAgent, recordFixture, screenShows, startWatcher, type StatusEvent, type Watcher } from '../../../src/test-support/real-agents.js';
import { makeTmuxRepo, waitFor, type TmuxRepo } from '../../../src/test-support/tmux-repo.js';

/**
 * The real Gemini CLI (pinned, .ci/install-agents) driven through flotilla's real binary on the
 * tmux runtime, its model being the scripted Gemini API on 127.0.0.1 (GOOGLE_GEMINI_BASE_URL with
 * API-key auth, its settings in a throwaway GEMINI_CLI_HOME). Gemini CLI has no hooks flotilla
 * registers: its status comes from its screen.
 */
const GEMINI = realAgent('gemini');
const V = AGENT_VERSIONS.gemini;

let t: TmuxRepo | null = null;
let endpoint: EndpointHandle | null = null;
let watcher: Watcher | null = null;
afterEach(async () => {
  await watcher?.stop();
  await t?.cli(['stop', 'job']).catch(() => undefined);
  t?.cleanup();
  await endpoint?.close();
  t = null;
  endpoint = null;
  watcher = null;
});

type Scenario = (worktree: string) => ScriptedTurn[];

/**
 * Flotilla run as from a human's terminal, not as from a CI job: Gemini CLI takes CI=true or
 * GITHUB_ACTIONS=true in its environment (inherited from flotilla's, through the tmux server) for
 * a headless run and exits at an untrusted folder (status 55) instead of showing its trust dialog.
 */
const TERMINAL_ENV = { CI: 'false', GITHUB_ACTIONS: 'false' };

async function setup(name: string, scenario: Scenario, options: { config?: Record<string, unknown>; folderTrust?: boolean } = {}) {
  // A request past the scenario is refused (401): all of them in the trust test.
  endpoint = await startGeminiEndpoint({ turns: [], fallback: { error: 401 } });
  t = makeTmuxRepo(`gemini-${name}`, {
    profiles: { gemini: { ...BUILTIN_PROFILES.gemini, command: [GEMINI!, '-i', '{prompt}'], env: { GEMINI_CLI_HOME: '' } } },
    ...options.config,
  });
  const tr = t;
  Object.assign(tr.env, TERMINAL_ENV);
  const home = geminiHome(join(tr.repo.dir, 'gemini-home'), { folderTrust: options.folderTrust });
  // The profile's environment now that the home folder is known.
  const configFile = join(tr.repo.root, '.flotilla', 'config.json');
  const c = JSON.parse(readFileSync(configFile, 'utf8')) as { profiles: { gemini: { env: Record<string, string> } } };
  c.profiles.gemini.env = geminiEndpointEnv(endpoint.url, home);
  writeFileSync(configFile, JSON.stringify(c, null, 2));
  endpoint.push(...scenario(join(tr.repo.worktreeRoot, 'job-a1')));
  const added = await tr.cli(['add', 'Job', '--id', 'job', '--agent', 'gemini', '--prompt', 'Write hello.txt and commit it.']);
  expect(added.code, added.stderr).toBe(0);
  const started = await tr.cli(['start', 'job']);
  expect(started.code, started.stderr).toBe(0);
  watcher = startWatcher(tr.repo.root, tr.env);
  return { t: tr, w: watcher, ep: endpoint, socket: tr.env.FLOTILLA_TMUX_SOCKET };
}

/** Waits until the latest status event matches, at most 2 s (+ a poll) after `since`. */
async function stateWithin(w: Watcher, what: string, ok: (e: StatusEvent) => boolean, since: number): Promise<StatusEvent> {
  return waitFor(what, async () => {
    const e = w.events.at(-1);
    return e && ok(e) ? e : null;
  }, Math.max(0, since + 2000 - Date.now()) + 250, 50).catch((err: Error) => {
    throw new Error(`${err.message}; status events: ${JSON.stringify(w.events.map((e) => [e.state, e.message]))}`);
  });
}

describe.skipIf(!GEMINI)(`real Gemini CLI ${V} through flotilla`, () => {
  it('runs a task to ready: its confirmations are waiting within 2 s, the end of the turn idle within 2 s; tokens from its session logs', async () => {
    const { t: tr, w, ep, socket } = await setup(
      'loop',
      (wt) => [
        { text: 'Writing hello.txt.', tools: [{ name: 'write_file', input: { file_path: join(wt, 'hello.txt'), content: 'hello\n' } }] },
        { tools: [{ name: 'run_shell_command', input: { command: 'git add -A && git commit -qm "Add hello.txt" && echo committed', description: 'Commit' } }] },
        { text: 'All done here.' },
      ],
      { config: { forge: 'local', gates: ['pr', 'rebased'], monitor: { intervalSec: 1, idleGraceSec: 60 }, limits: { staggerMs: 0 } } },
    );
    // Started trusted (GEMINI_CLI_TRUST_WORKSPACE): the first thing on screen is the edit confirmation.
    const edit = await screenShows(tr, 'the edit confirmation', /Apply this change\?/, 90_000).catch(async (err: Error) => {
      throw new Error(`${err.message}\nstatus: ${(await tr.cli(['status', '--json'])).stdout}\nrequests: ${ep.requests.map((r) => r.path).join(', ')}\nwatch: ${w.output().slice(-3000)}`);
    });
    recordFixture(`gemini-${V}-apply-change.txt`, edit.screen);
    expect(edit.screen).not.toMatch(/Do you trust the files in this folder/);
    await stateWithin(w, 'waiting for the edit confirmation', (e) => e.state === 'waiting', edit.at);
    pressKeys(socket, 'job', 'Enter');

    const shell = await screenShows(tr, 'the shell confirmation', /Allow execution/, 30_000);
    recordFixture(`gemini-${V}-allow-execution.txt`, shell.screen);
    await stateWithin(w, 'waiting for the shell confirmation', (e) => e.state === 'waiting', shell.at);
    pressKeys(socket, 'job', 'Enter');

    const done = await screenShows(tr, 'the end of the turn', /All done here\./, 30_000);
    await stateWithin(w, 'idle after the turn', (e) => e.state === 'idle', done.at);
    expect(readFileSync(join(tr.repo.worktreeRoot, 'job-a1', 'hello.txt'), 'utf8')).toBe('hello\n');
    const requests = generateRequests(ep);
    expect(declaredFunctions(requests[0]!.body)).toEqual(expect.arrayContaining(['write_file', 'run_shell_command']));
    // The shell's result went back to the model as the function's response (its output text is not
    // asserted: Gemini's shell capture comes back "(empty)" now and then on a loaded machine).
    expect(contentTexts(requests.at(-1)!.body).join('\n')).toMatch(/"name":"run_shell_command","response":/);

    const status = async () => JSON.parse((await tr.cli(['status', '--json'])).stdout) as { tasks: Array<{ state: string; pr?: unknown }> };
    await waitFor('the task ready', async () => (await status()).tasks[0]!.state === 'ready', 30_000, 500).catch(async (err: Error) => {
      throw new Error(`${err.message}; status: ${JSON.stringify(await status())}`);
    });
    expect((await status()).tasks[0]!.pr).toBeTruthy();

    // Tokens from Gemini CLI's own session logs (under its GEMINI_CLI_HOME).
    const cost = JSON.parse((await tr.cli(['cost', '--json'], { GEMINI_CLI_HOME: join(tr.repo.dir, 'gemini-home') })).stdout) as { tasks: Array<{ tokens: number }> };
    expect(cost.tasks[0]!.tokens).toBeGreaterThan(0);
  }, 150_000);

  it('with trustWorktrees off and folder trust on, its trust dialog is waiting within 2 s; once trusted, a refused request (401) is waiting with its message', async () => {
    // Every model request is refused (the endpoint's fallback): the 401 the CLI shows once it runs.
    const { t: tr, w, socket } = await setup('trust', () => [], { config: { trustWorktrees: false }, folderTrust: true });
    const trust = await screenShows(tr, 'the trust dialog', /Do you trust the files in this folder\?/, 60_000);
    recordFixture(`gemini-${V}-trust.txt`, trust.screen);
    await stateWithin(w, 'waiting for the trust dialog', (e) => e.state === 'waiting', trust.at);
    // Trusting restarts the CLI, which sends the prompt again: refused, and not retried.
    const answered = Date.now();
    pressKeys(socket, 'job', 'Enter');
    await waitFor('the trust dialog answered', async () => !/Do you trust the files in this folder\?/.test((await tr.cli(['capture', 'job'])).stdout), 30_000, 200);
    const refused = await screenShows(tr, 'the 401 on screen', /API Error: .*"code":401/, 60_000);
    recordFixture(`gemini-${V}-unauthorized.txt`, refused.screen);
    const after = await stateWithin(w, 'waiting after the 401', (e) => e.state === 'waiting' && e.at > answered && /API Error/.test(e.message ?? ''), refused.at);
    expect(after.message).toMatch(/API Error: \{"error":\{"code":401,"message":"Request had invalid authentication/);
  }, 150_000);
});
