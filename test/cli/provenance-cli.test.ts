/**
 * sign, verify and sbom through the real CLI entry (`run`): registered, chained on one model, and the BOM's
 * signature status following what `verify` says when the BOM is given the publisher's key.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { run } from '../../src/cli/run.ts';
import { captureIO, type Outcome } from '../fixtures/cli-io.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-prov-cli-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

async function cli(args: string[]): Promise<Outcome> {
  const { io, stdout, stderr } = captureIO(TMP);
  const code = await run(args, io);
  return { code, stdout: stdout(), stderr: stderr() };
}

function signatureVerified(bomJson: string): string | undefined {
  type Component = { properties?: { name: string; value: string }[] };
  const bom = JSON.parse(bomJson) as { metadata?: { component?: Component }; components?: Component[] };
  // The model is the BOM's subject (metadata.component).
  const props = [bom.metadata?.component, ...(bom.components ?? [])].flatMap((c) => c?.properties ?? []);
  return props.find((p) => p.name === 'parapet:signature:verified')?.value;
}

test('sign, verify and sbom --key agree on one model, before and after a byte changes', async () => {
  const model = join(TMP, 'tiny-model');
  mkdirSync(model);
  writeFileSync(
    join(model, 'config.json'),
    JSON.stringify({ model_type: 'bert', architectures: ['BertModel'] }),
  );
  writeFileSync(join(model, 'model.bin'), Buffer.alloc(4096, 7));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const key = join(TMP, 'signing.pem');
  const pub = join(TMP, 'signing.pub.pem');
  writeFileSync(key, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  const sig = join(model, 'model.sig');

  const signed = await cli(['sign', model, '--key', key, '--output', sig]);
  assert.equal(signed.code, 0, signed.stderr);
  const verified = await cli(['verify', model, '--signature', sig, '--key', pub]);
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  const bom = await cli(['sbom', model, '--key', pub, '--timestamp', 'none']);
  assert.equal(bom.code, 0, bom.stderr);
  assert.equal(signatureVerified(bom.stdout), 'true');

  appendFileSync(join(model, 'model.bin'), 'x');
  const failed = await cli(['verify', model, '--signature', sig, '--key', pub]);
  assert.equal(failed.code, 1, 'a changed file fails verification');
  assert.match(failed.stdout, /model\.bin/, 'and the failure names it');
  const after = await cli(['sbom', model, '--key', pub, '--timestamp', 'none']);
  assert.equal(signatureVerified(after.stdout), 'false', 'the BOM records the failed verification');
  const unchecked = await cli(['sbom', model, '--timestamp', 'none']);
  assert.equal(signatureVerified(unchecked.stdout), 'not-checked', 'without a key the BOM claims nothing');
});

test('sbom --key with a file that does not exist is a usage error', async () => {
  const model = join(TMP, 'm2');
  mkdirSync(model);
  writeFileSync(join(model, 'config.json'), '{}');
  const out = await cli(['sbom', model, '--key', join(TMP, 'missing.pem')]);
  assert.equal(out.code, 2, out.stderr);
});
