import type { FlotillaConfig } from '../core/index.js';
import type { RegistryData } from '../core/index.js';
import type { HumanItem } from '../core/index.js';

/**
 * What needs the human now: ready tasks, escalated ones, agents waiting for input, failures that
 * recovery will not retry on its own (no failure class, a class not in recovery.auto, or the
 * attempt cap reached), and forges that cannot be reached.
 */
export function needsHuman(data: RegistryData, config: FlotillaConfig, degraded: ReadonlyMap<string, string> = new Map()): HumanItem[] {
  const items: HumanItem[] = [];
  for (const task of data.tasks) {
    const last = task.attempts.at(-1);
    if (task.state === 'ready' && task.pr?.state !== 'merged') {
      items.push({ taskId: task.id, why: 'ready', message: task.pr ? `PR #${task.pr.number} ready for review${task.pr.url ? ` ${task.pr.url}` : ''}` : 'ready' });
    } else if (task.state === 'escalated') {
      items.push({ taskId: task.id, why: 'escalated', message: task.reason ?? 'escalated' });
    } else if (task.state === 'running' && last?.session?.state === 'waiting') {
      items.push({ taskId: task.id, why: 'needs-input', message: 'the agent is waiting for input' });
    } else if (task.state === 'failed' && last?.failure?.class === 'environment') {
      items.push({ taskId: task.id, why: 'environment', message: `${last.failure.evidence.split('\n')[0]}; fix it, then flotilla retry ${task.id}` });
    } else if (task.state === 'paused' && !config.recovery.pause.autoResume) {
      items.push({ taskId: task.id, why: 'paused', message: `${task.reason ?? 'paused'}; auto-resume is off: flotilla retry ${task.id} resumes it` });
    } else if (task.state === 'failed') {
      const failure = last?.failure;
      const retryable = failure && config.recovery.auto.includes(failure.class) && task.attempts.length < config.recovery.maxAttempts;
      if (!retryable) items.push({ taskId: task.id, why: 'failed', message: task.reason ?? failure?.evidence.split('\n')[0] ?? 'failed' });
    }
    const problem = degraded.get(task.id);
    if (problem) items.push({ taskId: task.id, why: 'degraded', message: problem });
  }
  return items;
}
