import { agentPrograms, ConfigError, findRepo, formatGB, GitClient, createRunner, hostFindings, hostsReport, loadConfig, LOCAL_HOST, profileNames, resolveProfile, removedHostsInUse, removedHostsMessage, TaskRegistry, UsageError } from '../../engine/index.js';
import type { HostFinding, HostRow } from '../../engine/index.js';
import { jsonText, safeLine } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { memoryText } from '../format/host-queue.js';
import { formatTable } from '../format/table.js';
import { EXIT, type CliIO, type CliCommand } from '../io.js';

const PROBE_TIMEOUT_MS = 15_000;

function memoryCell(row: HostRow): string {
  if (!row.reachable) return '-';
  if (!row.memory) return 'unknown';
  return `${formatGB(Math.max(0, row.memory.freeAboveReserveMB))} (of ${formatGB(row.memory.availableMB)} avail, reserve ${formatGB(row.memory.reserveMB)})`;
}

function versionsCell(row: HostRow, programs: readonly string[]): string {
  if (!row.reachable) return `${row.fault}: ${row.message ?? ''}`;
  return programs
    .filter((p) => p !== 'sh')
    .map((p) => {
      const v = row.programs[p];
      if (v === null || v === undefined) return `${p} -`;
      // The version's first number: "git version 2.39.5" -> 2.39.5; whatever the program printed otherwise.
      return `${p} ${/\d+(?:\.\d+)+[\w.-]*/.exec(v)?.[0] ?? v.slice(0, 20)}`;
    })
    .join(', ');
}

/** " (1.2 GB)": what the probe measured of the agents running there; empty when it measured none. */
function agentsRss(row: HostRow): string {
  const mb = row.agents.tasks.map((t) => row.agentRssMB[t]).filter((v): v is number => v !== undefined);
  return mb.length === 0 ? '' : ` (${memoryText(mb.reduce((a, b) => a + b, 0))})`;
}

function findingLines(name: string, findings: readonly HostFinding[]): string[] {
  if (findings.length === 0) return [`${name}: ok: reachable, git and tmux there, at least one agent CLI, memory above reserve`];
  return findings.flatMap((f) => [`${f.level === 'problem' ? 'problem' : 'note'}: ${safeLine(f.what, 600)}`, ...(f.fix ? [`  fix: ${safeLine(f.fix, 600)}`] : [])]);
}

export const hostsCommand: CliCommand = {
  name: 'hosts',
  summary: 'list the machines agents can run on (this one and config hosts); check one',
  help: `Usage: flotilla hosts [--json]
       flotilla hosts check <name> [--json]

Lists every host: this machine as "local", then each of config "hosts", probed at once (one ssh
command per host over its master connection, at most ${PROBE_TIMEOUT_MS / 1000} s each): reachable or why
not, live memory free above the host's reserve, agents running/queued/max there, and the versions
of git, tmux and each agent CLI found on it.

\`hosts check <name>\` says what is missing on that host and how to fix it (ssh key, host key,
programs, memory, worktree root); exit 1 when something must be fixed before it can run agents.

Options:
  --json   print JSON instead of a table`,
  async run(args, io) {
    const { values, positionals, help } = parseCommandArgs('hosts', args, { json: { type: 'boolean' } }, { max: 2, names: 'check <name>' });
    if (help) return io.out(this.help), EXIT.ok;
    const [sub, name] = positionals;
    if (sub !== undefined && sub !== 'check') throw new UsageError(`hosts: unknown subcommand "${sub}" (see \`flotilla hosts --help\`)`);
    if (sub === 'check' && name === undefined) throw new UsageError('hosts check: missing host name (see `flotilla hosts --help`)');
    const paths = await findRepo(new GitClient(createRunner()), io.cwd);
    const config = await loadConfig(paths.configFile);
    if (name !== undefined && name !== LOCAL_HOST && !Object.hasOwn(config.hosts, name)) {
      const known = [LOCAL_HOST, ...Object.keys(config.hosts)].join(', ');
      throw new UsageError(`hosts check: no host "${name}" in ${paths.configFile} (known: ${known})`);
    }
    const programs = agentPrograms(profileNames(config).map((p) => resolveProfile(config, p)));
    const { tasks } = await new TaskRegistry(paths.registryFile).read();
    const removed = removedHostsMessage(removedHostsInUse(config, tasks));
    if (removed) throw new ConfigError(paths.configFile, 'hosts', removed);
    const rows = await hostsReport({
      config,
      configFile: paths.configFile,
      stateDir: paths.stateDir,
      repoRoot: paths.root,
      tasks,
      programs,
      versions: true,
      timeoutMs: PROBE_TIMEOUT_MS,
      ...(name !== undefined ? { only: [name] } : {}),
    });
    if (name !== undefined) return check(io, rows[0]!, name === LOCAL_HOST ? null : config.hosts[name]!, programs, config.limits.defaultPeakMB.agent, values.json === true);
    if (values.json) return io.out(jsonText(rows, 2)), EXIT.ok;
    const shown = ['git', 'tmux', ...programs];
    io.out(
      formatTable(
        ['HOST', 'SSH', 'STATE', 'FREE ABOVE RESERVE', 'AGENTS run/queued/max', 'FOUND'],
        rows.map((r) => [
          r.name,
          r.target ?? '-',
          r.reachable ? 'ok' : 'unreachable',
          memoryCell(r),
          `${r.agents.running}/${r.agents.queued}/${r.agents.max}${agentsRss(r)}`,
          versionsCell(r, shown),
        ]),
      ),
    );
    return EXIT.ok;
  },
};

function check(io: CliIO, row: HostRow, hc: Parameters<typeof hostFindings>[0]['config'], programs: string[], peakMB: number, json: boolean): number {
  const findings = hostFindings({ row, config: hc, agentPrograms: programs, agentPeakMB: peakMB });
  const failed = findings.some((f) => f.level === 'problem');
  if (json) io.out(jsonText({ host: row, ok: !failed, findings }, 2));
  else io.out(findingLines(row.name, findings).join('\n'));
  return failed ? EXIT.error : EXIT.ok;
}
