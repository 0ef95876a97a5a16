/**
 * Codex asks "Trust this folder?" in a folder without `projects."<path>".trust_level = "trusted"`
 * in its config.toml. flotilla passes that for the attempt worktree as a config override on the
 * command line (`-c`, an inline TOML table, so a path with dots in it stays one key); nothing is
 * written to `~/.codex/config.toml`.
 */
export function codexTrustArgv(worktree: string): string[] {
  return ['-c', `projects={ ${JSON.stringify(worktree)} = { trust_level = "trusted" } }`];
}
