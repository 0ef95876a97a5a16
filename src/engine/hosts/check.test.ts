import { describe, expect, it } from 'vitest';
import { hostFindings } from './check.js';
import type { HostRow } from './report.js';

const hc = { ssh: 'me@box', port: 2222, identityFile: '/k/id', maxAgents: 4, maxBuilds: 2, memReserveMB: 2048, env: {}, worktreeRoot: '/srv/wt' };
const row = (over: Partial<HostRow> = {}): HostRow => ({
  name: 'box',
  target: 'me@box:2222',
  reachable: true,
  fault: null,
  message: null,
  memory: { totalMB: 16384, availableMB: 8192, reserveMB: 2048, freeAboveReserveMB: 6144 },
  agents: { running: 0, queued: 0, max: 4, tasks: [] },
  programs: { sh: 'installed', git: 'git version 2.39.5', tmux: 'tmux 3.3a', claude: '2.1.0 (Claude Code)', codex: null },
  worktreeRoot: 'ok',
  agentRssMB: {},
  probeMs: 10,
  ...over,
});
const check = (r: HostRow, config: typeof hc | null = hc) => hostFindings({ row: r, config, agentPrograms: ['claude', 'codex'], agentPeakMB: 1500 });

describe('hostFindings', () => {
  it('a host with git, tmux, one agent CLI and room: only a note about the missing CLI', () => {
    expect(check(row())).toEqual([expect.objectContaining({ level: 'note', what: 'not found on host box: codex (tasks of those agents are placed elsewhere)' }), expect.objectContaining({ level: 'note', what: expect.stringMatching(/^installed but not found\? ssh runs commands in a non-interactive shell/) })]);
  });
  it('missing git and tmux, no agent CLI, a read-only root, no room: each a finding with its fix', () => {
    const f = check(row({ programs: { sh: 'installed', git: null, tmux: null, claude: null, codex: null }, worktreeRoot: 'readonly', memory: { totalMB: 4096, availableMB: 3000, reserveMB: 2048, freeAboveReserveMB: 952 } }));
    const problems = f.filter((x) => x.level === 'problem').map((x) => x.what);
    expect(problems).toEqual(['git not found on host box', 'tmux not found on host box', 'no agent CLI found on host box (looked for claude, codex)', 'worktree root /srv/wt on host box is not writable']);
    expect(f.find((x) => x.what.startsWith('tmux'))!.fix).toMatch(/apt-get install tmux/);
    expect(f.find((x) => x.what.includes('no room'))).toMatchObject({ level: 'note', fix: 'free memory there, or lower hosts.box.memReserveMB' });
  });
  it('ssh faults name the host and the command that fixes them', () => {
    expect(check(row({ reachable: false, fault: 'auth', message: 'me@box: Permission denied (publickey).' }))).toEqual([
      expect.objectContaining({ what: 'ssh authentication to host box (me@box, port 2222) failed: me@box: Permission denied (publickey).', fix: expect.stringContaining('ssh-copy-id -p 2222 -i /k/id.pub me@box') }),
    ]);
    expect(check(row({ reachable: false, fault: 'hostkey', message: 'Host key verification failed.' }))[0]!.fix).toContain("ssh-keyscan -p 2222 box >> ~/.ssh/known_hosts; a changed key: find out why before ssh-keygen -R '[box]:2222'");
    expect(check(row({ reachable: false, fault: 'timeout', message: 'no answer within 15.0 s' }))[0]).toMatchObject({ what: 'host box (me@box, port 2222) does not answer: no answer within 15.0 s', fix: expect.stringContaining('ssh -p 2222 -i /k/id me@box true') });
  });
  it('this machine: no ssh advice, the local reserve key', () => {
    const f = check(row({ name: 'local', target: null, memory: { totalMB: 4096, availableMB: 3000, reserveMB: 2048, freeAboveReserveMB: 952 } }), null);
    expect(f.map((x) => x.what)).toEqual(['not found on this machine: codex (tasks of those agents are placed elsewhere)', expect.stringMatching(/^this machine has 2\.9 GB available, 0\.9 GB above its reserve of 2\.0 GB: no room/)]);
    expect(f[1]!.fix).toBe('free memory here, or lower limits.memReserveMB');
  });
});
