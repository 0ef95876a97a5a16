import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostLayout, RemoteHostPort } from '../core/index.js';
import type { GitClient } from '../git/index.js';
import { simpleGlob } from './bootstrap.js';
import { pushStartToMirror, startRef } from './remote-attempt.js';
import { attemptBranch, attemptWorktreePath, WorkspaceError, type CreatedWorktree } from './worktrees.js';

/**
 * The host side of preparing an attempt in ONE exec (each ssh exec costs a remote login shell, a
 * few hundred ms on a loaded box): make flotilla's state folders there (0700) and the mirror when
 * missing; when the start commit (and the
 * base branch's tip) are already there, point the attempt's start ref and the base branch at them
 * (what the push would have done); make the worktree (or reuse the attempt's registered one), say
 * where its branch forked from the base, and write the `bootstrap.copy` files into it.
 *
 * Run as `sh -c HOST_PREPARE_SCRIPT sh <mirror> <worktree root> <worktree> <branch> <start sha>
 * <start ref> <base branch|""> <base sha|""> <pushed 0|1> [file...]`, the files' content on stdin
 * (encodeFiles). Every value arrives as a positional parameter, never inside the script.
 * Prints `ok <created 0|1> <branch created 0|1> <fork point|->`. Exits: 127 no git; 10 the mirror
 * cannot be made; 20 the commits are not in the mirror (push, then run again with pushed=1);
 * 11 a ref cannot be set; 12 the path is a worktree of another branch (prints `other <branch>`);
 * 13 the path exists and is no worktree; 14 no start commit; 15 the root cannot be made or written;
 * 16 git worktree add failed; 17 the files cannot be written.
 */
export const HOST_PREPARE_SCRIPT = `umask 077
M=$1 R=$2 W=$3 B=$4 S=$5 SR=$6 BB=$7 BS=$8 P=$9
shift 9
command -v git >/dev/null 2>&1 || exit 127
sd=$(dirname -- "$M")
{ mkdir -p -- "$sd/logs" && chmod 700 -- "$(dirname -- "$sd")" "$sd" "$sd/logs"; } >&2 || exit 10
test -d "$M/objects" || git init -q --bare -- "$M" >&2 || exit 10
cd "$M" || exit 10
if [ "$P" != 1 ]; then
git cat-file -e "$S^{commit}" 2>/dev/null || exit 20
if [ -n "$BS" ]; then git cat-file -e "$BS^{commit}" 2>/dev/null || exit 20; fi
git update-ref "$SR" "$S" >&2 || exit 11
if [ -n "$BS" ]; then git update-ref "refs/heads/$BB" "$BS" >&2 || exit 11; fi
fi
reg=$(git worktree list --porcelain | awk -v w="$W" '
/^worktree /{ if (hit) exit; hit = (substr($0, 10) == w); if (hit) br = "-"; next }
hit && /^branch /{ br = substr($0, 8); sub(/^refs\\/heads\\//, "", br) }
END { if (hit) print br }')
bc=0
if [ -n "$reg" ] && [ -e "$W" ]; then
[ "$reg" = "$B" ] || { printf 'other %s\\n' "$reg"; exit 12; }
created=0
else
if [ -n "$reg" ]; then git worktree prune >&2; fi
if [ -e "$W" ] || [ -L "$W" ]; then exit 13; fi
git cat-file -e "$S^{commit}" 2>/dev/null || exit 14
mkdir -p -m 700 -- "$R" >&2; [ -d "$R" ] && [ -w "$R" ] || exit 15
if git show-ref --verify --quiet "refs/heads/$B"; then
git worktree add -- "$W" "$B" >&2 || exit 16
else
git worktree add -b "$B" -- "$W" "$S" >&2 || exit 16
bc=1
fi
created=1
fi
fork=
if [ -n "$BB" ]; then fork=$(git merge-base -- "$BB" "$B" 2>/dev/null) || fork=; fi
if [ $# -gt 0 ]; then
cd "$W" || exit 17
for f; do rm -f -- "$f" || exit 17; done
awk 'BEGIN { for (i = 1; i < ARGC; i++) { name[i] = ARGV[i]; ARGV[i] = "" } }
/^F/ { if (f != "") close(f); n++; f = name[n]; printf "" > f; next }
/^[|]/ { printf "%s\\n", substr($0, 2) > f; next }
/^>/ { printf "%s", substr($0, 2) > f; next }' "$@" || exit 17
fi
printf 'ok %s %s %s\\n' "$created" "$bc" "\${fork:--}"`;

/**
 * Several text files in one stream for HOST_PREPARE_SCRIPT's awk: per file an `F` line, then each
 * line as `|<line>`, and a last piece without a newline as `><piece>`.
 */
export function encodeFiles(contents: readonly string[]): string {
  let out = '';
  for (const content of contents) {
    out += 'F\n';
    const lines = content.split('\n');
    const last = lines.pop()!;
    for (const line of lines) out += `|${line}\n`;
    if (last !== '') out += `>${last}\n`;
  }
  return out;
}

