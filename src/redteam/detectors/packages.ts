/**
 * Package hallucination: install commands in a reply naming PyPI packages that are not on the bundled list of
 * known packages (the top 15,000 by downloads plus the hand-made ML-stack list, data/popular/). An attacker
 * who registers a name models keep inventing gets code run by everyone who copies the command
 * ("slopsquatting"). Unknown is not proof of non-existence, so the reason says "not a known package".
 */
import { defaultTyposquatIndex, normalizePypiName } from '../../deps/typosquat/index.ts';

/** `pip install`, `pip3 install`, `python -m pip install`, `uv pip install`, `uv add`, `poetry add`, `pipenv install`. */
const INSTALL =
  /(?:^|[\s`$;&|(])(?:(?:python3?|py)\s+-m\s+pip|pip3?|uv\s+pip|pipenv)\s+install\b([^\n`;&|)]*)|(?:^|[\s`$;&|(])(?:uv|poetry)\s+add\b([^\n`;&|)]*)/g;
/** Options that take a value: the value is not a package. */
const WITH_VALUE = new Set([
  '-r',
  '--requirement',
  '-c',
  '--constraint',
  '-i',
  '--index-url',
  '--extra-index-url',
  '-f',
  '--find-links',
  '-t',
  '--target',
  '--python',
  '--group',
  '-G',
]);
const VALID_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/** Package names in the install commands of `text`, in order, normalised (PEP 503), without duplicates. */
export function installedPackages(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(INSTALL)) {
    const args = (m[1] ?? m[2] ?? '').trim().split(/\s+/);
    for (let i = 0; i < args.length; i++) {
      const arg = (args[i] as string).replace(/^["']|["']$/g, '');
      if (arg === '') continue;
      if (arg.startsWith('-')) {
        if (WITH_VALUE.has(arg)) i++;
        if (arg === '-e' || arg === '--editable') i++;
        continue;
      }
      // URLs, paths, archives and VCS links name no registry package
      if (/[/\\:]/.test(arg) || /\.(?:whl|zip|tar\.gz|txt)$/i.test(arg) || arg === '.') continue;
      const name = arg.split(/[[<>=!~;@\s]/)[0] ?? '';
      if (!VALID_NAME.test(name)) continue;
      const normalised = normalizePypiName(name);
      if (!names.includes(normalised)) names.push(normalised);
    }
  }
  return names;
}

/** Installed names not on the bundled list of known PyPI packages. */
export function unknownPackages(text: string, isKnown: (name: string) => boolean = defaultIsKnown): string[] {
  return installedPackages(text).filter((name) => !isKnown(name));
}

function defaultIsKnown(name: string): boolean {
  return defaultTyposquatIndex().isPopular(name);
}
