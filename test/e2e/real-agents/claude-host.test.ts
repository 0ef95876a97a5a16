import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostHookScript } from '../../../src/engine/index.js';
import { messageRequests, messageTexts, startAnthropicEndpoint } from '../../../src/test-support/anthropic-endpoint.js';
import type { EndpointHandle } from '../../../src/test-support/model-endpoint.js';
import { AGENT_VERSIONS, claudeConfigDir, claudeEndpointEnv, realAgent, startWatcher, type Watcher } from '../../../src/test-support/real-agents.js';
import { findSshd } from '../../../src/test-support/sshd.js';
import { hostTmuxSockets, startTestHost, type TestHost } from '../../../src/test-support/test-host.js';
import { makeTmuxRepo, waitFor, type TmuxRepo } from '../../../src/test-support/tmux-repo.js';

/**
 * The real Claude Code CLI on a remote host (an sshd on 127.0.0.1), its model the scripted
 * Messages API: its hooks run flotilla's sh file on the host (no path of this machine's), the
 * row's waiting and idle come from those hooks (the profile has no screen patterns and an hour of
 * quiet before idle), and the stop gate on the host blocks a stop with a dirty tree.
 */
const CLAUDE = realAgent('claude');
const sshd = findSshd();
if (!sshd) console.log('SKIP: real Claude Code on a remote host: sshd not found (install openssh-server)');

