import { writeJson } from './json.ts';
import { writeSarif } from './sarif.ts';
import { writeTable } from './table.ts';
import type { Writer } from './types.ts';

export { toJsonSafe } from './json.ts';
export type { Writer, WriterOptions } from './types.ts';
export { DEFAULT_FAIL_ON } from './types.ts';
export { writeJson, writeSarif, writeTable };

/** Every output format by its `--format` name; `satisfies` keeps the literal keys for OutputFormat. */
export const WRITERS = { table: writeTable, json: writeJson, sarif: writeSarif } as const satisfies Record<
  string,
  Writer
>;

/** Name of an output format, e.g. the value of `--format`. */
export type OutputFormat = keyof typeof WRITERS;

/** Narrows user input (a CLI flag) to an OutputFormat. */
export function isOutputFormat(value: string): value is OutputFormat {
  return Object.hasOwn(WRITERS, value);
}
