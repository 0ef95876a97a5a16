export { classifySshError, controlDir, controlPath, remoteLine, shellQuote, sshArgv, sshTransport, type SshFailure, type SshHost } from './ssh.js';
export { closeMaster, createHosts, repoKey, type HostsOptions } from './remote-host.js';
