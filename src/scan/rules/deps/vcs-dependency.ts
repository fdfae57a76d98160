import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import type { Severity } from '../../../core/severity.ts';
import type { DepsSubject } from '../../../deps/types.ts';
import { type Rule, report } from '../../rule.ts';
import { entryContext } from './entry-context.ts';

const meta: RuleMeta = {
  id: 'deps/vcs-dependency',
  title: 'A dependency is installed from a version-control repository',
  severity: 'medium',
  tags: ['OWASP-LLM03', 'AML.T0010', 'CWE-829'],
  references: [
    'https://pip.pypa.io/en/stable/topics/vcs-support/',
    'https://docs.astral.sh/uv/concepts/projects/dependencies/#git',
    'https://python-poetry.org/docs/dependency-specification/#git-dependencies',
  ],
  fix: 'Install a released version from an index, or pin the repository to a full commit hash (git+https://host/org/repo@<40-hex commit>) that you have reviewed; a branch or a tag can be moved to other code after the review.',
};

/** What a VCS reference pins: an immutable commit, a tag, a moving branch, or nothing at all. */
export type VcsPin = 'commit' | 'short-commit' | 'tag' | 'branch' | 'revision' | 'none';

export interface VcsReference {
  /** `git`, `hg`, `svn`, `bzr`, or `unknown`. */
  vcs: string;
  /** The reference as written (`main`, `v1.2.0`, a commit), when any. */
  ref?: string;
  pin: VcsPin;
  /** Fetched without TLS (`git://`, `git+http://`). */
  plaintext: boolean;
}

const FULL_COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
const SHORT_COMMIT = /^[0-9a-f]{7,39}$/i;
/** Release-looking refs: `v1.2`, `1.2.3`, `release-2.0`, `v0.4.0rc1`. */
const TAG_LIKE = /^(?:v|release[-_/]?|rel[-_/]?)?\d+(?:\.\d+)*(?:[-.+_]?[0-9a-z]+)*$/i;
/** Branch names that always move. */
const BRANCH_NAMES = new Set([
  'main',
  'master',
  'develop',
  'dev',
  'trunk',
  'head',
  'nightly',
  'next',
  'default',
  'tip',
]);

/**
 * Reads the VCS kind and the reference from the URL forms the parsers keep: pip's `git+https://host/repo@ref`
 * (with `#egg=` or `#subdirectory=` after it), uv's `git+https://host/repo?rev=ref#<resolved commit>`, and
 * Poetry-style `?branch=` / `?tag=` / `?rev=` queries. A resolved commit in the fragment (uv.lock) pins the
 * install whatever the requested ref was. npm's `#ref` fragment is read too.
 */
