import type { CliIO } from './io.ts';

/**
 * A one-line progress bar over bytes (hashing, verifying, reading a large data set), on stderr and only on a
 * terminal (never in pipes or machine output). Redrawn when the whole percentage changes, so fast work does
 * not flood the terminal.
 */
export function byteProgress(
  io: CliIO,
  label: string,
): { update: (done: number, total: number) => void; done: () => void } | undefined {
  if (!io.stderrIsTTY) return undefined;
  let shown = -1;
  const width = 30;
  return {
    update(done, total) {
      const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
      if (pct === shown) return;
      shown = pct;
      const filled = Math.round((pct / 100) * width);
      io.stderr(
        `\r\x1b[K${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}%  ${bytes(done)} / ${bytes(total)}`,
      );
    },
    done() {
      if (shown >= 0) io.stderr('\r\x1b[K');
    },
  };
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
