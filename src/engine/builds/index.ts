export type { Admission, AdmissionJobView, JobRequest, ResourcesSnapshot, Ticket } from '../core/index.js';
export { AdmissionAbortedError, AdmissionQueue, IDLE_NO_SLOT, type AdmissionQueueOptions } from './admission-queue.js';
export {
  decideAdmission,
  formatGB,
  freeAboveReserveMB,
  slotClass,
  type AdmissionDecision,
  type AdmissionInput,
  type AdmissionLimits,
  type MemoryReading,
  type RunningJob,
} from './decide.js';
export { admissionLimits, recommendAgents, resolveReserveMB, type Recommendation } from './limits.js';
export { cachedReader, createSystemMemoryReader, readSwapInPages, type MemoryReader } from './memory-reader.js';
export { PeakStore, RECENT_RUNS } from './peaks.js';
export { defaultProcessLister, listProcProcesses, parseProcStat, treeRssMB, type ProcEntry } from './process-tree.js';
export { QueueFile, type QueueData, type QueueEntry } from './queue-file.js';
export { runJob, type RunJobOptions, type RunJobResult } from './run-job.js';
export { FINISHED_STATES, finishedAgentsToClose, idleAgentTasks, queuedInOrder } from './idle-slots.js';
export { createHostBuildQueue, HOST_MEMORY_SCRIPT, hostLimits, hostMemoryReader, parseHostMemory, UNKNOWN_MEMORY, type HostBuildQueueOptions, type HostMemory } from './host-builds.js';
