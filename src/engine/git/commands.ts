/**
 * Typed git command builders: each returns the argv (without "git") for one git operation.
 * Nothing here runs anything; see git-client.ts.
 */
export const gitArgs = {
  topLevel: () => ['rev-parse', '--show-toplevel'],
  commonDir: () => ['rev-parse', '--path-format=absolute', '--git-common-dir'],
  currentBranch: () => ['symbolic-ref', '--quiet', '--short', 'HEAD'],
  verifyCommit: (ref: string) => ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`],
  branchExists: (branch: string) => ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`],
  worktreeAdd: (o: { path: string; branch: string; startPoint: string }) => [
    'worktree',
    'add',
    '-b',
    o.branch,
    '--',
    o.path,
    o.startPoint,
  ],
  worktreeRemove: (o: { path: string; force?: boolean }) => [
    'worktree',
    'remove',
    ...(o.force ? ['--force', '--force'] : []),
    '--',
    o.path,
  ],
  worktreePrune: () => ['worktree', 'prune'],
  worktreeList: () => ['worktree', 'list', '--porcelain', '-z'],
  branchDelete: (branch: string) => ['branch', '-D', '--', branch],
  /** Makes branch point at sha, only when no such branch exists (fails otherwise). */
  branchCreateAt: (branch: string, sha: string) => ['update-ref', '--no-deref', `refs/heads/${branch}`, sha, ''],
  statusPorcelain: () => ['status', '--porcelain=v2', '--branch', '-z'],
  revListCount: (range: string) => ['rev-list', '--count', range],
  revListLeftRight: (base: string, head: string) => ['rev-list', '--left-right', '--count', `${base}...${head}`],
  isAncestor: (ancestor: string, descendant: string) => ['merge-base', '--is-ancestor', ancestor, descendant],
  mergeTree: (a: string, b: string) => ['merge-tree', '--write-tree', '--name-only', '-z', '--no-messages', a, b],
  log: (range: string) => ['log', '--format=%H%x00%s', range],
  diffStat: (range: string) => ['diff', '--stat', range],
  diffNames: (range: string) => ['diff', '--name-only', '-z', range],
} as const;
