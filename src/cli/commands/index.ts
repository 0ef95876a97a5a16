import type { CliCommand } from '../io.js';
import { addCommand } from './add.js';
import { costCommand } from './cost.js';
import { checkCommand } from './check.js';
import { gateCommand } from './gate.js';
import { watchCommand } from './watch.js';
import { initCommand } from './init.js';
import { memoryCommand } from './memory.js';
import { promptCommand } from './prompt.js';
import { reviewCommand } from './review.js';
import { rmCommand } from './rm.js';
import { statusCommand } from './status.js';
import { uiCommand } from './ui.js';
import { demoCommand } from './demo.js';
import { orchestratorCommand } from './orchestrator.js';
import { attachCommand } from './attach.js';
import { captureCommand } from './capture.js';
import { sendCommand } from './send.js';
import { startCommand } from './start.js';
import { stopCommand } from './stop.js';

/** Every CLI command, in the order `flotilla --help` lists them. */
export const COMMANDS: readonly CliCommand[] = [initCommand, addCommand, statusCommand, rmCommand, memoryCommand, promptCommand];

// Agent sessions.
(COMMANDS as CliCommand[]).push(startCommand, stopCommand, attachCommand, sendCommand, captureCommand);
(COMMANDS as CliCommand[]).push(costCommand);
(COMMANDS as CliCommand[]).push(reviewCommand);
import { retryCommand } from './retry.js';
import { diffCommand } from './diff.js';
import { learningsCommand } from './learnings.js';

/** Recovery commands (appended to the list). */
(COMMANDS as CliCommand[]).push(retryCommand, diffCommand, learningsCommand);
(COMMANDS as CliCommand[]).push(checkCommand, watchCommand, gateCommand);
// The fleet view (also what `flotilla` with no command runs).
(COMMANDS as CliCommand[]).push(uiCommand, demoCommand, orchestratorCommand);