/** The `bootstrap.copy` files of the main checkout (names and text), sorted by name. */
export async function bootstrapCopies(repoRoot: string, copy: readonly string[]): Promise<Array<{ name: string; content: string }>> {
  if (!copy.length) return [];
  const regexes = copy.map(simpleGlob);
  const out: Array<{ name: string; content: string }> = [];
  for (const entry of await readdir(repoRoot, { withFileTypes: true })) {
    if (!entry.isFile() || !regexes.some((r) => r.test(entry.name))) continue;
    out.push({ name: entry.name, content: await readFile(join(repoRoot, entry.name), 'utf8') });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

/**
 * The attempt's worktree on its host, made from the host's mirror, with the `bootstrap.copy` files
 * in it: one exec when the mirror has the start commit already, else that exec, a `git push` of the
 * start commit (and the base branch) over the master connection, and the exec again.
 */
export async function prepareWorktreeOnHost(o: {
  localGit: GitClient;
  repoRoot: string;
  host: RemoteHostPort;
  layout: HostLayout;
  taskId: string;
  n: number;
  startPoint: string;
  base?: string;
  copy: readonly string[];
}): Promise<CreatedWorktree & { startSha: string }> {
  const { host, layout } = o;
  const sha = await o.localGit.resolveCommit(o.repoRoot, o.startPoint);
  if (!sha) throw new WorkspaceError(`start point "${o.startPoint}" does not exist in ${o.repoRoot}`);
  const baseSha = o.base ? await o.localGit.resolveCommit(o.repoRoot, `refs/heads/${o.base}`) : null;
  const branch = attemptBranch(o.taskId, o.n);
  const worktree = attemptWorktreePath(layout.worktreeRoot, o.taskId, o.n);
  const files = await bootstrapCopies(o.repoRoot, o.copy);
  // Under the mirror's lock, as its pushes are: a push that meets a worktree being added there
  // fails on its half-made HEAD ("remote: fatal: bad object worktrees/<name>/HEAD").
  const run = (pushed: boolean) =>
    host.withMirrorLock(() =>
      host.runner.run(
        'sh',
        ['-c', HOST_PREPARE_SCRIPT, 'sh', layout.mirror, layout.worktreeRoot, worktree, branch, sha, startRef(o.taskId, o.n), o.base ?? '', baseSha ?? '', pushed ? '1' : '0', ...files.map((f) => f.name)],
        { ...(files.length ? { input: encodeFiles(files.map((f) => f.content)) } : {}), timeoutMs: 120_000 },
      ),
    );
  let r = await run(false);
  if (r.exitCode === 20) {
    await pushStartToMirror({ localGit: o.localGit, repoRoot: o.repoRoot, host, sha, taskId: o.taskId, n: o.n, ...(o.base && baseSha ? { base: o.base } : {}) });
    r = await run(true);
  }
  const where = `host ${host.name}`;
  const why = lastLine(r.error ?? r.stderr);
  switch (r.exitCode) {
    case 0: {
      const m = /^ok ([01]) ([01]) (\S+)$/m.exec(r.stdout);
      if (!m) throw new WorkspaceError(`${where}: preparing ${worktree} answered something unexpected`);
      const fork = m[3]!;
      return { branch, worktree, created: m[1] === '1', branchCreated: m[2] === '1', baseCommit: /^[0-9a-f]{40,64}$/.test(fork) ? fork : null, startSha: sha };
    }
    case 127:
      throw new WorkspaceError(`${where}: cannot make the repository mirror ${layout.mirror}: git is not installed there`);
    case 10:
      throw new WorkspaceError(`${where}: cannot make the repository mirror ${layout.mirror}: ${why}`);
    case 11:
      throw new WorkspaceError(`${where}: cannot set the start refs in ${layout.mirror}: ${why}`);
    case 12:
      throw new WorkspaceError(`${worktree} is a worktree of branch ${/^other (.*)$/m.exec(r.stdout)?.[1] ?? '(detached)'}, expected ${branch}`);
    case 13:
      throw new WorkspaceError(`${worktree} already exists and is not a worktree of this repository; move it away`);
    case 14:
      throw new WorkspaceError(`start point "${o.startPoint}" does not exist in ${layout.mirror}`);
    case 15:
      throw new WorkspaceError(`${where}: worktree root ${layout.worktreeRoot} cannot be made: ${why || 'not writable'}; set hosts.${host.name}.worktreeRoot to a folder you can write there`);
    case 16:
      throw new WorkspaceError(`${where}: git worktree add ${worktree} failed: ${why}`);
    case 17:
      throw new WorkspaceError(`${where}: cannot copy ${files.map((f) => f.name).join(', ')} into ${worktree}: ${why}`);
    default:
      throw new WorkspaceError(`${where}: cannot prepare ${worktree}: ${why || `exit ${r.exitCode ?? 'signal'}`}`);
  }
}
