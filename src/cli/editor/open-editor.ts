import { execa } from 'execa';
import { UsageError } from '../../engine/index.js';

/**
 * Opens `file` in the user's editor ($VISUAL, $EDITOR, else vi) with the terminal handed over.
 * The editor variable is split on spaces into argv (e.g. "code -w"); it is never run through a shell.
 */
export async function openInEditor(file: string, env: NodeJS.ProcessEnv): Promise<number> {
  const spec = (env.VISUAL || env.EDITOR || 'vi').trim().split(/\s+/).filter(Boolean);
  const [program, ...args] = spec;
  if (!program) throw new UsageError('no editor: set $EDITOR');
  const result = await execa(program, [...args, file], { stdio: 'inherit', reject: false });
  if ((result as { code?: string }).code === 'ENOENT') throw new UsageError(`editor "${program}" not found (set $EDITOR)`);
  return result.exitCode ?? 1;
}
