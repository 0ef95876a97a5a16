import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProbe, probeScript, ProbeParseError, type ProbeRequest } from './probe.js';

// A C locale, as a non-interactive ssh session often has: tmux then prints a tab as "_".
const run = (script: string) => spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { PATH: process.env.PATH, LC_ALL: 'C' } });
const git = (cwd: string, ...args: string[]) => spawnSync('git', ['-C', cwd, ...args], { encoding: 'utf8' });

describe('the host probe script, run by a real sh', () => {
  let dir: string;
  const socket = `fprobe-${process.pid}`;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fprobe-'));
    const wt = join(dir, 'wt');
    mkdirSync(wt);
    git(wt, 'init', '-q', '-b', 'flotilla/t-a1');
    writeFileSync(join(wt, 'a'), 'a');
    git(wt, '-c', 'user.email=a@b', '-c', 'user.name=a', 'commit', '-qm', 'x', '--allow-empty');
    writeFileSync(join(wt, 'b'), 'b');
    mkdirSync(join(dir, 'ro'), { mode: 0o500 });
    spawnSync('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'flotilla-t-a1', 'sleep 30']);
  });
  afterAll(() => {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
    chmodSync(join(dir, 'ro'), 0o700);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports memory, programs, sessions, worktree facts and the root in one run', () => {
    const req: ProbeRequest = {
      programs: ['git', 'tmux', 'no-such-cli-h17'],
      versions: true,
      tmuxSocket: socket,
      worktrees: [join(dir, 'wt'), join(dir, 'gone'), dir],
      worktreeRoot: join(dir, 'missing'),
    };
    const r = run(probeScript(req));
    expect(r.status).toBe(0);
    const p = parseProbe('local', req, r.stdout);
    expect(p.memory!.totalMB).toBeGreaterThan(0);
    expect(p.memory!.availableMB).toBeLessThanOrEqual(p.memory!.totalMB);
    expect(p.programs.git).toMatch(/^git version \d/);
    expect(p.programs.tmux).toMatch(/^tmux \d/);
    expect(p.programs['no-such-cli-h17']).toBeNull();
    expect(p.tmux).toBe('ok');
    expect(p.sessions).toEqual([expect.objectContaining({ name: 'flotilla-t-a1', dead: false })]);
    expect(p.sessions[0]!.pid).toBeGreaterThan(0);
    const [wt, gone, notGit] = p.worktrees;
    expect(wt).toMatchObject({ state: 'ok', branch: 'flotilla/t-a1', changed: 2 });
    expect([...wt!.dirty].sort()).toEqual(['a', 'b']);
    expect(wt!.head).toMatch(/^[0-9a-f]{40}$/);
    expect(gone!.state).toBe('gone');
    expect(notGit!.state).toBe('error');
    expect(p.worktreeRoot).toBe('missing');
  });

  it("reports the RSS of each live pane's process tree (the agent's children included), from ps", async () => {
    const sock = `${socket}-rss`;
    // The pane's shell starts a child that holds ~150 MB; the shell alone is a few MB.
    const child = `${JSON.stringify(process.execPath)} -e 'const b = Buffer.alloc(150 * 1024 * 1024, 1); console.log("held", b.length); setInterval(() => b[0]++, 1000)'`;
    spawnSync('tmux', ['-L', sock, '-f', '/dev/null', 'new-session', '-d', '-s', 'big', `sh -c '${child.replaceAll("'", "'\\''")} & wait'`]);
    spawnSync('tmux', ['-L', sock, '-f', '/dev/null', 'new-session', '-d', '-s', 'small', 'sleep 60']);
    spawnSync('tmux', ['-L', sock, 'set-option', '-g', 'remain-on-exit', 'on']);
    spawnSync('tmux', ['-L', sock, '-f', '/dev/null', 'new-session', '-d', '-s', 'over', 'true']);
    try {
      const req: ProbeRequest = { programs: [], versions: false, tmuxSocket: sock, worktrees: [] };
      let p = parseProbe('local', req, run(probeScript(req)).stdout);
      for (let i = 0; i < 100 && (p.sessions.find((x) => x.name === 'big')?.rssMB ?? 0) < 150; i++) {
        await new Promise((r) => setTimeout(r, 100));
        p = parseProbe('local', req, run(probeScript(req)).stdout);
      }
      const by = Object.fromEntries(p.sessions.map((x) => [x.name, x]));
      expect(by.big!.rssMB).toBeGreaterThanOrEqual(150);
      expect(by.big!.rssMB).toBeLessThan(600);
      expect(by.small!.rssMB).toBeGreaterThanOrEqual(0);
      expect(by.small!.rssMB).toBeLessThan(50);
      // A dead pane has no process: not measured.
      expect(by.over).toMatchObject({ dead: true, rssMB: null });
    } finally {
      spawnSync('tmux', ['-L', sock, 'kill-server']);
    }
  });

  it('a socket written ~/… is the one under the host home ($HOME there), never a literal ~', () => {
    const sock = join(dir, 'home-sock');
    spawnSync('tmux', ['-S', sock, '-f', '/dev/null', 'new-session', '-d', '-s', 'h17', 'sleep 30']);
    try {
      const req: ProbeRequest = { programs: [], versions: false, tmuxSocket: '~/home-sock', worktrees: [] };
      const r = spawnSync('sh', ['-c', probeScript(req)], { cwd: tmpdir(), encoding: 'utf8', env: { PATH: process.env.PATH, LC_ALL: 'C', HOME: dir } });
      const p = parseProbe('local', req, r.stdout);
      expect(p.tmux).toBe('ok');
      expect(p.sessions.map((x) => x.name)).toEqual(['h17']);
    } finally {
      spawnSync('tmux', ['-S', sock, 'kill-server']);
    }
  });

  it('without versions only says installed; no tmux server reads as none; a read-only root is named', () => {
    const req: ProbeRequest = { programs: ['sh'], versions: false, tmuxSocket: `${socket}-none`, worktrees: [], worktreeRoot: join(dir, 'ro') };
    const p = parseProbe('box', req, run(probeScript(req)).stdout);
    expect(p.programs.sh).toBe('installed');
    expect(p.tmux).toBe('none');
    expect(p.sessions).toEqual([]);
    // root can write anywhere; anyone else sees the read-only folder as such.
    expect(p.worktreeRoot).toBe(process.getuid?.() === 0 ? 'ok' : 'readonly');
  });

  it('hostile paths and names stay data', () => {
    const evil = join(dir, "x'; touch pwned-h17; '");
    const req: ProbeRequest = { programs: ['git'], versions: false, worktrees: [evil], worktreeRoot: evil };
    const r = run(`cd ${JSON.stringify(dir)} && ${probeScript(req)}`);
    expect(parseProbe('box', req, r.stdout).worktrees[0]!.state).toBe('gone');
    expect(spawnSync('ls', [dir], { encoding: 'utf8' }).stdout).not.toContain('pwned');
    expect(() => probeScript({ ...req, programs: ['a;b'] })).toThrow(/not allowed/);
    expect(() => probeScript({ ...req, tmuxSocket: 'a b' })).toThrow(/not allowed/);
    expect(() => probeScript({ ...req, worktrees: ['relative'] })).toThrow(/not allowed/);
  });
});

