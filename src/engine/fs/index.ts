export { appendPrivateLine, ensurePrivateDir, removeStaleTemps, tightenPrivateDir, writeFileAtomic } from './secure-files.js';
export { withFileLock } from './file-lock.js';
