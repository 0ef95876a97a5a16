import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILTIN_PROFILES } from '../../../src/engine/index.js';
import { SCRIPTED_MODEL_USAGE, messageRequests, messageTexts, startAnthropicEndpoint, systemText } from '../../../src/test-support/anthropic-endpoint.js';
import type { EndpointHandle, ScriptedTurn } from '../../../src/test-support/model-endpoint.js';
import { AGENT_VERSIONS, claudeConfigDir, claudeEndpointEnv, pressKeys, realAgent, recordFixture, screenShows, startWatcher, type StatusEvent, type Watcher } from '../../../src/test-support/real-agents.js';
import { makeTmuxRepo, waitFor, type TmuxRepo } from '../../../src/test-support/tmux-repo.js';

/**
 * The real Claude Code CLI (pinned, .ci/install-agents) driven through flotilla's real binary on
 * the tmux runtime, its model being the scripted Messages API on 127.0.0.1.
 */
const CLAUDE = realAgent('claude');
const V = AGENT_VERSIONS.claude;

let t: TmuxRepo | null = null;
let endpoint: EndpointHandle | null = null;
let watcher: Watcher | null = null;
afterEach(async () => {
  if (process.env.FLOTILLA_DEBUG_ENDPOINT && endpoint) writeFileSync(process.env.FLOTILLA_DEBUG_ENDPOINT, JSON.stringify(endpoint.requests, null, 1));
  await watcher?.stop();
  await t?.cli(['stop', 'job']).catch(() => undefined);
  t?.cleanup();
  await endpoint?.close();
  t = null;
  endpoint = null;
  watcher = null;
});

/** The scenario, given the path of attempt n's worktree (Write needs absolute paths). */
type Scenario = (worktree: (n: number) => string) => ScriptedTurn[];

async function setup(name: string, scenario: Scenario, options: { config?: Record<string, unknown>; approveKey?: boolean; allow?: string[]; acceptEdits?: boolean; prompt?: string; fallback?: ScriptedTurn } = {}) {
  endpoint = await startAnthropicEndpoint({ turns: [], ...(options.fallback ? { fallback: options.fallback } : {}) });
  const configDir = join('/tmp', `flt-claude-${process.pid}-${name}-${Math.random().toString(36).slice(2, 8)}`);
  t = makeTmuxRepo(`claude-${name}`, {
    profiles: {
      claude: { ...BUILTIN_PROFILES.claude, command: [CLAUDE!, '{prompt}'], env: claudeEndpointEnv(endpoint.url, configDir) },
    },
    ...options.config,
  });
  claudeConfigDir(configDir, options);
  const tr = t;
  endpoint.push(...scenario((n) => join(tr.repo.worktreeRoot, `job-a${n}`)));
  expect((await tr.cli(['add', 'Job', '--id', 'job', '--agent', 'claude', '--prompt', options.prompt ?? 'Write hello.txt and commit it.'])).code).toBe(0);
  return { t: tr, endpoint, configDir, socket: tr.env.FLOTILLA_TMUX_SOCKET };
}

async function start(tr: TmuxRepo): Promise<Watcher> {
  expect((await tr.cli(['start', 'job'])).code).toBe(0);
  watcher = startWatcher(tr.repo.root, tr.env);
  return watcher;
}


/** The latest status event at the moment (the row as the fleet view shows it). */
function latest(w: Watcher): StatusEvent | undefined {
  return w.events.at(-1);
}

async function stateWithin(w: Watcher, what: string, ok: (e: StatusEvent) => boolean, ms: number): Promise<StatusEvent> {
  return waitFor(what, async () => {
    const e = latest(w);
    return e && ok(e) ? e : null;
  }, ms, 50).catch((err: Error) => {
    throw new Error(`${err.message}; status events: ${JSON.stringify(w.events.map((e) => [e.state, e.message]))}`);
  });
}

