/**
 * Keyless (Sigstore) bundles, verified fully offline with sigstore-js: the Fulcio certificate chains to the
 * trusted root's CA, the signed certificate timestamp and the Rekor entry (inclusion proof or promise, and
 * the entry's body matching this envelope) check out against the root's logs, the signature was made while
 * the short-lived certificate was valid (by Rekor's integrated time or an RFC 3161 timestamp), the DSSE
 * signature verifies, and the certificate names the expected identity and OIDC issuer. The trusted root is
 * the copy in data/sigstore/ unless the caller gives another (a private Sigstore, or a refreshed root).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { type TrustMaterial, toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { describeError, ParapetError } from '../../core/errors.ts';

/** Who must have signed: the certificate's SAN (e-mail or URI) and the OIDC issuer that vouched for it. */
export interface SigstoreIdentity {
  identity: string;
  issuer: string;
}

/** What keyless verification established, or why it failed. */
export type SigstoreCheck = { ok: true; identity: string; issuer: string } | { ok: false; reason: string };

const DEFAULT_TRUSTED_ROOT = new URL('../../../data/sigstore/trusted_root.json', import.meta.url);

/** Trusted roots are a few kilobytes; a bigger file is not one. */
const MAX_TRUSTED_ROOT_BYTES = 4 << 20;

const trustCache = new Map<string, TrustMaterial>();

/** The path of the trusted root shipped with Parapet (the Sigstore public-good instance). */
export function defaultTrustedRootPath(): string {
  return fileURLToPath(DEFAULT_TRUSTED_ROOT);
}

/**
 * Verifies a keyless bundle (the parsed JSON) offline against `policy`. Requires at least one Rekor entry,
 * one CT log SCT and one timestamp, as sigstore-python's verifier does for the public-good instance.
 */
export function verifySigstoreBundle(
  bundleJson: unknown,
  policy: SigstoreIdentity,
  trustedRootPath: string = defaultTrustedRootPath(),
): SigstoreCheck {
  const trust = trustMaterial(trustedRootPath);
  let bundle: ReturnType<typeof bundleFromJSON>;
  try {
    bundle = bundleFromJSON(bundleJson);
  } catch (err) {
    return { ok: false, reason: `not a valid Sigstore bundle: ${describeError(err)}` };
  }
  const verifier = new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 });
  try {
    const signer = verifier.verify(toSignedEntity(bundle), {
      subjectAlternativeName: policy.identity,
      extensions: { issuer: policy.issuer },
    });
    return {
      ok: true,
      identity: signer.identity?.subjectAlternativeName ?? policy.identity,
      issuer: signer.identity?.extensions?.issuer ?? policy.issuer,
    };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'UNTRUSTED_SIGNER_ERROR')
      return {
        ok: false,
        reason: `signed by someone else: ${describeError(err)} (expected ${policy.identity} from ${policy.issuer})`,
      };
    return { ok: false, reason: `Sigstore verification failed: ${describeError(err)}` };
  }
}

/** Loads and converts a trusted root once per path; a broken one is a USAGE error (the user chose it). */
function trustMaterial(path: string): TrustMaterial {
  const cached = trustCache.get(path);
  if (cached !== undefined) return cached;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ParapetError(
      code === 'ENOENT' ? 'NOT_FOUND' : 'UNREADABLE',
      `trusted root ${path}: ${describeError(err)}`,
    );
  }
  if (text.length > MAX_TRUSTED_ROOT_BYTES)
    throw new ParapetError('USAGE', `trusted root ${path} is too big to be one`);
  let material: TrustMaterial;
  try {
    material = toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(text)));
  } catch (err) {
    throw new ParapetError(
      'USAGE',
      `trusted root ${path} is not a Sigstore trusted root: ${describeError(err)}`,
    );
  }
  trustCache.set(path, material);
  return material;
}
