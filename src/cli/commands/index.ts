import type { CliCommand } from '../io.js';
import { addCommand } from './add.js';
import { initCommand } from './init.js';
import { memoryCommand } from './memory.js';
import { rmCommand } from './rm.js';
import { statusCommand } from './status.js';
import { retryCommand } from './retry.js';
import { diffCommand } from './diff.js';
import { learningsCommand } from './learnings.js';

/** Every CLI command, in the order `flotilla --help` lists them. */
export const COMMANDS: readonly CliCommand[] = [initCommand, addCommand, statusCommand, rmCommand, memoryCommand];

/** Recovery commands (appended to the list). */
(COMMANDS as CliCommand[]).push(retryCommand, diffCommand, learningsCommand);
