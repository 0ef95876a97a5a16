import { connect } from 'node:net';
import { join } from 'node:path';
import { distScript, shellQuote } from '../core/index.js';
import { findExecutable } from './which.js';

/**
 * The log writer tmux `pipe-pane` runs for each agent: the pane's raw output goes into the attempt's
 * capped, rotated log (0600; `.log` → `.log.1` … `.log.<keep>`), every read written at once (no
 * buffering), so the log holds all output up to the agent's exit (tmux destroys a piped pane only
 * once its output is drained into the pipe), and the fleet view and `status` can follow it while no
 * flotilla runs. Like OutputLog, it never opens the log through a symlink (O_NOFOLLOW) nor a FIFO or
 * device.
 *
 * One writer for all the agents of a state folder (the hub): the process tmux starts for a pane's
 * pipe hands the pipe's end to the hub over a unix socket in the state folder (`log-hub.sock`,
 * SCM_RIGHTS) and exits at once; the hub (`flotilla-log-hub <socket>` in ps, one perl process, about 6 MB) writes
 * every agent's log, sleeps in select() while no agent prints, and ends 3 s after its last pipe
 * closed. The first pipe that finds no hub starts one (a lock file next to the socket makes it one).
 * A connection that sends `sync` (no descriptor) gets `k` once the hub has written all that its
 * pipes hold (logHubSync): tmux shows a piped pane dead only after its last output went into the
 * pipe, so a log synced after the exit was seen holds all of it.
 * The hub lives outside the tmux server's sessions, so the server still ends with its last agent.
 *
 * Where that cannot work (not 64-bit Linux: core perl reaches sendmsg only through syscall(); a state
 * folder path too long for a socket; FLOTILLA_LOG_HUB=0) the same perl program writes that one
 * pane's log itself, as before: a process per agent, ending on end of input or, with a pid file,
 * half a second after the agent whose pid it names is gone (tmux keeps the pipe open while a dead pane
 * is shown). Without perl, `log-writer.js` (node, about 44 MB per agent) does the same.
 */
