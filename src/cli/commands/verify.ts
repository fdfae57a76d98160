import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { ParapetError } from '../../core/errors.ts';
import { readKeyFile } from '../../provenance/oms/keys.ts';
import { type VerifyOptions, type VerifyResult, verifyModel } from '../../provenance/oms/verify.ts';
import { byteProgress } from '../byte-progress.ts';
import { type CliIO, EXIT } from '../io.ts';
import { printable } from './sign.ts';

const FORMATS = ['table', 'json'] as const;

/** Files listed per category in the table; --format json lists them all. */
const LISTED = 50;

interface VerifyFlags {
  signature: string;
  key?: string;
  certChain?: string[];
  sigstore: boolean;
  identity?: string;
  issuer?: string;
  trustedRoot?: string;
  ignorePaths?: string[];
  ignoreUnsignedFiles: boolean;
  format: (typeof FORMATS)[number];
}

const HELP_AFTER = `
What it checks, in order:
  1. the signature file is an OMS bundle (Sigstore bundle v0.3; also what model_signing v0.2 to v1.1 wrote)
  2. its signature, one of:
       --key PUBLIC.pem          a key bundle, against the signer's public key (P-256/384/521)
       --cert-chain CA.pem ...   a certificate bundle, its chain to the certificates you trust, checked at
                                 the signing certificate's start of validity as model_signing does
       --sigstore --identity ID --issuer URL
                                 a keyless bundle: Fulcio certificate, Rekor entry and timestamps, all
                                 verified offline against the Sigstore trusted root shipped with Parapet
                                 (--trusted-root for another), and the signer's identity and OIDC issuer
  3. the signed statement (OMS v1.0 schema; v0.2's older layout is accepted)
  4. the model: re-hashed with the signed parameters (hash, shards, ignored paths) and compared file by
     file. Every changed, unsigned (extra) or missing file is named.

Examples:
  parapet verify ./llama-3-8b --signature model.sig --key signing-key.pub.pem
  parapet verify ./llama-3-8b --signature model.sig --cert-chain ca.pem
  parapet verify ./llama-3-8b --signature model.sig --sigstore \\
      --identity release@example.com --issuer https://accounts.google.com
  parapet verify ./model --signature model.sig --key k.pub --ignore-paths model/cache --format json
  (Put MODEL_PATH before --cert-chain or --ignore-paths: those take every value up to the next option.)

Exit codes: 0 verified, 1 verification failed (bad signature, untrusted signer, files differ),
            2 usage error (bad flags, missing model, signature or key), 3 could not complete (unreadable).
`;

/** `parapet verify`: check a model against its OMS signature. */
export function verifyCommand(io: CliIO, setExit: (code: number) => void): Command {
  return new Command('verify')
    .description('Verify a model against its OpenSSF Model Signing signature (key, certificate or Sigstore).')
    .argument('<model>', 'the model directory, or a single model file')
    .option('-s, --signature <file>', 'the signature (Sigstore bundle)', 'model.sig')
    .option('--key <file>', 'public key (PEM) of a key signature')
    .option(
      '--cert-chain <files...>',
      'trusted certificates (PEM: roots, or any you trust) for a certificate signature',
    )
    .option('--sigstore', 'a keyless Sigstore signature: needs --identity and --issuer', false)
    .option('--identity <id>', 'with --sigstore: the signer identity (e-mail or URI in the certificate)')
    .option('--issuer <url>', 'with --sigstore: the OIDC issuer that vouched for the identity')
    .option(
      '--trusted-root <file>',
      'with --sigstore: a Sigstore trusted_root.json instead of the shipped one',
    )
    .option(
      '--ignore-paths <paths...>',
      'more files or directories to leave out (relative to the current directory)',
    )
    .option(
      '--ignore-unsigned-files',
      'pass even if the model holds files the signature does not list',
      false,
    )
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('table'))
    .addHelpText('after', HELP_AFTER)
    .action(async (model: string, flags: VerifyFlags) => {
      setExit(await runVerify(model, flags, io));
    });
}

