export { classifySshError, controlDir, controlPath, remoteLine, shellQuote, sshArgv, sshTransport, type SshFailure, type SshHost } from './ssh.js';
export { parseProbe, probeScript, PROBE_HEADER, ProbeParseError, type HostProbe, type ProbeRequest, type ProbeSession, type ProbeWorktree } from './probe.js';
export { hostRefusal, placeTask, type HostSituation, type Placement, type PlacementRequest } from './place.js';
export { probeHost, probeHosts, type HostFault, type ProbeOutcome, type ProbeTarget } from './probe-hosts.js';
export { agentPrograms, attemptHost, BASE_PROGRAMS, hostLoad, hostsReport, LOCAL_HOST, type HostRow, type HostsReportInput } from './report.js';
export { hostFindings, type HostCheckInput, type HostFinding } from './check.js';
export { hostReasons, nextHostHealth, refuseRemovedHosts, UNREACHABLE_PREFIX, removedHostsInUse, removedHostsMessage, tasksOnHost, unreachableNote, type HostEvent, type HostHealth } from './health.js';
export { healthFile, hostEventMessage, probeHostsForPass, readHostsHealth, recordHostsHealth, runHostsPass, type HostsPassResult } from './hosts-pass.js';
export { closeMaster, createHosts, hostTmuxSocket, repoKey, type HostsOptions } from './remote-host.js';
