/**
 * Waits for `promise`, or `ms` at most, whichever is first. The timer is cleared when the promise
 * settles first, so a finished wait never keeps a one-shot command's process alive for the rest of it.
 */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise.then(() => undefined, () => undefined), new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
