// The leaf every capability shares: context, stores, events, errors, ids, paths and the shared
// record types (task, config) and contracts (runner, git, registry, sessions, admission).
// It imports no other engine folder.
export * from './admission-types.js';
export * from './attempt-files.js';
export * from './config-schema.js';
export * from './context.js';
export * from './errors.js';
export * from './event-bus.js';
export * from './events.js';
export * from './host-types.js';
export * from './ids.js';
export * from './monitor-types.js';
export * from './notifier.js';
export * from './package-root.js';
export * from './ports.js';
export * from './repo.js';
export * from './require-task.js';
export * from './runner.js';
export * from './session-types.js';
export * from './store.js';
export * from './task-records.js';
export * from './task-schema.js';
export * from './own-key.js';
export * from './safe-text.js';
export * from './screenshots.js';
export * from './no-follow.js';
