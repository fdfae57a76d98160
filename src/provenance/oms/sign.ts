/**
 * Signing a model the way the reference's key and certificate signers do: hash it (hash.ts) into the
 * manifest, serialise the in-toto statement (statement.ts), sign its DSSE PAE with an ECDSA key, and wrap
 * the envelope in a v0.3 Sigstore bundle with either the key's hint or the certificate chain. The
 * signature file is always left out of what is signed when it lies inside the model.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { describeError, ParapetError } from '../../core/errors.ts';
import { type OmsBundle, serializeBundle } from './bundle.ts';
import { type HashModelOptions, hashModel } from './hash.ts';
import { prepareSigner, type SigningMaterial } from './sign-statement.ts';
import { statementBytes } from './statement.ts';
import type { HashOptions, ModelManifest } from './types.ts';

/** How to sign a model: the material, hashing parameters, and where the bundle goes. */
export interface SignOptions
  extends SigningMaterial,
    Pick<
      HashOptions,
      'hashAlgorithm' | 'shardSize' | 'ignorePaths' | 'allowSymlinks' | 'onProgress' | 'workers'
    > {
  /** Where to write the bundle; unset → not written, only returned. */
  output?: string;
}

/** What signing produced. */
export interface SignResult {
  manifest: ModelManifest;
  /** The in-toto statement bytes that were signed (the DSSE payload). */
  statement: Uint8Array;
  bundle: OmsBundle;
  /** The bundle as written (compact JSON). */
  json: string;
  method: 'key' | 'certificate';
  /** Absolute path of the written bundle, when `output` was given. */
  output?: string;
}

/**
 * Hashes and signs the model at `modelPath` (a directory or a single file). The key and certificates are
 * checked before hashing starts, so a wrong key costs nothing. Throws ParapetError (USAGE for bad key
 * material, NOT_FOUND, UNREADABLE, LIMIT from hashing or writing).
 */
export async function signModel(modelPath: string, options: SignOptions): Promise<SignResult> {
  const signer = prepareSigner(options);
  const root = resolve(modelPath);
  const output = options.output === undefined ? undefined : resolve(options.output);
  const hashOptions: HashModelOptions = { ignorePaths: [...(options.ignorePaths ?? [])] };
  // The reference records the signature file among the ignored paths when it lies inside the model:
  // leaving it out of the manifest is what lets the bundle sit inside the model it signs.
  if (output !== undefined) hashOptions.signaturePath = output;
  if (options.hashAlgorithm !== undefined) hashOptions.hashAlgorithm = options.hashAlgorithm;
  if (options.shardSize !== undefined) hashOptions.shardSize = options.shardSize;
  if (options.allowSymlinks !== undefined) hashOptions.allowSymlinks = options.allowSymlinks;
  if (options.onProgress !== undefined) hashOptions.onProgress = options.onProgress;
  if (options.workers !== undefined) hashOptions.workers = options.workers;
  const manifest = await hashModel(root, hashOptions);
  if (manifest.resources.length === 0)
    throw new ParapetError('USAGE', `nothing to sign: ${modelPath} holds no files (after the ignored paths)`);
  const statement = statementBytes(manifest);
  const bundle = signer(statement);
  const json = serializeBundle(bundle);
  const result: SignResult = {
    manifest,
    statement,
    bundle,
    json,
    method: options.certificateChain ? 'certificate' : 'key',
  };
  if (output !== undefined) {
    writeAtomically(output, json);
    result.output = output;
  }
  return result;
}

/** Write-then-rename, so an interrupted run never leaves half a bundle where a good one was. */
function writeAtomically(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    throw new ParapetError(
      code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' ? 'USAGE' : 'UNREADABLE',
      `cannot write the signature to ${path}: ${describeError(err)}`,
    );
  }
}
