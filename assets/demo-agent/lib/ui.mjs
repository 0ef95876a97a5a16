// Terminal output for the demo agent: ANSI colours (off with NO_COLOR or when not a terminal,
// forced with FORCE_COLOR=1..3), a spinner line and a box.

export function makeUi(stream = process.stdout, env = process.env) {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  const colour = !env.NO_COLOR && (forced || (stream.isTTY && env.FORCE_COLOR !== '0'));
  const live = Boolean(stream.isTTY);
  const sgr = (code) => (s) => (colour ? `\x1b[${code}m${s}\x1b[0m` : String(s));
  const c = {
    bold: sgr('1'),
    dim: sgr('2'),
    red: sgr('31'),
    green: sgr('32'),
    yellow: sgr('33'),
    blue: sgr('34'),
    magenta: sgr('35'),
    cyan: sgr('36'),
  };
  let spinner = null;

  const write = (s) => stream.write(s);
  const line = (s = '') => {
    clearSpinner();
    write(`${s}\n`);
  };

  function clearSpinner() {
    if (!spinner) return;
    clearInterval(spinner.timer);
    if (live) write('\r\x1b[2K\x1b[?25h');
    spinner = null;
  }

  function box(title, lines, paint = c.cyan) {
    const visible = (s) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').length;
    const width = Math.max(title.length + 2, ...lines.map(visible)) + 2;
    line(paint(`╭─ ${c.bold(title)} ${'─'.repeat(Math.max(0, width - title.length - 3))}╮`));
    for (const l of lines) line(`${paint('│')} ${l}${' '.repeat(Math.max(0, width - 1 - visible(l)))}${paint('│')}`);
    line(paint(`╰${'─'.repeat(width)}╯`));
  }

  /** Shows a spinner with `label` for `ms` milliseconds, then a tick line. */
  function spin(label, ms) {
    clearSpinner();
    const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    const started = Date.now();
    if (live) {
      let i = 0;
      write('\x1b[?25l');
      const draw = () => {
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        write(`\r\x1b[2K${c.magenta(frames[i++ % frames.length])} ${label}… ${c.dim(`(${secs}s · esc to interrupt)`)}`);
      };
      draw();
      spinner = { timer: setInterval(draw, 80) };
    } else {
      write(`${frames[0]} ${label}…\n`);
    }
    return new Promise((resolve) =>
      setTimeout(() => {
        clearSpinner();
        line(`${c.green('✓')} ${label} ${c.dim(`(${ms} ms)`)}`);
        resolve();
      }, ms),
    );
  }

  return { c, line, box, spin, clearSpinner, colour };
}