// tmux expands formats and strftime in a pipe-pane command: the program holds no '%' before a
// letter and no '#' (so no perl hash variables and no comments).
export const PERL_LOG_WRITER = String.raw`
use strict; use warnings; use Fcntl qw(:DEFAULT :flock);
my ($file, $max, $keep, $pidfile, $hubsock) = @ARGV;
$max = 5242880 unless defined $max && $max =~ /^\d+$/ && $max >= 1024;
$keep = 3 unless defined $keep && $keep =~ /^\d+$/ && $keep >= 1;
umask 077;
$SIG{PIPE} = 'IGNORE';
sub shut { my $l = shift; if ($l->{fh}) { close $l->{fh}; undef $l->{fh} } }
sub rotate {
  my $l = shift; shut($l);
  my ($f, $k) = ($l->{file}, $l->{keep});
  unlink "$f.$k";
  for (my $i = $k - 1; $i >= 1; $i--) { rename "$f.$i", "$f." . ($i + 1) if -e "$f.$i" }
  rename $f, "$f.1" if -e $f;
}
sub put {
  my ($l, $buf) = @_;
  while (length $buf) {
    if (!$l->{fh}) {
      my $fh;
      (sysopen($fh, $l->{file}, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0600) && -f $fh) or do { close $fh if $fh; return };
      $l->{fh} = $fh; $l->{size} = -s $fh || 0;
    }
    my $room = $l->{max} - $l->{size};
    if ($room <= 0) { rotate($l); next }
    my $part = substr($buf, 0, $room, '');
    my $off = 0;
    while ($off < length $part) {
      my $w = syswrite($l->{fh}, $part, length($part) - $off, $off);
      if (!defined $w) { next if $!{EINTR}; shut($l); return }
      $off += $w;
    }
    $l->{size} += length $part;
  }
}
my $sys;
if (defined $hubsock && length $hubsock && length $hubsock < 100) {
  require Config; require Socket; require POSIX;
  no warnings 'once';
  my ($ptr, $arch) = ($Config::Config{ptrsize}, $Config::Config{archname});
  $sys = $ptr == 8 ? ($arch =~ /^x86_64-linux/ ? [46, 47] : $arch =~ /^aarch64-linux/ ? [211, 212] : undef) : undef;
}
sub addr { unpack('J', pack('p', $_[0])) }
sub msghdr { my ($iov, $ctl) = @_; pack('JLLJJJJiL', 0, 0, 0, addr($iov), 1, addr($ctl), length $ctl, 0, 0) }
sub hand_over {
  socket(my $s, Socket::PF_UNIX(), Socket::SOCK_STREAM(), 0) or return 0;
  connect($s, Socket::pack_sockaddr_un($hubsock)) or return 0;
  my $msg = join("\0", $max, $keep, $file);
  my $iov = pack('JJ', addr($msg), length $msg);
  my $ctl = pack('JiiiI', 20, Socket::SOL_SOCKET(), Socket::SCM_RIGHTS(), fileno(STDIN), 0);
  my $n = syscall($sys->[0], fileno($s) + 0, msghdr($iov, $ctl), 0);
  return 0 unless $n == length $msg;
  my $ack = '';
  return (sysread($s, $ack, 1) || 0) == 1 && $ack eq 'k';
}
sub drain {
  my ($pipes, $fds) = @_;
  for my $fd (@$fds) {
    my $p = $pipes->{$fd};
    while (1) {
      my $rin = ''; vec($rin, $fd, 1) = 1;
      last unless select(my $rout = $rin, undef, undef, 0) > 0;
      my $r = sysread($p->{in}, my $buf, 65536);
      last unless $r;
      put($p, $buf);
    }
  }
}
sub take_pipe {
  my ($l, $pipes, $fds) = @_;
  accept(my $c, $l) or return undef;
  my $data = "\0" x 8192; my $ctl = "\0" x 64;
  my $iov = pack('JJ', addr($data), length $data);
  my $n = syscall($sys->[1], fileno($c) + 0, msghdr($iov, $ctl), 0);
  my ($clen, $level, $type, $fd) = unpack('Jiii', $ctl);
  if ($n == 4 && $clen == 0 && substr($data, 0, 4) eq 'sync') {
    drain($pipes, $fds);
    syswrite($c, 'k');
    close $c;
    return undef;
  }
  if ($n > 0 && $clen >= 20 && $level == Socket::SOL_SOCKET() && $type == Socket::SCM_RIGHTS() && $fd > 2) {
    my ($m, $k, $f) = split /\0/, substr($data, 0, $n), 3;
    if (defined $f && length $f && open(my $in, '<&=', $fd)) {
      $m = 5242880 unless $m =~ /^\d+$/ && $m >= 1024;
      $k = 3 unless $k =~ /^\d+$/ && $k >= 1;
      $pipes->{$fd} = { in => $in, file => $f, max => $m, keep => $k };
      syswrite($c, 'k');
      close $c;
      return $fd;
    } else { POSIX::close($fd) }
  }
  close $c;
  return undef;
}
sub hub {
  my ($lock) = @_;
  POSIX::setsid();
  $0 = "flotilla-log-hub $hubsock";
  open(STDIN, '<', '/dev/null'); open(STDOUT, '>', '/dev/null'); open(STDERR, '>', '/dev/null');
  for my $fd (3 .. 1023) { POSIX::close($fd) unless $fd == fileno($lock) }
  unlink $hubsock;
  my $l;
  socket($l, Socket::PF_UNIX(), Socket::SOCK_STREAM(), 0) && bind($l, Socket::pack_sockaddr_un($hubsock)) && listen($l, 128) or POSIX::_exit(1);
  my ($pipes, $idle, @fds) = ({}, time);
  while (1) {
    my $rin = ''; vec($rin, fileno($l), 1) = 1; vec($rin, $_, 1) = 1 for @fds;
    my $n = select(my $rout = $rin, undef, undef, @fds ? undef : 1);
    if ($n < 0) { next if $!{EINTR}; last }
    if (!@fds && time - $idle >= 3) { last }
    next if $n <= 0;
    for my $fd (grep { vec($rout, $_, 1) } @fds) {
      my $p = $pipes->{$fd};
      my $r = sysread($p->{in}, my $buf, 65536);
      if (!defined $r) { next if $!{EINTR} || $!{EAGAIN} }
      if (!$r) { shut($p); close $p->{in}; delete $pipes->{$fd}; @fds = grep { $_ != $fd } @fds; $idle = time; next }
      put($p, $buf);
    }
    if (vec($rout, fileno($l), 1)) { my $fd = take_pipe($l, $pipes, \@fds); push @fds, $fd if defined $fd }
  }
  close $l; unlink $hubsock;
  POSIX::_exit(0);
}
if ($sys) {
  for (1 .. 60) {
    exit 0 if hand_over();
    if (sysopen(my $lock, "$hubsock.lock", O_RDWR | O_CREAT | O_NOFOLLOW, 0600)) {
      if (flock($lock, LOCK_EX | LOCK_NB)) {
        my $pid = fork;
        if (defined $pid && $pid == 0) { hub($lock) }
        waitpid($pid, POSIX::WNOHANG()) if $pid;
      }
      close $lock;
    }
    select(undef, undef, undef, 0.05);
  }
}
my $log = { file => $file, max => $max, keep => $keep };
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
    put($log, $buf);
    next;
  }
  last if $gone;
  $gone = 1 if ++$quiet % 4 == 0 && agent_gone();
}
shut($log);
`;

