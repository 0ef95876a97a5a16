import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILTIN_PROFILES, findMarked } from '../../../src/engine/index.js';
import type { EndpointHandle, ScriptedTurn } from '../../../src/test-support/model-endpoint.js';
import { codexProviderToml, responsesRequests, startOpenAIEndpoint } from '../../../src/test-support/openai-endpoint.js';
import { AGENT_VERSIONS, pressKeys, realAgent, recordFixture, screenShows, startWatcher, type StatusEvent, type Watcher } from '../../../src/test-support/real-agents.js';
import { makeTmuxRepo, waitFor, type TmuxRepo } from '../../../src/test-support/tmux-repo.js';

/**
 * The real Codex CLI (pinned, .ci/install-agents) driven through flotilla's real binary on the tmux
 * runtime, its model being the scripted Responses API on 127.0.0.1 (a custom model provider in a
 * throwaway CODEX_HOME).
 */
const CODEX = realAgent('codex');
const V = AGENT_VERSIONS.codex;

let t: TmuxRepo | null = null;
let endpoint: EndpointHandle | null = null;
let watcher: Watcher | null = null;
let codexHome = '';
afterEach(async () => {
  await watcher?.stop();
  await t?.cli(['stop', 'job']).catch(() => undefined);
  t?.cleanup();
  await endpoint?.close();
  // Codex 0.171 starts an app-server daemon in a process group of its own (it outlives the agent's
  // group): end the ones this test's CODEX_HOME started.
  if (codexHome) {
    const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
    for (const line of ps.split('\n')) {
      const m = /^\s*(\d+)\s+(.*)$/.exec(line);
      if (m && m[2]!.startsWith(join(codexHome, 'packages'))) {
        try {
          process.kill(Number(m[1]), 'SIGTERM');
        } catch {
          // gone
        }
      }
    }
  }
  t = null;
  endpoint = null;
  watcher = null;
  codexHome = '';
});

async function setup(name: string, turns: ScriptedTurn[], config: Record<string, unknown> = {}) {
  endpoint = await startOpenAIEndpoint({ turns, pick: (req) => ((req.body as { tools?: unknown[] } | null)?.tools?.length ? null : { text: 'Scripted task' }) });
  t = makeTmuxRepo(`codex-${name}`, {
    profiles: { codex: { ...BUILTIN_PROFILES.codex, command: [CODEX!, '{prompt}'], env: { CODEX_HOME: '', SCRIPTED_API_KEY: 'sk-scripted' } } },
    ...config,
  });
  codexHome = join(t.repo.dir, 'codex-home');
  mkdirSync(codexHome, { recursive: true, mode: 0o700 });
  writeFileSync(join(codexHome, 'config.toml'), codexProviderToml(endpoint.url));
  // The profile's CODEX_HOME now that the folder is known.
  const configFile = join(t.repo.root, '.flotilla', 'config.json');
  const c = JSON.parse(readFileSync(configFile, 'utf8')) as { profiles: { codex: { env: Record<string, string> } } };
  c.profiles.codex.env.CODEX_HOME = codexHome;
  writeFileSync(configFile, JSON.stringify(c, null, 2));
  const tr = t;
  expect((await tr.cli(['add', 'Job', '--id', 'job', '--agent', 'codex', '--prompt', 'Write hello.txt.'])).code).toBe(0);
  expect((await tr.cli(['start', 'job'])).code).toBe(0);
  watcher = startWatcher(tr.repo.root, tr.env);
  return { t: tr, w: watcher, ep: endpoint, socket: tr.env.FLOTILLA_TMUX_SOCKET };
}


async function stateWithin(w: Watcher, what: string, ok: (e: StatusEvent) => boolean, since: number): Promise<StatusEvent> {
  return waitFor(what, async () => {
    const e = w.events.at(-1);
    return e && ok(e) ? e : null;
  }, Math.max(0, since + 2000 - Date.now()) + 250, 50).catch((err: Error) => {
    throw new Error(`${err.message}; status events: ${JSON.stringify(w.events.map((e) => [e.state, e.message]))}`);
  });
}

