import type { CliCommand } from '../io.js';

/**
 * Every CLI command, in the order `flotilla --help` lists them. Each module loads only when its
 * command runs, so a command (and the fleet view's first frame) never pays for the others' imports.
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<CliCommand>;
}

const entry = (name: string, summary: string, load: () => Promise<CliCommand>): CommandEntry => ({ name, summary, load });

export const COMMANDS: readonly CommandEntry[] = [
  // Tasks
  entry('init', 'set up .flotilla/ in this repository (config, MEMORY.md, git exclude)', async () => (await import('./init.js')).initCommand),
  entry('add', 'add a task', async () => (await import('./add.js')).addCommand),
  entry('status', 'show every task (a table, or JSON with --json)', async () => (await import('./status.js')).statusCommand),
  entry('prompt', "preview the prompt a task's next attempt gets", async () => (await import('./prompt.js')).promptCommand),
  // Agent sessions
  entry('start', "start tasks' agents in their worktrees", async () => (await import('./start.js')).startCommand),
  entry('stop', "stop tasks' agents (a running task becomes stopped; ready and escalated ones keep their state)", async () => (await import('./stop.js')).stopCommand),
  entry('attach', "connect your terminal to a task's agent (Ctrl-] detaches)", async () => (await import('./attach.js')).attachCommand),
  entry('send', "type text into a task's agent, then Enter", async () => (await import('./send.js')).sendCommand),
  entry('capture', "print a task's current agent screen", async () => (await import('./capture.js')).captureCommand),
  entry('orchestrator', 'start a coordinator agent that runs the fleet through this CLI', async () => (await import('./orchestrator.js')).orchestratorCommand),
  entry('hosts', 'list the machines agents can run on (this one and config hosts); check one', async () => (await import('./hosts.js')).hostsCommand),
  // Monitoring and gates
  entry('check', 'run one monitoring pass (for cron); exit 3 when something needs you', async () => (await import('./check.js')).checkCommand),
  entry('watch', 'run the engine without the TUI, one line per event', async () => (await import('./watch.js')).watchCommand),
  entry('gate', 'the stop gate for Claude Code hooks: run fast local gates', async () => (await import('./gate.js')).gateCommand),
  // Recovery and review
  entry('retry', 'retry a task in a new attempt, with what the last one was missing', async () => (await import('./retry.js')).retryCommand),
  entry('diff', 'show the difference between two attempts of a task', async () => (await import('./diff.js')).diffCommand),
  entry('review', 'run the reviewers on a task, or show, mark and dismiss findings', async () => (await import('./review.js')).reviewCommand),
  entry('merge', 'merge ready PRs one at a time (the merge train)', async () => (await import('./merge.js')).mergeCommand),
  entry('learnings', 'list what enriched retries taught (.flotilla/learnings.jsonl)', async () => (await import('./learnings.js')).learningsCommand),
  // Cost and memory
  entry('cost', 'cost and effort per task/PR, from the agents\' own usage logs', async () => (await import('./cost.js')).costCommand),
  entry('memory', 'open .flotilla/MEMORY.md (strategy and learned patterns) in $EDITOR', async () => (await import('./memory.js')).memoryCommand),
  // The view and the demo
  entry('ui', 'open the fleet view (also: flotilla with no command)', async () => (await import('./ui.js')).uiCommand),
  entry('demo', 'run flotilla on a throwaway project with a scripted agent (no keys, no network)', async () => (await import('./demo.js')).demoCommand),
  // Cleanup
  entry('rm', 'remove a task (and its worktrees and branches)', async () => (await import('./rm.js')).rmCommand),
];
