/**
 * `tsx bench/typosquat.bench.ts`: the cost of the typosquat index and its false-positive rate.
 *
 *   a. loading and indexing the bundled lists (data/popular/), once per process: wall and CPU time
 *   b. checking 5,000-name lock files: a realistic one (the fixture lock's names, listed names, and 10% names
 *      no list knows) and a worst case where no name is known, so each takes the full path: the first (cold,
 *      before the JIT) round and the best of 5, in CPU time
 *   c. the false-positive proxy: every bundled name beyond the imitated targets is a legitimate project;
 *      pretending each is unknown, how many resemble a target (printed with the names)
 *
 * Timings are printed, never asserted. CPU time (process.cpuUsage) rather than wall time, because the
 * machines this runs on are shared.
 */
import { readFileSync } from 'node:fs';
import {
  DEFAULT_TARGETS,
  defaultTyposquatIndex,
  parseGuarddogTopList,
  parseNameList,
} from '../src/deps/typosquat/index.ts';

const data = (file: string): string =>
  readFileSync(new URL(`../data/popular/${file}`, import.meta.url), 'utf8');
const cpuMs = (since: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

// a. load + index
const wall = performance.now();
let cpu = process.cpuUsage();
const index = defaultTyposquatIndex();
console.log(
  `a. load + index ${index.size} names: ${(performance.now() - wall).toFixed(1)} ms wall, ${cpuMs(cpu).toFixed(1)} ms CPU`,
);

// b. 5,000-name locks: a realistic one (the fixture's names, then listed names, 10% names no list knows) and a
//    worst case where every name is unknown and takes the full path.
const top = parseGuarddogTopList(data('pypi-top-guarddog.json'));
const ml = new Set(parseNameList(data('pypi-ml.txt')));
const lockNames = parseNameList(
  readFileSync(new URL('../test/fixtures/deps/rules/ml-app-lock-names.txt', import.meta.url), 'utf8'),
);
const unknown = top.slice(5_000).map((n) => `${n}-internal`);
const realistic = [...lockNames, ...unknown.slice(0, 500), ...top.slice(DEFAULT_TARGETS)].slice(0, 5000);
const worst = unknown.slice(500, 5500);
for (const [label, lock] of [
  ['realistic', realistic],
  ['all unknown', worst],
] as const) {
  const rounds: number[] = [];
  let flagged = 0;
  for (let r = 0; r < 5; r++) {
    cpu = process.cpuUsage();
    flagged = 0;
    for (const name of lock) if (index.check(name) !== undefined) flagged++;
    rounds.push(cpuMs(cpu));
  }
  const best = Math.min(...rounds);
  console.log(
    `b. ${label} lock of ${lock.length} names: first (cold) ${rounds[0]!.toFixed(1)} ms CPU, best ${best.toFixed(1)} ms CPU ` +
      `(${((best * 1000) / lock.length).toFixed(2)} µs/name); ${flagged} flagged`,
  );
}

// c. false-positive proxy
const corpus = top.slice(DEFAULT_TARGETS).filter((n) => !ml.has(n));
const hits = corpus
  .map((n) => [n, index.matches(n)[0]] as const)
  .filter((entry): entry is readonly [string, NonNullable<(typeof entry)[1]>] => entry[1] !== undefined);
console.log(
  `c. legitimate names beyond the targets resembling a target: ${hits.length}/${corpus.length} = ${((100 * hits.length) / corpus.length).toFixed(2)}%`,
);
const byTrick = new Map<string, number>();
for (const [, m] of hits) byTrick.set(m.trick, (byTrick.get(m.trick) ?? 0) + 1);
console.log(`   by trick: ${[...byTrick].map(([t, n]) => `${t} ${n}`).join(', ')}`);
for (const [name, m] of hits) console.log(`   ${name} → ${m.target} (${m.trick}: ${m.detail})`);