async function runVerify(model: string, flags: VerifyFlags, io: CliIO): Promise<number> {
  const options: VerifyOptions = { ignoreUnsignedFiles: flags.ignoreUnsignedFiles };
  const ways = [flags.key !== undefined, flags.certChain !== undefined, flags.sigstore].filter(
    Boolean,
  ).length;
  if (ways !== 1)
    throw new ParapetError(
      'USAGE',
      'give exactly one of --key, --cert-chain and --sigstore (with --identity and --issuer)',
    );
  if (!flags.sigstore && (flags.identity ?? flags.issuer ?? flags.trustedRoot) !== undefined)
    throw new ParapetError('USAGE', '--identity, --issuer and --trusted-root go with --sigstore');
  if (flags.key !== undefined) options.publicKey = readKeyFile(resolve(io.cwd, flags.key), 'public key');
  if (flags.certChain !== undefined)
    options.certificateChain = flags.certChain.map((f) =>
      readKeyFile(resolve(io.cwd, f), 'certificate file'),
    );
  if (flags.sigstore) {
    if (flags.identity === undefined || flags.issuer === undefined)
      throw new ParapetError('USAGE', '--sigstore needs --identity and --issuer');
    options.sigstore = { identity: flags.identity, issuer: flags.issuer };
    if (flags.trustedRoot !== undefined) options.sigstore.trustedRoot = resolve(io.cwd, flags.trustedRoot);
  }
  if (flags.ignorePaths !== undefined) options.ignorePaths = flags.ignorePaths.map((p) => resolve(io.cwd, p));
  const progress = byteProgress(io, 'verifying');
  if (progress !== undefined) options.onProgress = progress.update;
  const modelPath = resolve(io.cwd, model);
  const signature = resolve(io.cwd, flags.signature);
  let result: VerifyResult;
  try {
    result = await verifyModel(modelPath, signature, options);
  } finally {
    progress?.done();
  }
  io.stdout(flags.format === 'json' ? asJson(result, modelPath, signature) : asTable(result, modelPath));
  return result.ok ? EXIT.clean : EXIT.findings;
}

function asJson(result: VerifyResult, model: string, signature: string): string {
  const base = { ok: result.ok, model, signature };
  const body = result.ok
    ? {
        ...base,
        signer: result.signer,
        modelName: result.manifest.modelName,
        rootDigest: `sha256:${result.manifest.rootDigest.digest}`,
        resources: result.manifest.resources.length,
        serialization: result.manifest.serialization,
        notes: result.notes,
      }
    : { ...base, stage: result.stage, reason: result.reason, ...(result.diff ? { diff: result.diff } : {}) };
  return `${JSON.stringify(body, null, 2)}\n`;
}

function asTable(result: VerifyResult, model: string): string {
  if (result.ok) {
    const s = result.manifest.serialization;
    const signer = result.signer;
    const who =
      signer.method === 'key'
        ? `key ${signer.keyHint}`
        : signer.method === 'certificate'
          ? `certificate ${signer.chain.map(printable).join(' <- ')}`
          : `Sigstore identity ${printable(signer.identity)} (issuer ${printable(signer.issuer)})`;
    const how =
      s.method === 'shards' ? `${s.hash_type}, shards of ${s.shard_size} bytes` : `${s.hash_type}, files`;
    return [
      `VERIFIED  ${printable(model)}`,
      `  signed by    ${who}`,
      `  resources    ${result.manifest.resources.length} (${how})`,
      `  root digest  sha256:${result.manifest.rootDigest.digest}`,
      ...result.notes.map((n) => `  note         ${printable(n)}`),
      '',
    ].join('\n');
  }
  const lines = [`FAILED  ${printable(model)}`, `  ${result.stage.padEnd(10)} ${printable(result.reason)}`];
  if (result.diff) {
    for (const [label, files] of [
      ['changed', result.diff.changed],
      ['unsigned', result.diff.added],
      ['missing', result.diff.removed],
    ] as const) {
      for (const f of files.slice(0, LISTED)) lines.push(`  ${label.padEnd(10)} ${printable(f)}`);
      if (files.length > LISTED)
        lines.push(`  ${''.padEnd(10)} ... and ${files.length - LISTED} more (--format json lists all)`);
    }
  }
  lines.push('');
  return lines.join('\n');
}
