export { appendPrivateLine, ensurePrivateDir, writeFileAtomic } from './secure-files.js';
export { withFileLock } from './file-lock.js';
