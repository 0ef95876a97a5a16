import { TaskNotFoundError } from './errors.js';
import type { RegistryData, Task } from './task-schema.js';

/** The task with this id; a TaskNotFoundError (usage error) when the registry has none. */
export function requireTask(data: RegistryData, id: string): Task {
  const task = data.tasks.find((t) => t.id === id);
  if (!task) throw new TaskNotFoundError(id);
  return task;
}
