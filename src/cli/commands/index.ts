import type { CliCommand } from '../io.js';
import { addCommand } from './add.js';
import { attachCommand } from './attach.js';
import { captureCommand } from './capture.js';
import { checkCommand } from './check.js';
import { costCommand } from './cost.js';
import { diffCommand } from './diff.js';
import { gateCommand } from './gate.js';
import { initCommand } from './init.js';
import { learningsCommand } from './learnings.js';
import { memoryCommand } from './memory.js';
import { promptCommand } from './prompt.js';
import { retryCommand } from './retry.js';
import { reviewCommand } from './review.js';
import { rmCommand } from './rm.js';
import { sendCommand } from './send.js';
import { startCommand } from './start.js';
import { statusCommand } from './status.js';
import { stopCommand } from './stop.js';
import { watchCommand } from './watch.js';

/** Every CLI command, in the order `flotilla --help` lists them. */
export const COMMANDS: readonly CliCommand[] = [
  // Tasks
  initCommand,
  addCommand,
  statusCommand,
  // Agent sessions
  startCommand,
  stopCommand,
  attachCommand,
  sendCommand,
  captureCommand,
  promptCommand,
  // Monitoring and gates
  checkCommand,
  watchCommand,
  gateCommand,
  // Recovery and review
  retryCommand,
  diffCommand,
  reviewCommand,
  learningsCommand,
  // Cost and memory
  costCommand,
  memoryCommand,
  // Cleanup
  rmCommand,
];
