import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { describeError, ParapetError } from '../../core/errors.ts';
import { type VerifyOptions, verifyModel } from '../../provenance/oms/verify.ts';
import { buildModelBomReport } from '../../provenance/sbom/build.ts';
import {
  type ModelBomOptions,
  SBOM_SPEC_VERSIONS,
  type SbomSpecVersion,
  type SignatureVerifier,
} from '../../provenance/sbom/types.ts';
import { type CliIO, EXIT } from '../io.ts';
import { VERSION } from '../version.ts';

interface SbomFlags {
  output?: string;
  spec: string;
  blake3: boolean;
  signature?: string;
  serialNumber?: string;
  timestamp?: string;
  key?: string;
  certChain?: string[];
}

/** Issues printed on stderr; the BOM itself records them all. */
const SHOWN_ISSUES = 20;

const HELP_AFTER = `
What goes into the BOM (CycloneDX JSON, validated against the CycloneDX schema before it is written):
  the model             a machine-learning-model component: name, licence, purl pkg:huggingface/OWNER/NAME@REV
                        for hf://, every file as a nested file component with its SHA-256 (and BLAKE3)
  modelCard             task, architecture family and class, datasets, results, parameter and tensor counts
                        and hyper-parameters, from config.json, the README's YAML header and the weights
                        headers (safetensors, sharded with their index, GGUF) - tensor data is never read
  lineage               the card's base_model as pedigree ancestors (an adapter's base is also a dependency)
  signature             a model.sig beside the model: what it claims (method, signer, digests) and whether its
                        digests match the files - a claim, not a verification, unless --key or --cert-chain
                        is given: then it is verified as parapet verify does, and the result recorded
  dependencies          requirements*.txt, pyproject.toml and lock files beside the model, as library
                        components with purls, direct ones linked from the model
  Anything unreadable (a malformed card, a broken header) is recorded as a parapet:issue property and
  reported here; the rest of the BOM is still written.

Exit codes:
  0  BOM written
  2  usage error (bad flag, no such model)
  3  BOM written but incomplete (a file could not be hashed or listed), or no BOM: the Hub refused access,
     or the result did not validate against the CycloneDX schema

Examples:
  parapet sbom ./my-model --output my-model.cdx.json
  parapet sbom model-q4_k_m.gguf
  parapet sbom hf://OWNER/NAME@COMMIT --output bom.json      (headers by Range; weights are never downloaded)
  parapet sbom ./my-model --blake3 --spec 1.7
  parapet sbom ./my-model --key publisher.pub.pem            (record whether model.sig verifies)
  parapet sbom ./my-model --serial-number urn:uuid:... --timestamp none   (reproducible output)

Environment (hf:// only): HF_TOKEN, HF_ENDPOINT, PARAPET_CACHE_DIR, as for parapet scan.
Field reference: docs/sbom.md
`;

/** File names and card text reach the terminal: control characters are shown escaped, never interpreted. */
function printable(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** Parses `--timestamp`: an ISO 8601 date, or `none` to leave it out. */
function parseTimestamp(value: string): Date | null {
  if (value === 'none') return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new ParapetError('USAGE', `--timestamp ${JSON.stringify(value)} is not a date (ISO 8601, or none)`);
  return date;
}

/**
 * With `--key` or `--cert-chain`, the signature is verified as `parapet verify` does (the files re-hashed), so the
 * BOM says `verified: true` only for a signature that checks out against what the user trusts.
 */
function verifierFromFlags(flags: SbomFlags): SignatureVerifier | undefined {
  if (flags.key === undefined && flags.certChain === undefined) return undefined;
  const trust: VerifyOptions = {};
  if (flags.key !== undefined) trust.publicKey = readTrustFile(flags.key, '--key');
  if (flags.certChain !== undefined)
    trust.certificateChain = flags.certChain.map((f) => readTrustFile(f, '--cert-chain'));
  return async ({ modelPath, signaturePath }) => {
    const result = await verifyModel(modelPath, signaturePath, trust);
    return result.ok
      ? { verified: true, detail: `${result.signer.method} signature verified` }
      : { verified: false, detail: `${result.stage}: ${result.reason}` };
  };
}

function readTrustFile(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ParapetError('USAGE', `cannot read ${flag} ${path}: ${describeError(err)}`);
  }
}