describe('parseProbe refuses garbage with one line naming the host', () => {
  const req: ProbeRequest = { programs: ['git'], versions: false, tmuxSocket: 's', worktrees: ['/w'] };
  const good = ['flotilla-probe 1', 'mem 1000 500', 'prog git +', 'tmux ok', 'sess flotilla-a 12 0 ', 'wt 0 gone', 'end'];
  const parse = (lines: string[]) => parseProbe('box', req, `${lines.join('\n')}\n`);
  it('accepts the well-formed answer', () => {
    expect(parse(good)).toMatchObject({ memory: { totalMB: 0, availableMB: 0 }, sessions: [{ name: 'flotilla-a', pid: 12, rssMB: null }] });
    expect(parse([...good.slice(0, 5), 'rss flotilla-a 2097152', ...good.slice(5)]).sessions[0]!.rssMB).toBe(2048);
  });
  it("counts git's porcelain lines of a worktree, whatever paths they name, and never reads them as rows", () => {
    const oid = 'a'.repeat(40);
    const block = ['wt 0', `# branch.oid ${oid}`, '# branch.head flotilla/x-a1', '? wt 0 gone', '1 .M N... 100644 100644 100644 x y end', '? end'];
    expect(parse([...good.slice(0, 5), ...block, 'end']).worktrees).toEqual([{ path: '/w', state: 'ok', head: oid, branch: 'flotilla/x-a1', changed: 3, dirty: ['wt 0 gone', 'end', 'end'] }]);
    expect(parse([...good.slice(0, 5), 'wt 0', 'wt 0 error', 'end']).worktrees[0]!.state).toBe('error');
  });
  it.each([
    ['a banner first', ['Welcome!', ...good], /line 1 .*banner/],
    ['no header', good.slice(1), /no "flotilla-probe 1"/],
    ['cut short', good.slice(0, -1), /stopped before its end/],
    ['an unknown line', [...good.slice(0, 3), 'rm -rf', ...good.slice(3)], /line 4 \(unknown line\): "rm -rf"/],
    ['bad memory', good.map((l) => (l.startsWith('mem') ? 'mem x 1' : l)), /bad memory/],
    ['a worktree row missing', good.filter((l) => !l.startsWith('wt')), /worktree rows missing/],
    ['a program missing', good.filter((l) => !l.startsWith('prog')), /no line for program git/],
    ['a bad session row', good.map((l) => (l.startsWith('sess') ? 'sess x pid 0 ' : l)), /bad session row/],
    ['an rss row without its session', [...good.slice(0, 5), 'rss ghost 100', ...good.slice(5)], /rss row without its session/],
    ['an rss row twice', [...good.slice(0, 5), 'rss flotilla-a 1', 'rss flotilla-a 1', ...good.slice(5)], /rss row without its session/],
    ['control bytes', [...good.slice(0, 2), '\x1b]0;pwn\x07', ...good.slice(2)], /"\?\]0;pwn\?"/],
  ])('%s', (_name, lines, message) => {
    expect(() => parse(lines)).toThrow(ProbeParseError);
    expect(() => parse(lines)).toThrow(message);
    expect(() => parse(lines)).toThrow(/^host box: /);
  });
});
