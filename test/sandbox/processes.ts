/** Counting live processes by command line: how the sandbox tests prove a whole tree was killed. */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Live processes whose command line contains `marker` (argv joined by NULs, e.g. `sleep\u0000313`). */
export function processesWith(marker: string): number {
  let count = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(marker)) count++;
    } catch {
      // the process ended while we looked
    }
  }
  return count;
}

/** The count once the kernel has had a moment to reap a killed tree (bounded wait, not a timing check). */
export async function processesLeft(marker: string): Promise<number> {
  for (let i = 0; i < 100 && processesWith(marker) > 0; i++) await sleep(20);
  return processesWith(marker);
}