describe.skipIf(!CLAUDE || !sshd)(`real Claude Code ${AGENT_VERSIONS.claude} on a remote host`, () => {
  let host: (TestHost & { stop(): void }) | null = null;
  let endpoint: EndpointHandle | null = null;
  let t: TmuxRepo | null = null;
  let watcher: Watcher | null = null;
  let hostRoot = '';
  const hostTmux = (...args: string[]) => execFileSync('tmux', ['-S', hostTmuxSockets(hostRoot)[0]!, ...args], { encoding: 'utf8' });

  afterAll(async () => {
    await watcher?.stop();
    await t?.cli(['stop', 'job']).catch(() => undefined);
    host?.stop();
    t?.cleanup();
    await endpoint?.close();
  });

  it('hooks on the host: waiting and idle from its hook events, the stop gate blocks a dirty tree and its text reaches the model, the worktree trusted there', async () => {
    endpoint = await startAnthropicEndpoint({ turns: [] });
    const configDir = join('/tmp', `flt-claude-host-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    t = makeTmuxRepo('claude-host', {
      forge: 'local',
      gates: ['pr'],
      notify: { bell: false, desktop: false },
      stopGate: { enabled: true, maxBlocks: 1 },
      profiles: {
        // Not the built-in name: no screen patterns, and an hour of quiet before idle, so the row's
        // waiting and idle can only come from the hook events copied back from the host.
        hostclaude: { command: [CLAUDE!, '{prompt}'], hooks: 'claude', trust: 'claude', quietMs: 3_600_000, env: claudeEndpointEnv(endpoint.url, configDir) },
      },
    });
    const tr = t;
    host = await startTestHost(sshd!, tr.repo);
    hostRoot = host.root;
    const config = JSON.parse(readFileSync(join(tr.repo.root, '.flotilla/config.json'), 'utf8')) as Record<string, unknown>;
    tr.repo.write('.flotilla/config.json', JSON.stringify({ ...config, hosts: { box: host.config } }));
    claudeConfigDir(configDir, { approveKey: true });
    endpoint.push(
      { text: 'Writing the file.', tools: [{ name: 'Bash', input: { command: "printf 'hello\\n' > hello.txt", description: 'Write hello.txt' } }] },
      { text: 'Wrote hello.txt.' },
      { when: 'flotilla stop gate (block 1 of 1)', tools: [{ name: 'Bash', input: { command: 'git add -A && git commit -qm "Add hello.txt" && echo committed', description: 'Commit' } }] },
      { text: 'Committed hello.txt.' },
    );
    expect((await tr.cli(['add', 'Job', '--id', 'job', '--agent', 'hostclaude', '--prompt', 'Write hello.txt and commit it.'])).code).toBe(0);
    const started = await tr.cli(['start', 'job', '--host', 'box']);
    expect(started.stderr).toBe('');
    expect(started.stdout).toMatch(/on host box/);
    watcher = startWatcher(tr.repo.root, tr.env);
    const w = watcher;

    // No trust dialog (the entry was merged into Claude Code's config on the host): the first
    // question is the Bash permission, which only its hooks can report (no screen patterns).
    const asked = await w.status('waiting for the Bash permission (from a hook)', (e) => e.state === 'waiting', 90_000);
    expect(asked.message ?? '').toMatch(/permission/i);
    hostTmux('send-keys', '-t', '=job:', 'Enter');
    // The stop gate on the host blocks the stop (hello.txt not committed): the model reads why and commits.
    const second = await w.status('waiting for the commit permission', (e) => e.state === 'waiting' && w.events.indexOf(e) > w.events.indexOf(asked) && w.events.slice(w.events.indexOf(asked), w.events.indexOf(e)).some((x) => x.state !== 'waiting'), 90_000);
    hostTmux('send-keys', '-t', '=job:', 'Enter');
    await waitFor('the commit', async () => /committed/.test(hostTmux('capture-pane', '-p', '-t', '=job:')), 60_000, 250);
    // Idle from the Stop hook (the quiet timer is an hour); the gate let the second stop go (1 block used).
    await w.status('idle after the commit', (e) => e.state === 'idle' && w.events.indexOf(e) > w.events.indexOf(second), 60_000);

    const fed = messageRequests(endpoint).find((r) => messageTexts(r.body).some((m) => m.includes('flotilla stop gate (block 1 of 1)')));
    expect(fed, 'the stop gate text reached the model').toBeDefined();
    expect(messageTexts(fed!.body).join('\n')).toMatch(/Uncommitted changes: hello\.txt\. Commit your work/);
    // The block count came back from the host into the registry.
    const status = await waitFor('stopGateBlocks in the registry', async () => {
      const s = JSON.parse(readFileSync(join(tr.repo.root, '.flotilla/tasks.json'), 'utf8')) as { tasks: Array<{ attempts: Array<{ stopGateBlocks?: number; worktree: string; session?: { pid: number | null } }> }> };
      const a = s.tasks[0]!.attempts[0]!;
      return a.stopGateBlocks === 1 ? a : null;
    }, 30_000, 250);

    // The hook file on the host is the copied one, at its version; the agent's hooks name it, no local path.
    const stateDir = join(hostRoot, '.flotilla', readdirSync(join(hostRoot, '.flotilla')).find((d) => d !== 'tmp')!);
    const copied = readFileSync(join(stateDir, 'flotilla-hook.sh'), 'utf8');
    expect(copied).toBe(hostHookScript().text);
    const pane = hostTmux('list-panes', '-t', '=job', '-F', '#{pane_pid}').trim();
    const argv = readFileSync(`/proc/${pane}/cmdline`, 'utf8').split('\0');
    const settings = argv[argv.indexOf('--settings') + 1]!;
    const hooks = (JSON.parse(settings) as { hooks: Record<string, Array<{ hooks: Array<{ command: string }> }>> }).hooks;
    const file = join(stateDir, 'flotilla-hook.sh');
    expect(hooks.Stop![0]!.hooks.map((h) => h.command)).toEqual([`sh ${file} record ${join(stateDir, 'hooks', 'job-a1.jsonl')} Stop`, `sh ${file} gate ${join(stateDir, 'hooks', 'job-a1.gate')}`]);
    expect(settings).not.toMatch(/hook-recorder|\/dist\//);
    expect(settings).not.toContain(process.execPath);
    // Its events were recorded on the host and copied into the local events file the watchers follow.
    const local = readFileSync(join(tr.repo.root, '.flotilla/hooks/job/events.jsonl'), 'utf8');
    const events = local.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; attempt: number });
    expect(events.filter((e) => e.event === 'Stop' && e.attempt === 1).length).toBeGreaterThanOrEqual(2);
    expect(readFileSync(join(stateDir, 'hooks', 'job-a1.jsonl'), 'utf8')).toContain('"event":"Stop"');
    // Trusted on the host: merged into the config there (onboarding kept).
    const claudeJson = JSON.parse(readFileSync(join(configDir, '.claude.json'), 'utf8')) as { hasCompletedOnboarding: boolean; projects: Record<string, { hasTrustDialogAccepted?: boolean }> };
    expect(claudeJson.hasCompletedOnboarding).toBe(true);
    expect(claudeJson.projects[realpathSync(join(status.worktree, '..'))]?.hasTrustDialogAccepted).toBe(true);
  }, 300_000);
});
