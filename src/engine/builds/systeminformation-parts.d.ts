// The two parts of systeminformation flotilla uses, loaded on their own: its index loads every one
// of its ~40 modules (about 30 ms at each start) for the two functions asked for here.
declare module 'systeminformation/lib/memory.js' {
  import type { Systeminformation } from 'systeminformation';
  const memory: { mem(): Promise<Systeminformation.MemData> };
  export default memory;
}

declare module 'systeminformation/lib/processes.js' {
  import type { Systeminformation } from 'systeminformation';
  const processes: { processes(): Promise<Systeminformation.ProcessesData> };
  export default processes;
}
