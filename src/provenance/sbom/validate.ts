/**
 * Validation of a BOM before anyone sees it: the CycloneDX JSON schema of its version (the strict schemas
 * @cyclonedx/cyclonedx-library ships, through ajv, offline), then what a schema cannot say — every `bom-ref`
 * unique, every reference pointing at one.
 */
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import type { SbomSpecVersion } from './types.ts';

const VERSIONS = { '1.6': Spec.Version.v1dot6, '1.7': Spec.Version.v1dot7 } as const;

/** Compiling a schema takes a few hundred ms; one validator per version serves every BOM of the process. */
const validators = new Map<SbomSpecVersion, InstanceType<typeof Validation.JsonStrictValidator>>();

/** Problems with `bom` (empty when valid). Rejects only if the validator itself cannot run. */
export async function validateBom(
  bom: Record<string, unknown>,
  specVersion: SbomSpecVersion,
): Promise<string[]> {
  let validator = validators.get(specVersion);
  if (validator === undefined) {
    validator = new Validation.JsonStrictValidator(VERSIONS[specVersion]);
    validators.set(specVersion, validator);
  }
  const problems: string[] = [];
  const result = await validator.validate(JSON.stringify(bom));
  if (result !== null) {
    const errors = Array.isArray(result) ? result : [result];
    for (const e of errors.slice(0, 20)) {
      const err = e as { instancePath?: string; message?: string };
      problems.push(`schema: ${err.instancePath || '/'} ${err.message ?? JSON.stringify(e)}`);
    }
  }
  problems.push(...referenceProblems(bom));
  return problems;
}

/** Duplicate bom-refs and references (dependencies, modelCard datasets) to no bom-ref. */
export function referenceProblems(bom: Record<string, unknown>): string[] {
  const refs = new Map<string, number>();
  const uses: string[] = [];
  const visit = (node: unknown, key: string | undefined): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, key);
      return;
    }
    if (typeof node !== 'object' || node === null) {
      // `ref` in a dependency or a dataset reference; `dependsOn` lists refs.
      if (typeof node === 'string' && (key === 'ref' || key === 'dependsOn')) uses.push(node);
      return;
    }
    for (const [k, v] of Object.entries(node)) {
      if (k === 'bom-ref' && typeof v === 'string') refs.set(v, (refs.get(v) ?? 0) + 1);
      else visit(v, k);
    }
  };
  visit(bom, undefined);
  const problems: string[] = [];
  for (const [ref, n] of refs) if (n > 1) problems.push(`bom-ref ${JSON.stringify(ref)} is used ${n} times`);
  for (const ref of new Set(uses))
    if (!refs.has(ref)) problems.push(`reference to unknown bom-ref ${JSON.stringify(ref)}`);
  return problems;
}
