import type { HandlerContext } from '../context.ts';
import { ARCHIVE_RULES } from '../rules/index.ts';
import type { ArchiveSubject } from '../rules/model/subjects.ts';

/** Reader anomalies that mean "not analysed" (encryption, caps) rather than a trick: they make the scan incomplete. */
const NOT_ANALYSED = new Set(['encrypted', 'encrypted-headers', 'limit', 'too-many-entries']);

/** Runs the archive-structure rules; shared by the zip, tar and 7z handlers. */
export function reportArchive(subject: ArchiveSubject, ctx: HandlerContext): void {
  for (const a of subject.anomalies) {
    if (NOT_ANALYSED.has(a.kind)) memberError(ctx, a.entry ?? '(archive)', a.detail);
  }
  const tricks = { ...subject, anomalies: subject.anomalies.filter((a) => !NOT_ANALYSED.has(a.kind)) };
  const ruleCtx = { location: ctx.location, strict: ctx.strict };
  for (const rule of ARCHIVE_RULES) ctx.result.findings.push(...rule.check(tricks, ruleCtx));
}

/** Records something inside a container that could not be analysed (the scan becomes incomplete). */
export function memberError(ctx: HandlerContext, member: string, error: string): void {
  const where = ctx.location.member === undefined ? member : `${ctx.location.member}!${member}`;
  ctx.result.errors.push({ path: `${ctx.location.path}!${where}`, error });
}
