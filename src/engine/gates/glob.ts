/**
 * Minimal path globs for `uiGlobs`: `**` spans folders, `*` and `?` stay inside one path segment,
 * `{a,b}` alternatives. A pattern without a slash also matches the file name alone ("*.tsx").
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end === -1) re += '\\{';
      else {
        re += `(?:${glob.slice(i + 1, end).split(',').map(escape).join('|')})`;
        i = end;
      }
    } else re += escape(c);
  }
  return new RegExp(`^${re}$`);
}

function escape(s: string): string {
  return s.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

/** Files among `paths` matched by any of `globs`. */
export function matchGlobs(paths: readonly string[], globs: readonly string[]): string[] {
  const tests = globs.map((g) => ({ re: globToRegExp(g), base: !g.includes('/') }));
  return paths.filter((p) => {
    const name = p.slice(p.lastIndexOf('/') + 1);
    return tests.some((t) => t.re.test(p) || (t.base && t.re.test(name)));
  });
}