/**
 * `parapet sbom`: a CycloneDX ML-BOM of a model directory, a single model file or a Hugging Face repository.
 * `verifySignature` (optional) is the hook for signature verification: when given, the BOM records whether
 * the model's signature verified instead of `not-checked`.
 */
export function sbomCommand(
  io: CliIO,
  setExit: (code: number) => void,
  verifySignature?: SignatureVerifier,
): Command {
  return new Command('sbom')
    .description(
      'Write a CycloneDX ML-BOM (model card, lineage, file hashes, signature, dependencies) for a model.',
    )
    .argument('<model>', 'a model directory, a single model file, or hf://OWNER/NAME[@REVISION]')
    .option('-o, --output <file>', 'write the BOM to a file instead of stdout')
    .addOption(
      new Option('--spec <version>', 'CycloneDX version').choices([...SBOM_SPEC_VERSIONS]).default('1.6'),
    )
    .option('--blake3', 'also record a BLAKE3 hash of every local file (about twice the hashing time)', false)
    .option('--signature <file>', 'the model signature (default: model.sig in the model directory)')
    .option('--serial-number <urn>', 'use this urn:uuid serial number instead of a random one')
    .option('--timestamp <iso>', 'BOM creation time (ISO 8601), or "none" to leave it out')
    .option('--key <pem>', "verify the model's signature with this public key and record the result")
    .option('--cert-chain <pem...>', "verify the model's signature against these trusted certificates")
    .addHelpText('after', HELP_AFTER)
    .action(async (model: string, flags: SbomFlags) => {
      setExit(await runSbom(model, flags, io, verifySignature));
    });
}

async function runSbom(
  model: string,
  flags: SbomFlags,
  io: CliIO,
  verifySignature: SignatureVerifier | undefined,
): Promise<number> {
  const options: ModelBomOptions = {
    specVersion: flags.spec as SbomSpecVersion,
    blake3: flags.blake3,
    toolVersion: VERSION,
  };
  if (flags.signature !== undefined) options.signaturePath = flags.signature;
  if (flags.serialNumber !== undefined) options.serialNumber = flags.serialNumber;
  if (flags.timestamp !== undefined) options.timestamp = parseTimestamp(flags.timestamp);
  const verifier = verifySignature ?? verifierFromFlags(flags);
  if (verifier !== undefined) options.verifySignature = verifier;
  if (flags.output !== undefined) {
    // Fail before hashing gigabytes, not after.
    try {
      writeFileSync(flags.output, '');
    } catch (err) {
      throw new ParapetError('USAGE', `cannot write --output ${flags.output}: ${describeError(err)}`);
    }
  }
  // Progress goes to stderr and only to a terminal, so it never mixes into the BOM.
  if (io.stderrIsTTY) {
    options.onFile = (path, i, total) =>
      io.stderr(`\r\x1b[Kreading ${i + 1}/${total}: ${printable(path.slice(-70))}`);
  }
  let report: Awaited<ReturnType<typeof buildModelBomReport>>;
  try {
    report = await buildModelBomReport(model, options);
  } finally {
    if (io.stderrIsTTY) io.stderr('\r\x1b[K');
  }
  const text = `${JSON.stringify(report.bom, null, 2)}\n`;
  if (flags.output !== undefined) {
    writeFileSync(flags.output, text);
    io.stderr(`BOM written to ${flags.output}\n`);
  } else io.stdout(text);
  for (const issue of report.issues.slice(0, SHOWN_ISSUES)) {
    const where = issue.path === '' ? '' : `${issue.path}: `;
    io.stderr(`${issue.incomplete ? 'incomplete' : 'warning'}: ${printable(where + issue.message)}\n`);
  }
  if (report.issues.length > SHOWN_ISSUES) {
    io.stderr(`... and ${report.issues.length - SHOWN_ISSUES} more (parapet:issue properties in the BOM)\n`);
  }
  return report.incomplete ? EXIT.incomplete : EXIT.clean;
}