export interface LogPipeSpec {
  logFile: string;
  logMaxBytes: number;
  logKeep: number;
  /** File holding the agent's pid: a writer of its own ends once that process is gone. */
  pidFile: string;
  /** The shared writer's socket (logHubSocket); absent: a writer of its own. */
  hubSocket?: string | null;
}

/** The shared log writer's socket for a state folder, or null where each agent gets its own writer. */
export function logHubSocket(stateDir: string): string | null {
  if (process.env.FLOTILLA_LOG_HUB === '0') return null;
  const file = join(stateDir, 'log-hub.sock');
  return Buffer.byteLength(file) < 100 ? file : null; // sun_path holds 104-108 bytes
}

/** Whether a shared log writer answers on `socket` (it takes the connection and sees it close). */
export function logHubAnswers(socket: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(socket);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      c.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    c.once('connect', () => done(true));
    c.once('error', () => done(false));
  });
}

/**
 * Asks the shared writer to write out what its pipes hold now; resolves true once it has, false
 * when no writer answered so (none running, or one from before `sync`, which just hangs up).
 */
export function logHubSync(socket: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(socket);
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      c.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    c.once('connect', () => c.write('sync'));
    c.on('data', (d: Buffer) => done(d.includes(0x6b)));
    c.once('error', () => done(false));
    c.once('close', () => done(false));
  });
}

/** The shell command for `tmux pipe-pane` (exec'd, so the writer is the pipe's only process). */
export function logPipeCommand(spec: LogPipeSpec, options: { perl?: string | null } = {}): string {
  const perl = options.perl === undefined ? findExecutable('perl', { cwd: '/' }) : options.perl;
  const args = [spec.logFile, String(spec.logMaxBytes), String(spec.logKeep), spec.pidFile];
  const argv = perl ? [perl, '-e', PERL_LOG_WRITER, ...args, ...(spec.hubSocket ? [spec.hubSocket] : [])] : [process.execPath, distScript('engine', 'sessions', 'log-writer.js'), ...args];
  return `exec ${argv.map(shellQuote).join(' ')}`;
}

/** Whether the shared writer can serve this machine: perl's syscall() route to sendmsg exists here. */
export function logHubPossible(): boolean {
  return process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64');
}

/**
 * Memory flotilla's own processes add to each tmux agent, MB (bench/sessions.mjs). With the shared
 * writer nothing measurable: its one process (about 6 MB) serves every agent and, running, is
 * already out of the free memory the recommendation starts from; the tmux server grew 0.03 MB per
 * pane of an agent printing a line a second. A writer of its own per agent: perl 6 MB, node 44 MB.
 * The pty runtime adds none (the view holds the pty).
 */
export function agentOverheadMB(runtime: 'tmux' | 'pty', options: { perl?: string | null; hub?: boolean } = {}): number {
  if (runtime === 'pty') return 0;
  const perl = options.perl === undefined ? findExecutable('perl', { cwd: '/' }) : options.perl;
  if (!perl) return 44;
  const hub = options.hub ?? (logHubPossible() && process.env.FLOTILLA_LOG_HUB !== '0');
  return hub ? 0 : 6;
}
