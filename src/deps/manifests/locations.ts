/**
 * Dependencies named by a location instead of (or as well as) a version: `pkg @ https://...`, bare wheel
 * URLs, `git+https://...#egg=name`, `-e ./path`. Also the credential redaction applied to every URL a
 * manifest reports, because index URLs routinely carry tokens (`https://__token__:pypi-...@host/simple`).
 */
import { normalizePypiName } from '../pep503.ts';
import type { Dependency } from '../types.ts';
import { classifyLocation, setOptional } from './common.ts';
import { isValidName } from './pep508.ts';

/**
 * `url` with any password or token in its user-info replaced by `***`. A bare ssh user (`git@github.com`)
 * and environment-variable references (`${TOKEN}`) are not secrets and are kept as written.
 */
export function redactUrl(url: string): string {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd < 0) return url;
  const authorityStart = schemeEnd + 3;
  let authorityEnd = url.length;
  for (const stop of ['/', '?', '#']) {
    const at = url.indexOf(stop, authorityStart);
    if (at >= 0 && at < authorityEnd) authorityEnd = at;
  }
  const at = url.lastIndexOf('@', authorityEnd - 1);
  if (at < authorityStart) return url;
  const userinfo = url.slice(authorityStart, at);
  if (/^(\$\{[A-Za-z0-9_]+\}(:\$\{[A-Za-z0-9_]+\})?)$/.test(userinfo)) return url;
  const scheme = url.slice(0, schemeEnd).toLowerCase();
  if (scheme.endsWith('ssh') && !userinfo.includes(':')) return url;
  return `${url.slice(0, authorityStart)}***${url.slice(at)}`;
}

/** The `egg=` (or `name=`) parameter of a URL fragment, without any `[extras]`. */
function eggName(location: string): string | undefined {
  const hash = location.indexOf('#');
  if (hash < 0) return undefined;
  for (const param of location.slice(hash + 1).split('&')) {
    if (param.startsWith('egg=')) {
      const value = param.slice(4);
      const bracket = value.indexOf('[');
      const name = bracket < 0 ? value : value.slice(0, bracket);
      // `egg=name-1.0` (legacy) names the project `name-1.0`; pip takes it whole, so do we.
      return isValidName(name) ? name : undefined;
    }
  }
  return undefined;
}

/** Name and version from a wheel file name (`torch-2.5.1+cu124-cp311-cp311-linux_x86_64.whl`). */
export function wheelNameVersion(location: string): { name: string; version: string } | undefined {
  let end = location.length;
  for (const stop of ['?', '#']) {
    const at = location.indexOf(stop);
    if (at >= 0 && at < end) end = at;
  }
  const path = location.slice(0, end);
  if (!path.toLowerCase().endsWith('.whl')) return undefined;
  const file = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const parts = decodeURIComponentSafe(file).split('-');
  if (parts.length < 5 || !isValidName(parts[0]!)) return undefined;
  return { name: parts[0]!, version: parts[1]! };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** What a location dependency is built from. */
export interface LocationSpec {
  location: string;
  /** A name the manifest gives (`name @ url`, a TOML key), preferred over one derived from the location. */
  rawName?: string | undefined;
  extras?: string[] | undefined;
  markers?: string | undefined;
  hashes?: string[] | undefined;
  direct: boolean;
  dev?: boolean | undefined;
  line?: number | undefined;
  file?: string | undefined;
  version?: string | undefined;
  specifier?: string | undefined;
  index?: string | undefined;
}

/**
 * A PyPI dependency fetched from a location. The name comes from the manifest, else `#egg=`, else a wheel
 * file name; a location that names no project (`-e .`, a plain sdist URL) keeps the location as its name,
 * so it is still reported rather than dropped.
 */
export function locationDependency(spec: LocationSpec): Dependency {
  const location = spec.location.trim();
  const wheel = wheelNameVersion(location);
  const rawName = spec.rawName ?? eggName(location) ?? wheel?.name ?? location;
  const named = rawName !== location;
  const dep: Dependency = {
    ecosystem: 'PyPI',
    name: named ? normalizePypiName(rawName) : redactUrl(location),
    rawName: named ? rawName : redactUrl(location),
    source: classifyLocation(location),
    hashes: spec.hashes ?? [],
    direct: spec.direct,
  };
  const wheelVersion = wheel && normalizePypiName(wheel.name) === dep.name ? wheel.version : undefined;
  return setOptional(dep, {
    version: spec.version ?? wheelVersion,
    specifier: spec.specifier,
    url: redactUrl(location),
    dev: spec.dev,
    markers: spec.markers,
    extras: spec.extras,
    index: spec.index,
    line: spec.line,
    file: spec.file,
  });
}