describe.skipIf(!CLAUDE)(`real Claude Code ${V} through flotilla`, () => {
  it('reports each dialog (trust, API key, permission) as waiting within 2 s, and idle within 2 s of the end of the turn', async () => {
    const { t: tr, socket, endpoint: ep } = await setup(
      'dialogs',
      (wt) => [{ text: 'Writing the file.', tools: [{ name: 'Write', input: { file_path: join(wt(1), 'hello.txt'), content: 'hello\n' } }] }, { text: 'Done: hello.txt written.' }],
      { config: { trustWorktrees: false } },
    );
    const w = await start(tr);
    const worktree = join(tr.repo.worktreeRoot, 'job-a1');

    const trust = await screenShows(tr, 'the trust dialog', /Yes, I trust this folder/);
    recordFixture(`claude-${V}-trust.txt`, trust.screen);
    await stateWithin(w, 'waiting for the trust dialog', (e) => e.state === 'waiting', Math.max(0, trust.at + 2000 - Date.now()) + 250);
    pressKeys(socket, 'job', 'Enter');

    const key = await screenShows(tr, 'the API key dialog', /Do you want to use this API key/);
    recordFixture(`claude-${V}-api-key.txt`, key.screen);
    await stateWithin(w, 'waiting for the API key dialog', (e) => e.state === 'waiting', Math.max(0, key.at + 2000 - Date.now()) + 250);
    pressKeys(socket, 'job', 'Up');
    pressKeys(socket, 'job', 'Enter');

    const permission = await screenShows(tr, 'the permission dialog', /Do you want to create hello\.txt/);
    recordFixture(`claude-${V}-permission.txt`, permission.screen);
    await stateWithin(w, 'waiting for the permission dialog', (e) => e.state === 'waiting', Math.max(0, permission.at + 2000 - Date.now()) + 250);
    pressKeys(socket, 'job', 'Enter');

    const done = await screenShows(tr, 'the end of the turn', /Done: hello\.txt written\./);
    await stateWithin(w, 'idle after the turn', (e) => e.state === 'idle', Math.max(0, done.at + 2000 - Date.now()) + 250);
    expect(readFileSync(join(worktree, 'hello.txt'), 'utf8')).toBe('hello\n');
    // The tool result went back to the model.
    const last = messageRequests(ep).at(-1)!;
    expect(messageTexts(last.body).join('\n')).toMatch(/hello\.txt/);
    expect(systemText(last.body)).toContain('Claude Code');
  }, 120_000);

  it('starts trusted by default; a failing request shows its retries, and a failed turn (529, 401) is waiting with the error, not working', async () => {
    const { t: tr, endpoint: ep, configDir } = await setup('failures', // The retried requests answer late, so the retry line stays up a while (a busy machine polls slowly).
      () => [{ error: 529 }, { error: 529, delayMs: 3000 }, { error: 529, delayMs: 3000 }], {
      approveKey: true,
      fallback: { error: 401 },
      // Monitor passes every 2 s (not 15): the pause, its end and the judgement each wait for a pass.
      config: { monitor: { intervalSec: 2 } },
    });
    const task = async () =>
      (JSON.parse((await tr.cli(['status', '--json'])).stdout) as { tasks: Array<{ state: string; reason: string | null; pausedUntil: string | null; attempts: Array<{ failure: { class: string; evidence: string } | null }> }> }).tasks[0]!;
    const w = await start(tr);
    // No trust dialog: the worktree folder was marked trusted in Claude Code's own config.
    const config = JSON.parse(readFileSync(join(configDir, '.claude.json'), 'utf8')) as { projects: Record<string, { hasTrustDialogAccepted?: boolean }> };
    expect(config.projects[tr.repo.worktreeRoot]?.hasTrustDialogAccepted).toBe(true);

    const retrying = await screenShows(tr, 'a retry on screen', /Retrying in \d+s · attempt \d+\/2/);
    recordFixture(`claude-${V}-retrying.txt`, retrying.screen);
    const retry = await w.status('the retry in the row', (e) => e.state === 'working' && /^API error, retry \d\/2$/.test(e.message ?? ''));
    expect(retry.at - retrying.at).toBeLessThan(2000);

    const failed = await screenShows(tr, 'the failed turn', /API Error: 529/);
    recordFixture(`claude-${V}-overloaded.txt`, failed.screen);
    const overloaded = await stateWithin(w, 'waiting after the 529', (e) => e.state === 'waiting', Math.max(0, failed.at + 2000 - Date.now()) + 250);
    expect(overloaded.message).toMatch(/API error/);
    expect(w.events.some((e) => e.state === 'waiting' && e.at < retry.at)).toBe(false); // no dialog before the request
    expect(messageRequests(ep)).toHaveLength(3); // the first try and CLAUDE_CODE_MAX_RETRIES=2 retries
    // The watcher's monitor pauses the task (Claude gave up on 529 after its retries; it named no
    // reset time: the configured backoff), no attempt burned.
    const paused = await waitFor('the task paused', async () => ((await task()).state === 'paused' ? task() : null), 20_000, 250);
    expect(paused.reason).toMatch(/^paused until \S+ \(API overloaded, no reset time named: backoff 900s\): ● API Error: 529 Overloaded\./);
    expect(Date.parse(paused.pausedUntil!) - Date.now()).toBeGreaterThan(800_000);
    expect(paused.attempts, readFileSync(join(tr.repo.root, '.flotilla/tasks.json'), 'utf8')).toHaveLength(1);

    // The human asks again; the endpoint now refuses the key: not retried, waiting with the message.
    expect((await tr.cli(['send', 'job', 'Please try again.'])).code).toBe(0);
    const refused = await screenShows(tr, 'the 401 on screen', /Invalid API key · Fix external API key|API Error: 401/);
    recordFixture(`claude-${V}-unauthorized.txt`, refused.screen);
    const auth = await stateWithin(w, 'waiting after the 401', (e) => e.state === 'waiting' && e.at > overloaded.at, Math.max(0, refused.at + 2000 - Date.now()) + 250);
    // The CLI's own line (from the screen) or its StopFailure hook's error, whichever came first.
    expect(auth.message).toMatch(/^Invalid API key · Fix external API key|API error: (authentication_failed|.*401)/i);
    expect(messageRequests(ep).length).toBeGreaterThan(3);
    // Typing to it ended the pause; the refused key is an environment failure: needs you, quoted, same attempt.
    const env = await waitFor('needs you (environment)', async () => {
      const now = await task();
      return now.state === 'failed' && now.attempts[0]?.failure?.class === 'environment' ? now : null;
    }, 65_000, 250); // the send ends the pause at one monitor pass, the next judges it: two passes and a slow machine
    expect(env.attempts).toHaveLength(1);
    expect(env.attempts[0]!.failure!.evidence).toMatch(/^not logged in, or the API key was refused: the agent said "⎿\s+Invalid API key · Fix external API key"$/);
  }, 120_000);

  it('runs a task to ready with a PR: the stop gate text reaches the model and it goes on; the CI failure reaches the retry through --append-system-prompt; tokens from its session logs', async () => {
    const check = "require('fs').existsSync('fixed.txt') || (console.error('CHECK-FAILED: fixed.txt is missing'), process.exit(1))";
    const { t: tr, endpoint: ep, configDir } = await setup(
      'loop',
      (wt) => [
        // Attempt 1: writes without committing; the stop gate blocks; then it commits.
        { text: 'Writing hello.txt.', tools: [{ name: 'Write', input: { file_path: join(wt(1), 'hello.txt'), content: 'hello\n' } }] },
        { text: 'Finished.' },
        { when: 'flotilla stop gate (block 1 of 1)', tools: [{ name: 'Bash', input: { command: 'git add -A && git commit -qm "Add hello.txt" && echo committed', description: 'Commit' } }] },
        { text: 'Committed.' },
        // Attempt 2, started by recovery after CI failed: it must have the failure in its system prompt.
        { when: 'CHECK-FAILED: fixed.txt is missing', tools: [{ name: 'Bash', input: { command: 'echo ok > fixed.txt && git add -A && git commit -qm "Add fixed.txt" && echo committed', description: 'Fix' } }] },
        { text: 'Fixed.' },
      ],
      {
        approveKey: true,
        allow: ['Bash', 'Edit', 'Write'],
        acceptEdits: true,
        config: {
          forge: 'local',
          checks: [{ name: 'fixed-file', command: [process.execPath, '-e', check] }],
          gates: ['pr', 'rebased', 'ci'],
          stopGate: { enabled: true, maxBlocks: 1 },
          monitor: { intervalSec: 1, idleGraceSec: 15 },
          recovery: { maxAttempts: 3 },
          limits: { staggerMs: 0 },
        },
      },
    );
    await start(tr);
    const status = async () => JSON.parse((await tr.cli(['status', '--json'])).stdout) as { tasks: Array<{ state: string; pr?: unknown; attempts: Array<{ n: number }> }> };
    await waitFor('the task ready', async () => (await status()).tasks[0]!.state === 'ready', 100_000, 500).catch(async (err: Error) => {
      throw new Error(`${err.message}; turns left: ${ep.remaining()}; status: ${JSON.stringify(await status())}\nwatch:\n${watcher?.output().slice(-4000)}`);
    });
    const task = (await status()).tasks[0]!;
    expect(task.attempts.map((a) => a.n)).toEqual([1, 2]);
    expect(task.pr).toBeTruthy();

    const requests = messageRequests(ep);
    // The stop gate's exit-2 text reached the model as the hook's feedback, and the agent went on.
    const fed = requests.find((r) => messageTexts(r.body).some((m) => m.includes('flotilla stop gate (block 1 of 1)')));
    expect(fed).toBeDefined();
    expect(messageTexts(fed!.body).join('\n')).toContain('Uncommitted changes: hello.txt');
    // The retried session got the CI failure in its system prompt (--append-system-prompt).
    const retried = requests.find((r) => systemText(r.body).includes('CHECK-FAILED: fixed.txt is missing'));
    expect(retried).toBeDefined();
    expect(requests.indexOf(retried!)).toBeGreaterThan(requests.indexOf(fed!));
    expect(ep.remaining()).toBe(0);

    // Cost from Claude Code's own session logs: the scripted usage, counted once per answer.
    const cost = JSON.parse((await tr.cli(['cost', '--json'], { CLAUDE_CONFIG_DIR: configDir })).stdout) as { tasks: Array<{ tokens: number; usd: number | null; unknownModels: string[] }> };
    const perAnswer = SCRIPTED_MODEL_USAGE.input_tokens + SCRIPTED_MODEL_USAGE.output_tokens + SCRIPTED_MODEL_USAGE.cache_creation_input_tokens + SCRIPTED_MODEL_USAGE.cache_read_input_tokens;
    expect(cost.tasks[0]!.tokens).toBeGreaterThan(0);
    expect(cost.tasks[0]!.tokens % perAnswer).toBe(0);
    // Priced when the price data knows the model (h15-agents moves prices to a dataset); never zero.
    if (cost.tasks[0]!.unknownModels.length === 0) expect(cost.tasks[0]!.usd).toBeGreaterThan(0);
    else expect(cost.tasks[0]!.usd).toBeNull();
  }, 150_000);

  it('agent teams: marking a task completed runs the local gate, and its failure text reaches the model (TaskCompleted exit 2)', async () => {
    const { t: tr, endpoint: ep } = await setup(
      'team',
      (wt) => [
        { text: 'Planning.', tools: [{ name: 'TaskCreate', input: { subject: 'Write notes', description: 'Write notes.txt' } }] },
        { tools: [{ name: 'Write', input: { file_path: join(wt(1), 'notes.txt'), content: 'notes\n' } }] },
        { tools: [{ name: 'TaskUpdate', input: { taskId: '1', status: 'completed' } }] },
        { when: 'flotilla stop gate (block 1 of', tools: [{ name: 'Bash', input: { command: 'git add -A && git commit -qm "Add notes" && echo committed', description: 'Commit' } }] },
        { text: 'Committed the notes.' },
      ],
      { approveKey: true, allow: ['Bash', 'Edit', 'Write'], acceptEdits: true, config: { stopGate: { enabled: true, maxBlocks: 2 } } },
    );
    const w = await start(tr);
    await screenShows(tr, 'the end of the turn', /Committed the notes\./, 60_000);
    await w.status('idle at the end', (e) => e.state === 'idle');
    const requests = messageRequests(ep);
    // The gate's text came back as the TaskUpdate tool's result (not through a Stop).
    const fed = requests.find((r) => messageTexts(r.body).some((m) => m.includes('TaskCompleted hook feedback') && m.includes('flotilla stop gate (block 1 of 2)')));
    expect(fed).toBeDefined();
    expect(messageTexts(fed!.body).join('\n')).toContain('Uncommitted changes: notes.txt');
    expect(ep.remaining()).toBe(0);
  }, 120_000);
});
