import type { CliCommand } from '../io.js';
import { addCommand } from './add.js';
import { initCommand } from './init.js';
import { memoryCommand } from './memory.js';
import { rmCommand } from './rm.js';
import { statusCommand } from './status.js';
import { uiCommand } from './ui.js';

/** Every CLI command, in the order `flotilla --help` lists them. */
export const COMMANDS: readonly CliCommand[] = [initCommand, addCommand, statusCommand, rmCommand, memoryCommand];

// The fleet view (also what `flotilla` with no command runs).
(COMMANDS as CliCommand[]).push(uiCommand);
