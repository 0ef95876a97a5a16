import { distScript, shellQuote } from '../core/index.js';
import { findExecutable } from './which.js';

/**
 * The log writer tmux `pipe-pane` runs for each agent: it copies the pane's raw output into the
 * attempt's capped, rotated log (0600; `.log` → `.log.1` … `.log.<keep>`), and ends on end of input
 * or, with a pid file, half a second after the agent whose pid it names is gone (tmux keeps the pipe
 * open while a dead pane is shown).
 *
 * It is a perl program when perl is installed (part of every Debian and macOS system): about 6 MB of
 * memory per agent, where a node process costs about 44 MB. Otherwise `log-writer.js` (node), which
 * does the same. Every read is written at once (no buffering), so the log holds all output up to
 * the agent's exit, and the fleet view and `status` can follow it while no flotilla runs. Like
 * OutputLog, it never opens the log through a symlink (O_NOFOLLOW) nor a FIFO or device.
 */
export const PERL_LOG_WRITER = String.raw`
use strict; use warnings; use Fcntl;
my ($file, $max, $keep, $pidfile) = @ARGV;
$max = 5242880 unless defined $max && $max =~ /^\d+$/ && $max >= 1024;
$keep = 3 unless defined $keep && $keep =~ /^\d+$/ && $keep >= 1;
umask 077;
my ($fh, $size);
sub shut { if ($fh) { close $fh; undef $fh } }
sub rotate {
  shut();
  unlink "$file.$keep";
  for (my $i = $keep - 1; $i >= 1; $i--) { rename "$file.$i", "$file." . ($i + 1) if -e "$file.$i" }
  rename $file, "$file.1" if -e $file;
}
sub put {
  my ($buf) = @_;
  while (length $buf) {
    if (!$fh) { (sysopen($fh, $file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0600) && -f $fh) or do { close $fh if $fh; undef $fh; return }; $size = -s $fh || 0 }
    my $room = $max - $size;
    if ($room <= 0) { rotate(); next }
    my $part = substr($buf, 0, $room, '');
    my $off = 0;
    while ($off < length $part) {
      my $w = syswrite($fh, $part, length($part) - $off, $off);
      if (!defined $w) { next if $!{EINTR}; shut(); return }
      $off += $w;
    }
    $size += length $part;
  }
}
sub agent_gone {
  open(my $p, '<', $pidfile) or return 0;
  my $pid = <$p>; close $p;
  return 0 unless defined $pid && $pid =~ /^(\d+)/ && $1 > 0;
  return !kill(0, $1) && $!{ESRCH};
}
my $rin = ''; vec($rin, fileno(STDIN), 1) = 1;
my ($quiet, $gone) = (0, 0);
while (1) {
  my $n = select(my $rout = $rin, undef, undef, $pidfile ? 0.5 : undef);
  if ($n < 0) { next if $!{EINTR}; last }
  if ($n > 0) {
    my $r = sysread(STDIN, my $buf, 65536);
    if (!defined $r) { next if $!{EINTR}; last }
    last if $r == 0;
    put($buf);
    next;
  }
  last if $gone;
  $gone = 1 if ++$quiet % 4 == 0 && agent_gone();
}
shut();
`;

export interface LogPipeSpec {
  logFile: string;
  logMaxBytes: number;
  logKeep: number;
  /** File holding the agent's pid: the writer ends once that process is gone. */
  pidFile: string;
}

/** The shell command for `tmux pipe-pane` (exec'd, so the writer is the pipe's only process). */
export function logPipeCommand(spec: LogPipeSpec, options: { perl?: string | null } = {}): string {
  const perl = options.perl === undefined ? findExecutable('perl', { cwd: '/' }) : options.perl;
  const args = [spec.logFile, String(spec.logMaxBytes), String(spec.logKeep), spec.pidFile];
  const argv = perl ? [perl, '-e', PERL_LOG_WRITER, ...args] : [process.execPath, distScript('engine', 'sessions', 'log-writer.js'), ...args];
  return `exec ${argv.map(shellQuote).join(' ')}`;
}

/**
 * Memory flotilla's own processes add to each tmux agent, MB: its log writer (measured RSS, see
 * bench/sessions.mjs: perl 6 MB, node 44 MB). The pty runtime adds none (the view holds the pty).
 */
export function agentOverheadMB(runtime: 'tmux' | 'pty', options: { perl?: string | null } = {}): number {
  if (runtime === 'pty') return 0;
  const perl = options.perl === undefined ? findExecutable('perl', { cwd: '/' }) : options.perl;
  return perl ? 6 : 44;
}
