import type { HostConfig } from '../core/index.js';
import { formatGB } from '../builds/index.js';
import type { HostRow } from './report.js';

/**
 * `flotilla hosts check <name>`: from one probe of the host, exactly what is missing there and how
 * to fix it. Pure: the row and the host's config in, findings out.
 */

export interface HostFinding {
  /** problem: the host cannot run agents until fixed; note: works, but worth knowing. */
  level: 'problem' | 'note';
  what: string;
  fix?: string;
}

/** Install hints for the programs flotilla looks for. */
const INSTALL: Record<string, string> = {
  git: 'install git (Debian/Ubuntu: sudo apt-get install git; macOS: xcode-select --install)',
  tmux: 'install tmux (Debian/Ubuntu: sudo apt-get install tmux; macOS: brew install tmux)',
  sh: 'the host needs a POSIX sh on the PATH of non-interactive ssh sessions',
  claude: 'npm install -g @anthropic-ai/claude-code, then log in once',
  codex: 'npm install -g @openai/codex, then log in once',
  gemini: 'npm install -g @google/gemini-cli, then log in once',
  aider: 'python -m pip install aider-install && aider-install',
};

const PATH_HINT = 'ssh runs commands in a non-interactive shell: a program only your interactive shell finds (nvm, ~/.local/bin) needs its folder on PATH in a file that shell reads (~/.bashrc before its "interactive only" guard, or ~/.ssh/environment with PermitUserEnvironment)';

/** What ssh needs, in the command form the user would type (port and key included). */
function sshCommand(hc: HostConfig): string {
  return ['ssh', ...(hc.port !== 22 ? ['-p', String(hc.port)] : []), ...(hc.identityFile ? ['-i', hc.identityFile] : []), hc.ssh].join(' ');
}

function hostPart(hc: HostConfig): string {
  return hc.ssh.includes('@') ? hc.ssh.slice(hc.ssh.indexOf('@') + 1) : hc.ssh;
}

function faultFindings(row: HostRow, hc: HostConfig | null): HostFinding[] {
  const msg = row.message ?? '';
  if (!hc) return [{ level: 'problem', what: `this machine's probe failed: ${msg}`, fix: 'check that sh, awk and git run here' }];
  const knownHosts = hc.knownHostsFile ?? '~/.ssh/known_hosts';
  const keyName = hc.port === 22 ? hostPart(hc) : `[${hostPart(hc)}]:${hc.port}`;
  switch (row.fault) {
    case 'auth':
      return [
        {
          level: 'problem',
          what: `ssh authentication to host ${row.name} (${hc.ssh}, port ${hc.port}) failed: ${msg}`,
          fix: `put your public key on the host (ssh-copy-id ${hc.port !== 22 ? `-p ${hc.port} ` : ''}${hc.identityFile ? `-i ${hc.identityFile}.pub ` : ''}${hc.ssh}), or set hosts.${row.name}.identityFile to a key it accepts; flotilla runs ssh with BatchMode, so a key with a passphrase must be in ssh-agent`,
        },
      ];
    case 'hostkey':
      return [
        {
          level: 'problem',
          what: `host ${row.name}: its host key is not in ${knownHosts}, or it changed: ${msg}`,
          fix: `check the key's fingerprint with the host's owner, then connect once by hand (${sshCommand(hc)}) or add it: ssh-keyscan -p ${hc.port} ${hostPart(hc)} >> ${knownHosts}; a changed key: find out why before ssh-keygen -R '${keyName}'. flotilla never turns host key checking off`,
        },
      ];
    case 'unreachable':
    case 'timeout':
      return [
        {
          level: 'problem',
          what: `host ${row.name} (${hc.ssh}, port ${hc.port}) does not answer: ${msg}`,
          fix: `is the machine up, on this network, and sshd listening on port ${hc.port}? Try: ${sshCommand(hc)} true`,
        },
      ];
    case 'garbage':
      return [
        {
          level: 'problem',
          what: msg,
          fix: `make the host's shell print nothing for non-interactive sessions (an echo in ~/.bashrc or /etc/profile.d), and make sure its login shell runs sh -c; try: ${sshCommand(hc)} sh -c true`,
        },
      ];
    default:
      return [{ level: 'problem', what: `host ${row.name}: ${msg}`, fix: `try: ${sshCommand(hc)} true` }];
  }
}

export interface HostCheckInput {
  row: HostRow;
  /** Null for `local`. */
  config: HostConfig | null;
  /** The agent programs of the configured profiles. */
  agentPrograms: readonly string[];
  /** An agent's expected peak, MB (config limits.defaultPeakMB.agent or a learned one). */
  agentPeakMB: number;
}

export function hostFindings(input: HostCheckInput): HostFinding[] {
  const { row, config: hc } = input;
  if (!row.reachable) return faultFindings(row, hc);
  const out: HostFinding[] = [];
  const where = hc ? `host ${row.name}` : 'this machine';
  for (const p of ['sh', 'git', 'tmux']) {
    if (row.programs[p] === null) out.push({ level: 'problem', what: `${p} not found on ${where}`, fix: INSTALL[p]! });
  }
  const agents = input.agentPrograms.filter((p) => row.programs[p] !== undefined);
  const missing = agents.filter((p) => row.programs[p] === null);
  if (agents.length > 0 && missing.length === agents.length) {
    out.push({
      level: 'problem',
      what: `no agent CLI found on ${where} (looked for ${missing.join(', ')})`,
      fix: `install the ones you use (${missing.map((p) => `${p}: ${INSTALL[p] ?? `install ${p}`}`).join('; ')})`,
    });
  } else if (missing.length > 0) {
    out.push({ level: 'note', what: `not found on ${where}: ${missing.join(', ')} (tasks of those agents are placed elsewhere)`, fix: `if you need them: ${missing.map((p) => `${p}: ${INSTALL[p] ?? `install ${p}`}`).join('; ')}` });
  }
  if (hc && out.some((f) => f.what.includes('not found') || f.what.startsWith('no agent CLI'))) {
    out.push({ level: 'note', what: `installed but not found? ${PATH_HINT}` });
  }
  if (!row.memory) {
    out.push({ level: 'note', what: `${where} does not report memory (no /proc/meminfo): placement does not weigh its memory`, fix: 'lower maxAgents for it if it is small' });
  } else if (row.memory.freeAboveReserveMB < input.agentPeakMB) {
    out.push({
      level: 'note',
      what: `${where} has ${formatGB(row.memory.availableMB)} available, ${formatGB(Math.max(0, row.memory.freeAboveReserveMB))} above its reserve of ${formatGB(row.memory.reserveMB)}: no room for another agent (~${formatGB(input.agentPeakMB)}) now`,
      fix: hc ? `free memory there, or lower hosts.${row.name}.memReserveMB` : 'free memory here, or lower limits.memReserveMB',
    });
  }
  if (hc?.worktreeRoot && row.worktreeRoot === 'readonly') {
    out.push({ level: 'problem', what: `worktree root ${hc.worktreeRoot} on host ${row.name} is not writable`, fix: `chown it to the ssh user, or set hosts.${row.name}.worktreeRoot to a folder that user owns` });
  } else if (hc?.worktreeRoot && row.worktreeRoot === 'missing') {
    out.push({ level: 'note', what: `worktree root ${hc.worktreeRoot} does not exist on host ${row.name} yet`, fix: 'flotilla creates it on first use (its parent must be writable)' });
  }
  return out;
}
