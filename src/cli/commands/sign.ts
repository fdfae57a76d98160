import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ParapetError } from '../../core/errors.ts';
import { readKeyFile } from '../../provenance/oms/keys.ts';
import { type SignOptions, signModel } from '../../provenance/oms/sign.ts';
import type { HashAlgorithm } from '../../provenance/oms/types.ts';
import { byteProgress } from '../byte-progress.ts';
import { type CliIO, EXIT } from '../io.ts';

const FORMATS = ['table', 'json'] as const;
const HASHES: readonly HashAlgorithm[] = ['sha256', 'blake2b', 'blake3'];

interface SignFlags {
  key: string;
  certChain?: string[];
  hash: HashAlgorithm;
  shardSize?: number;
  ignorePaths?: string[];
  allowSymlinks: boolean;
  output: string;
  passphraseEnv?: string;
  format: (typeof FORMATS)[number];
}

/** Environment the command reads: only the variable --passphrase-env names. */
type Env = Readonly<Record<string, string | undefined>>;

const HELP_AFTER = `
What it does:
  Hashes every file of the model (or every shard of --shard-size bytes), builds the OpenSSF Model Signing
  (OMS) manifest, signs it with your ECDSA key and writes a Sigstore bundle: the format sigstore's
  model_signing writes and verifies, so either tool verifies what the other signed. The signature file is
  never part of what it signs, nor are .git, .gitattributes, .github and .gitignore at the model's top
  level; the ignored paths are recorded in the signature, so \`parapet verify\` applies them by itself.

Keys:
  An EC private key in PEM, on P-256, P-384 or P-521 (signed with SHA-256, -384, -512). To make one:
    openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out signing-key.pem
    openssl ec -in signing-key.pem -pubout -out signing-key.pub.pem      (give this one to verifiers)
  With --cert-chain the bundle carries your certificate and its chain instead of a key hint: the first
  certificate must be the key's (the signing certificate), then the intermediates; verifiers bring the
  root. Encrypted keys: put the passphrase in an environment variable and name it with --passphrase-env.

Examples:
  parapet sign ./llama-3-8b --key signing-key.pem
  parapet sign ./llama-3-8b --key signing-key.pem --output llama.sig --hash blake2b
  parapet sign ./llama-3-8b --key leaf.key --cert-chain leaf.pem intermediate.pem
  parapet sign model.safetensors --key signing-key.pem --shard-size 1000000000
  parapet sign ./model --key k.pem --ignore-paths model/cache --ignore-paths model/logs
  (Put MODEL_PATH before --cert-chain or --ignore-paths: those take every value up to the next option.)

Exit codes: 0 signed, 2 usage error (bad flags, missing model or key, a key that cannot sign, a symbolic
            link without --allow-symlinks, an output directory that does not exist),
            3 could not complete (unreadable file, a link loop or a limit while hashing).
`;

/** `parapet sign`: sign a model into an OMS (Sigstore bundle) signature. */
export function signCommand(io: CliIO, setExit: (code: number) => void, env: Env = process.env): Command {
  return new Command('sign')
    .description('Sign a model directory or file with an ECDSA key (OpenSSF Model Signing bundle).')
    .argument('<model>', 'the model directory, or a single model file')
    .requiredOption('--key <file>', 'EC private key (PEM), P-256, P-384 or P-521')
    .option(
      '--cert-chain <files...>',
      'certificate method: the signing certificate, then its intermediates (PEM)',
    )
    .addOption(new Option('--hash <algorithm>', 'hash for files or shards').choices(HASHES).default('sha256'))
    .option(
      '--shard-size <bytes>',
      'hash files in shards of this many bytes (default: whole files)',
      positiveInt,
    )
    .option(
      '--ignore-paths <paths...>',
      'files or directories to leave out (relative to the current directory)',
    )
    .option('--allow-symlinks', 'follow symbolic links (their targets are hashed under the link name)', false)
    .option('-o, --output <file>', 'where to write the signature', 'model.sig')
    .option('--passphrase-env <name>', 'environment variable holding the key passphrase')
    .addOption(new Option('-f, --format <format>', 'summary format').choices(FORMATS).default('table'))
    .addHelpText('after', HELP_AFTER)
    .action(async (model: string, flags: SignFlags) => {
      setExit(await runSign(model, flags, io, env));
    });
}

async function runSign(model: string, flags: SignFlags, io: CliIO, env: Env): Promise<number> {
  const options: SignOptions = {
    key: readKeyFile(resolve(io.cwd, flags.key), 'private key'),
    hashAlgorithm: flags.hash,
    allowSymlinks: flags.allowSymlinks,
    output: resolve(io.cwd, flags.output),
  };
  if (flags.passphraseEnv !== undefined) {
    const passphrase = env[flags.passphraseEnv];
    if (passphrase === undefined)
      throw new ParapetError(
        'USAGE',
        `--passphrase-env: environment variable ${flags.passphraseEnv} is not set`,
      );
    options.passphrase = passphrase;
  }
  if (flags.certChain !== undefined)
    options.certificateChain = flags.certChain.map((f) =>
      readKeyFile(resolve(io.cwd, f), 'certificate file'),
    );
  if (flags.shardSize !== undefined) options.shardSize = flags.shardSize;
  if (flags.ignorePaths !== undefined) options.ignorePaths = flags.ignorePaths.map((p) => resolve(io.cwd, p));
  const progress = byteProgress(io, 'hashing');
  if (progress !== undefined) options.onProgress = progress.update;
  let result: Awaited<ReturnType<typeof signModel>>;
  try {
    result = await signModel(resolve(io.cwd, model), options);
  } finally {
    progress?.done();
  }
  const { manifest } = result;
  const signer =
    result.method === 'key'
      ? `key ${(result.bundle.verificationMaterial.publicKey as { hint: string }).hint}`
      : 'certificate chain';
  if (flags.format === 'json') {
    io.stdout(
      `${JSON.stringify(
        {
          model: resolve(io.cwd, model),
          signature: result.output,
          method: result.method,
          signer,
          modelName: manifest.modelName,
          rootDigest: `sha256:${manifest.rootDigest.digest}`,
          resources: manifest.resources.length,
          serialization: manifest.serialization,
        },
        null,
        2,
      )}\n`,
    );
    return EXIT.clean;
  }
  const s = manifest.serialization;
  const how =
    s.method === 'shards' ? `${s.hash_type}, shards of ${s.shard_size} bytes` : `${s.hash_type}, files`;
  io.stdout(
    [
      `Signed ${printable(manifest.modelName)} with ${signer}`,
      `  resources    ${manifest.resources.length} (${how})`,
      `  root digest  sha256:${manifest.rootDigest.digest}`,
      `  ignored      ${s.ignore_paths.map(printable).join(', ') || '(nothing)'}`,
      `  signature    ${printable(result.output ?? '')}`,
      '',
    ].join('\n'),
  );
  return EXIT.clean;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0)
    throw new InvalidArgumentError('a whole number of bytes above 0');
  return n;
}

/** Paths and names come from the file system: control characters are shown escaped. */
export function printable(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
