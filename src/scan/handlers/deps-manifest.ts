/**
 * Dependency manifests and lock files (requirements*.txt, pyproject.toml, poetry.lock, uv.lock, Pipfile.lock,
 * pdm.lock, environment.yml, package-lock.json), recognised by name: parsed into one Manifest shape, then
 * judged by the deps/* rules against the scan's advisory index (and OSV, with --online).
 */
import { describeError } from '../../core/errors.ts';
import type { Finding } from '../../core/finding.ts';
import { MAX_MANIFEST_BYTES, manifestKindOf, parseManifest } from '../../deps/manifests/index.ts';
import type { Advisory, DepsSubject, Manifest } from '../../deps/types.ts';
import type { ByteSource } from '../../formats/byte-source.ts';
import type { HandlerContext, NestedOutcome } from '../context.ts';
import type { FormatHandler } from '../format-handler.ts';
import { DEPS_RULES } from '../rules/index.ts';

export const depsManifestFormat: FormatHandler = {
  id: 'deps-manifest',
  // The base name decides, except that any .txt/.in inside a `requirements/` directory is one too: the engine
  // gives detect only the base name, so those are confirmed in handle from the full path.
  detect: (_src, name) => manifestKindOf(name) !== undefined || /\.(txt|in)$/i.test(name),
  handle: handleManifest,
};

async function handleManifest(src: ByteSource, ctx: HandlerContext): Promise<NestedOutcome> {
  const where =
    ctx.location.member === undefined ? ctx.location.path : `${ctx.location.path}!${ctx.location.member}`;
  const kind = manifestKindOf(where.slice(where.lastIndexOf('!') + 1));
  if (kind === undefined) return 'not-a-model-format';
  if (src.size > MAX_MANIFEST_BYTES) {
    ctx.result.errors.push({
      path: where,
      error: `${kind} file is ${src.size} bytes, over the ${MAX_MANIFEST_BYTES}-byte cap`,
    });
    return 'analysed';
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(src.readAt(0, src.size));
  // Includes are followed only for files on disk (never from inside an archive, whose siblings are not files).
  const onDisk = ctx.location.member === undefined;
  const manifest = parseManifest(
    kind,
    where,
    text,
    onDisk && ctx.services.readInclude !== undefined ? { readInclude: ctx.services.readInclude } : {},
  );
  const subject: DepsSubject = { manifest };
  const advisories = ctx.services.advisories();
  if (advisories instanceof Error) {
    ctx.result.errors.push({
      path: where,
      error: `advisory index could not be loaded, so known vulnerabilities were not checked: ${advisories.message}`,
    });
  } else subject.advisories = advisories;
  if (ctx.services.queryOnline !== undefined) {
    const online = await queryOnline(manifest, ctx);
    if (online !== undefined) subject.online = online;
  }
  const ruleCtx = { location: ctx.location, strict: ctx.strict };
  const findings: Finding[] = [];
  for (const rule of DEPS_RULES) findings.push(...rule.check(subject, ruleCtx));
  pushOnce(ctx, findings);
  return 'analysed';
}

/** OSV's answers for the manifest's pinned dependencies; a failed query is a scan error, never "none found". */
async function queryOnline(
  manifest: Manifest,
  ctx: HandlerContext,
): Promise<ReadonlyMap<string, Advisory[]> | undefined> {
  const deps = manifest.dependencies.flatMap((d) =>
    d.version === undefined ? [] : [{ ecosystem: d.ecosystem, name: d.name, version: d.version }],
  );
  if (deps.length === 0) return new Map();
  try {
    return await ctx.services.queryOnline?.(deps);
  } catch (err) {
    ctx.result.errors.push({
      path: ctx.location.path,
      error: `OSV query failed, so online advisories were not checked: ${describeError(err)}`,
    });
    return undefined;
  }
}

/** Appends findings not already reported by this scan (an included file is also scanned on its own). */
function pushOnce(ctx: HandlerContext, findings: readonly Finding[]): void {
  for (const f of findings) {
    const key = `${f.ruleId}\u0000${f.location.path}\u0000${f.location.member ?? ''}\u0000${f.location.line ?? ''}\u0000${f.message}`;
    if (ctx.services.reported.has(key)) continue;
    ctx.services.reported.add(key);
    ctx.result.findings.push(f);
  }
}
