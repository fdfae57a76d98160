/**
 * conda `environment.yml`. Its `dependencies` list mixes conda packages (`numpy=1.26`, `pytorch::pytorch`,
 * `python>=3.11`) with one `pip:` sub-list of requirements-file lines. Conda packages come from conda
 * channels, not PyPI, and Parapet's advisory data has no conda ecosystem, so they are not reported as
 * dependencies, and channels are not reported as indexes (they are not where pip installs from). The `pip:`
 * entries are read exactly like requirements-file lines, options (`-r`, `--extra-index-url`, `-e`) included,
 * each with its own line.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Manifest } from '../types.ts';
import { addProblem, firstLine } from './common.ts';
import { type ParseManifestOptions, RequirementsReader } from './requirements.ts';

/** Parses environment.yml text into `manifest`. */
export function parseCondaEnvironment(manifest: Manifest, text: string, options: ParseManifestOptions): void {
  const lineCounter = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text.startsWith('\uFEFF') ? text.slice(1) : text, {
      lineCounter,
      prettyErrors: false,
      uniqueKeys: false,
    });
  } catch (err) {
    addProblem(manifest, `not valid YAML: ${err instanceof Error ? firstLine(err.message) : String(err)}`);
    return;
  }
  const lineOf = (offset: number | undefined): number | undefined =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;
  const error = doc.errors[0];
  if (error) {
    addProblem(manifest, `not valid YAML: ${firstLine(error.message)}`, lineOf(error.pos[0]));
    return;
  }
  const root = doc.contents;
  if (root === null) return;
  if (!isMap(root)) {
    addProblem(manifest, 'not a conda environment: the top level is not a mapping');
    return;
  }
  const deps = root.get('dependencies', true);
  if (deps === undefined || deps === null) return;
  if (!isSeq(deps)) {
    addProblem(
      manifest,
      '"dependencies" is not a list',
      lineOf(isScalar(deps) ? deps.range?.[0] : undefined),
    );
    return;
  }
  const entries: { text: string; line: number | undefined }[] = [];
  for (const item of deps.items) {
    if (!isMap(item)) continue; // a conda package spec (or something conda itself would reject)
    const pip = item.get('pip', true);
    if (pip === undefined) continue;
    if (!isSeq(pip)) {
      addProblem(manifest, '"pip" is not a list', lineOf(item.range?.[0]));
      continue;
    }
    for (const entry of pip.items) {
      const line = lineOf((entry as { range?: [number, number, number] }).range?.[0]);
      if (!isScalar(entry) || (typeof entry.value !== 'string' && typeof entry.value !== 'number')) {
        addProblem(manifest, 'a pip entry is not a requirement string', line);
        continue;
      }
      entries.push({ text: String(entry.value), line });
    }
  }
  const reader = new RequirementsReader(manifest, options, true);
  reader.readEntries(entries);
  reader.finish();
}