export function readVcsReference(url: string): VcsReference {
  const scheme = /^([a-z]+)(?:\+([a-z]+))?:\/\//i.exec(url);
  const first = scheme?.[1]?.toLowerCase() ?? '';
  const vcs = ['git', 'hg', 'svn', 'bzr'].includes(first)
    ? first
    : /\.git(?:[@?#]|$)/.test(url) || /github\.com|gitlab\.com|bitbucket\.org/i.test(url)
      ? 'git'
      : 'unknown';
  const transport = (scheme?.[2] ?? first).toLowerCase();
  // `git://` and `svn://` are unauthenticated, unencrypted protocols; `http` is plain HTTP.
  const plaintext = transport === 'http' || transport === 'git' || transport === 'svn';

  const hashAt = url.indexOf('#');
  const fragment = hashAt >= 0 ? url.slice(hashAt + 1) : '';
  const beforeFragment = hashAt >= 0 ? url.slice(0, hashAt) : url;
  const queryAt = beforeFragment.indexOf('?');
  const query = new URLSearchParams(queryAt >= 0 ? beforeFragment.slice(queryAt + 1) : '');
  const base = queryAt >= 0 ? beforeFragment.slice(0, queryAt) : beforeFragment;

  // uv.lock: the fragment is the commit the lock resolved to.
  if (FULL_COMMIT.test(fragment)) return { vcs, ref: fragment, pin: 'commit', plaintext };

  const branch = query.get('branch');
  if (branch) return { vcs, ref: branch, pin: 'branch', plaintext };
  const tag = query.get('tag');
  if (tag) return { vcs, ref: tag, pin: 'tag', plaintext };
  // npm writes the ref in the fragment (`#v1.2.0`, `#semver:^1.2`); pip's fragment holds `egg=` and the like.
  const fragmentRef = fragment !== '' && !fragment.includes('=') ? fragment : undefined;
  const rev = query.get('rev') ?? query.get('ref') ?? refAfterPath(base) ?? fragmentRef;
  if (!rev) return { vcs, pin: 'none', plaintext };
  return { vcs, ref: rev, pin: classifyRef(rev, vcs), plaintext };
}

/** pip's `@ref` after the repository path (not the `user@` of the authority). */
function refAfterPath(base: string): string | undefined {
  const afterScheme = base.replace(/^[a-z+]+:\/\//i, '');
  const slash = afterScheme.indexOf('/');
  if (slash < 0) return undefined;
  const path = afterScheme.slice(slash);
  const at = path.lastIndexOf('@');
  return at >= 0 && at < path.length - 1 ? decodeURIComponent(path.slice(at + 1)) : undefined;
}

function classifyRef(ref: string, vcs: string): VcsPin {
  if (FULL_COMMIT.test(ref)) return 'commit';
  if (ref.startsWith('semver:')) return 'tag';
  if (BRANCH_NAMES.has(ref.toLowerCase())) return 'branch';
  if ((vcs === 'svn' || vcs === 'bzr') && /^\d+$/.test(ref)) return 'revision';
  if (SHORT_COMMIT.test(ref) && /[a-f]/i.test(ref)) return 'short-commit';
  if (TAG_LIKE.test(ref)) return 'tag';
  // Anything else (`feature/x`, `fix-loader`) names a branch or a tag we cannot tell apart: treat as moving.
  return 'branch';
}

/** Low for an immutable commit, high for a branch, no ref, or a plaintext transport; medium otherwise. */
export function vcsSeverity(ref: VcsReference): Severity {
  if (ref.plaintext) return 'high';
  switch (ref.pin) {
    case 'commit':
      return 'low';
    case 'branch':
    case 'none':
      return 'high';
    default:
      return 'medium';
  }
}

const PIN_TEXT: Record<VcsPin, string> = {
  commit: 'pinned to a full commit',
  'short-commit': 'pinned to an abbreviated commit, which a later commit can make ambiguous',
  tag: 'pinned to a tag, which its owner can move',
  branch: 'following a branch: every install takes whatever was pushed last',
  revision: 'pinned to a revision number',
  none: 'with no reference: every install takes the default branch as it is that day',
};

/**
 * One finding per VCS dependency (`git+https://...`, `{ git = ... }`, hg/svn/bzr): the code comes from a
 * repository rather than a published, immutable release. Severity by what the reference pins.
 */
export const vcsDependency: Rule<DepsSubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    for (const dep of subject.manifest.dependencies) {
      if (dep.source !== 'vcs') continue;
      const url = dep.url ?? '';
      const ref = readVcsReference(url);
      findings.push(
        report(meta, entryContext(ctx, dep.file), {
          line: dep.line,
          severity: vcsSeverity(ref),
          message: `${dep.rawName} is installed from ${ref.vcs === 'unknown' ? 'a repository' : `a ${ref.vcs} repository`} ${PIN_TEXT[ref.pin]}${ref.plaintext ? ', over an unencrypted transport' : ''}`,
          evidence: {
            ecosystem: dep.ecosystem,
            package: dep.name,
            url,
            vcs: ref.vcs,
            pin: ref.pin,
            ...(ref.ref === undefined ? {} : { ref: ref.ref }),
            plaintext: ref.plaintext,
          },
        }),
      );
    }
    return findings;
  },
};
