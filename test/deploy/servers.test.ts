/**
 * Every server issue 8 lists, through `scanPaths` on a real directory: the deployment files people write for
 * it (test/deploy/server-configs.ts) must produce exactly the expected deploy/* findings, with file and line,
 * and their hardened variants — the documented fixes applied — must produce none.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import type { ScanResult } from '../../src/core/result.ts';
import { scanPaths } from '../../src/scan/engine.ts';
import { SERVER_CASES } from './server-configs.ts';

/** Writes `files` under a fresh temporary directory, scans it, and removes it. */
async function scanFiles(files: Record<string, string>): Promise<{ result: ScanResult; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'parapet-servers-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return { result: await scanPaths([dir]), dir };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The deploy/* findings as `rule file:line`, sorted. */
function deployFindings(result: ScanResult, dir: string): string[] {
  return result.findings
    .filter((f) => f.ruleId.startsWith('deploy/'))
    .map((f) => `${f.ruleId} ${relative(dir, f.location.path)}:${f.location.line}`)
    .sort();
}

for (const c of SERVER_CASES) {
  test(`${c.server}: the exposed configs fire the expected rules at their file and line`, async () => {
    const { result, dir } = await scanFiles(c.exposed);
    assert.deepEqual(result.errors, []);
    const expected = c.expected.map((e) => `${e.rule} ${e.file}:${e.line}`).sort();
    assert.deepEqual(deployFindings(result, dir), expected);
  });

  test(`${c.server}: the hardened configs stay quiet`, async () => {
    const { result, dir } = await scanFiles(c.hardened);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(deployFindings(result, dir), []);
  });
}

test('every server the issue lists has a case', () => {
  const listed = [
    'Ollama',
    'vLLM',
    'llama.cpp server',
    'TGI',
    'LocalAI',
    'text-generation-webui',
    'Open WebUI',
    'LiteLLM',
    'Gradio',
    'Jupyter',
    'Ray',
    'MLflow',
  ];
  assert.deepEqual(
    SERVER_CASES.map((c) => c.server),
    listed,
  );
});
