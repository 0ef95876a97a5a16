export interface TrustLaunch {
  /** Extra argv for the agent. */
  argv: string[];
  /** Extra environment for the agent. */
  env: Record<string, string>;
  /** What was written where (for the log), or a problem that leaves the agent's own dialog up. */
  note?: string;
}