describe.skipIf(!CODEX)(`real Codex ${V} through flotilla`, () => {
  it('reports its trust dialog as waiting within 2 s, runs the turn, and is idle within 2 s of its end', async () => {
    const { t: tr, w, ep, socket } = await setup('dialog', [{ text: 'Writing.', tools: [{ name: 'exec_command', input: { cmd: 'echo hi > hello.txt' } }] }, { text: 'All done here.' }], { trustWorktrees: false });
    const trust = await screenShows(tr, 'the trust dialog', /Trust this folder\?/, 40_000);
    recordFixture(`codex-${V}-trust.txt`, trust.screen);
    await stateWithin(w, 'waiting for the trust dialog', (e) => e.state === 'waiting', trust.at);
    pressKeys(socket, 'job', 'Enter');
    const done = await screenShows(tr, 'the end of the turn', /All done here\./, 40_000);
    await stateWithin(w, 'idle after the turn', (e) => e.state === 'idle', done.at);
    expect(readFileSync(join(tr.repo.worktreeRoot, 'job-a1', 'hello.txt'), 'utf8')).toBe('hi\n');
    // The command's output went back to the model as the function call's output.
    const last = responsesRequests(ep).at(-1)!;
    expect(JSON.stringify(last.body)).toContain('function_call_output');
  }, 120_000);

  it('starts in a flotilla worktree without the trust dialog by default, and a refused request (401) is then waiting with the message Codex shows', async () => {
    const { t: tr, w, ep } = await setup('failure', [{ error: 401 }, { error: 401 }, { error: 401 }]);
    const failed = await screenShows(tr, 'the error on screen', /■ unexpected status 401/, 40_000);
    recordFixture(`codex-${V}-unauthorized.txt`, failed.screen);
    const firstRequest = responsesRequests(ep)[0]!.at;
    expect(w.events.some((e) => e.state === 'waiting' && e.at < firstRequest)).toBe(false); // no trust dialog before it
    expect(failed.screen).not.toMatch(/Trust this folder\?/);
    const after = await stateWithin(w, 'waiting after the 401', (e) => e.state === 'waiting', failed.at);
    expect(after.message).toMatch(/unexpected status 401 Unauthorized: Incorrect API key/);
    expect(responsesRequests(ep).length).toBeGreaterThan(0);
  }, 120_000);
});

/** Processes run from a CODEX_HOME's packages folder: the app-server daemon and its update loop. */
function daemonsOf(home: string): number[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps.split('\n').flatMap((line) => {
    const m = /^\s*(\d+)\s+(.*)$/.exec(line);
    return m && m[2]!.startsWith(join(home, 'packages')) ? [Number(m[1])] : [];
  });
}

describe.skipIf(!CODEX)(`real Codex ${V} app-server daemon`, () => {
  it('stop ends the daemon an agent started (own session, outside the agent\'s group): 0 processes of the task left', async () => {
    // The agent starts the real daemon as the Codex TUI does (`codex app-server daemon start`
    // installs it under CODEX_HOME/packages and detaches it into a session of its own).
    t = makeTmuxRepo('codex-daemon', { profiles: { d: { command: ['sh', '-c', `CODEX_HOME="$PWD/../../codex-home" "${CODEX}" app-server daemon start >../../daemon.log 2>&1; exec sleep 300`] } }, defaultAgent: 'd' });
    codexHome = join(t.repo.dir, 'codex-home');
    mkdirSync(codexHome, { recursive: true, mode: 0o700 });
    writeFileSync(join(codexHome, 'config.toml'), 'check_for_update_on_startup = false\n[analytics]\nenabled = false\n');
    expect(t.repo.worktreeRoot).toBe(join(t.repo.dir, 'worktrees')); // the agent finds codex-home beside it
    expect((await t.cli(['add', 'Job', '--id', 'job', '--prompt', 'x'])).code).toBe(0);
    expect((await t.cli(['start', 'job'])).code).toBe(0);
    // Copying the CLI package into CODEX_HOME/packages takes a while on a loaded machine.
    const daemons = await waitFor('the daemon and its update loop', async () => (daemonsOf(codexHome).length >= 2 ? daemonsOf(codexHome) : null), 90_000, 200);
    // Each leads a process group of its own (a group kill of the agent misses it) and carries the
    // task's marker, which the sweep after the group kill goes by.
    for (const pid of daemons) {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2])).toBe(pid);
      expect(readFileSync(`/proc/${pid}/environ`, 'latin1')).toContain('\0FLOTILLA_TASK=job\0');
    }
    // This repository's processes of the task (another test's task `job` is not this stop's).
    const ours = { env: { FLOTILLA_TASK: 'job', FLOTILLA_REPO: t.repo.root } };
    expect(findMarked(ours)).toEqual(expect.arrayContaining(daemons));
    expect((await t.cli(['stop', 'job'])).code).toBe(0);
    expect({ marked: findMarked(ours), daemons: daemonsOf(codexHome) }).toEqual({ marked: [], daemons: [] });
  }, 150_000);
});
