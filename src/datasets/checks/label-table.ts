/**
 * Duplicate inputs with different labels, in bounded memory: an open-addressing table of input hashes (two
 * 32-bit halves), each with its first label, first record and count, in typed arrays that double up to a
 * cap. Past the cap new inputs are no longer tracked (and the result says so); conflicts are kept in a
 * small map with their label counts and a few record indices.
 */
import type { DatasetRecord } from '../types.ts';
import { hash32, key53, SEED_B } from './hashing.ts';
import { excerpt } from './record-finding.ts';

/** Table slots at most (2^21 × 18 bytes: 36 MiB); inputs tracked at most 3/4 of that (1.5 million). */
const MAX_BITS = 21;
const START_BITS = 12;
/** Distinct labels at most: beyond this the column is not a class label. */
const MAX_LABELS = 4096;
const MAX_CONFLICTS = 1000;
const MAX_RECORDS = 10;

export interface LabelConflict {
  input: string;
  labels: Record<string, number>;
  records: number[];
}

interface Conflict {
  input: string;
  labels: Map<number, number>;
  records: number[];
}

const WORD = /[\p{L}\p{N}]+/gu;

/** The input of a classification record: its non-answer texts, lower-cased words only. */
export function normalisedInput(record: DatasetRecord): string {
  const parts: string[] = [];
  for (const t of record.texts) if (t.role !== 'answer') parts.push(t.text);
  return (parts.join(' ').toLowerCase().match(WORD) ?? []).join(' ');
}

export class LabelTable {
  private bits = START_BITS;
  private keysA = new Uint32Array(1 << START_BITS);
  private keysB = new Uint32Array(1 << START_BITS);
  /** Label id + 1 (0 = empty slot). */
  private label = new Uint16Array(1 << START_BITS);
  private first = new Uint32Array(1 << START_BITS);
  private counts = new Uint32Array(1 << START_BITS);
  private used = 0;
  private readonly labelIds = new Map<string, number>();
  private readonly labelNames: string[] = [];
  private readonly conflicts = new Map<number, Conflict>();
  labelled = 0;
  conflictingRecords = 0;
  /** Inputs not tracked because the table was full, or labels past MAX_LABELS. */
  untracked = 0;

  observe(record: DatasetRecord): void {
    if (record.label === undefined) return;
    const input = normalisedInput(record);
    if (input === '') return;
    this.labelled++;
    let id = this.labelIds.get(record.label);
    if (id === undefined) {
      if (this.labelNames.length >= MAX_LABELS) {
        this.untracked++;
        return;
      }
      id = this.labelNames.length;
      this.labelIds.set(record.label, id);
      this.labelNames.push(record.label);
    }
    const a = hash32(input);
    const b = hash32(input, SEED_B);
    const slot = this.find(a, b);
    if (this.label[slot] === 0) {
      if (!this.insertable()) {
        this.untracked++;
        return;
      }
      this.place(this.find(a, b), a, b, id, record.index);
      return;
    }
    this.counts[slot] = (this.counts[slot] ?? 0) + 1;
    const firstLabel = (this.label[slot] ?? 1) - 1;
    const key = key53(a, b);
    let conflict = this.conflicts.get(key);
    if (conflict === undefined) {
      if (firstLabel === id) return;
      if (this.conflicts.size >= MAX_CONFLICTS) {
        this.conflictingRecords++;
        return;
      }
      // Everything before this record carried the first label.
      conflict = {
        input: excerpt(input, 120),
        labels: new Map([[firstLabel, (this.counts[slot] ?? 1) - 1]]),
        records: [this.first[slot] ?? 0],
      };
      this.conflicts.set(key, conflict);
      this.conflictingRecords += (this.counts[slot] ?? 1) - 1;
    }
    this.conflictingRecords++;
    conflict.labels.set(id, (conflict.labels.get(id) ?? 0) + 1);
    if (conflict.records.length < MAX_RECORDS) conflict.records.push(record.index);
  }

  private find(a: number, b: number): number {
    const mask = (1 << this.bits) - 1;
    let i = a & mask;
    while (this.label[i] !== 0 && (this.keysA[i] !== a || this.keysB[i] !== b)) i = (i + 1) & mask;
    return i;
  }

  private place(slot: number, a: number, b: number, id: number, index: number): void {
    this.keysA[slot] = a;
    this.keysB[slot] = b;
    this.label[slot] = id + 1;
    this.first[slot] = index;
    this.counts[slot] = 1;
    this.used++;
  }

  /** Room for one more input: grows the table at 3/4 load until MAX_BITS. */
  private insertable(): boolean {
    if (this.used + 1 <= (3 << this.bits) >> 2) return true;
    if (this.bits >= MAX_BITS) return false;
    const old = { a: this.keysA, b: this.keysB, label: this.label, first: this.first, counts: this.counts };
    this.bits++;
    const size = 1 << this.bits;
    this.keysA = new Uint32Array(size);
    this.keysB = new Uint32Array(size);
    this.label = new Uint16Array(size);
    this.first = new Uint32Array(size);
    this.counts = new Uint32Array(size);
    for (let i = 0; i < old.label.length; i++) {
      if (old.label[i] === 0) continue;
      const slot = this.find(old.a[i] ?? 0, old.b[i] ?? 0);
      this.keysA[slot] = old.a[i] ?? 0;
      this.keysB[slot] = old.b[i] ?? 0;
      this.label[slot] = old.label[i] ?? 0;
      this.first[slot] = old.first[i] ?? 0;
      this.counts[slot] = old.counts[i] ?? 0;
    }
    return true;
  }

  /** Conflicts, the most records first. */
  finish(): LabelConflict[] {
    return [...this.conflicts.values()]
      .map((c) => ({
        input: c.input,
        labels: Object.fromEntries([...c.labels].map(([id, n]) => [this.labelNames[id] ?? String(id), n])),
        records: c.records,
      }))
      .sort((x, y) => total(y.labels) - total(x.labels));
  }

  get distinctInputs(): number {
    return this.used;
  }
}

function total(labels: Record<string, number>): number {
  return Object.values(labels).reduce((a, b) => a + b, 0);
}
