/**
 * The worker pool from compiled JavaScript, as `npm run build` ships it: the hashing modules are compiled
 * with the build's compiler settings into a scratch directory and run by plain `node` (no tsx), where the
 * pool must find `hash-worker.js` beside `hash.js`. The other tests cover the tsx path.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hashModel } from '../../src/provenance/oms/hash.ts';
import { statementBytes } from '../../src/provenance/oms/statement.ts';
import { buildFixtureModel, tempDir } from './hash-fixtures.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
// Inside the repository (git-ignored .tmp/) so the compiled code resolves hash-wasm from node_modules.
const OUT = join(REPO, '.tmp', `hash-dist-${process.pid}`);
const temp = tempDir('oms-dist');
after(() => {
  rmSync(OUT, { recursive: true, force: true });
  temp.cleanup();
});

test('compiled hashing runs its worker threads without tsx and matches the TypeScript result', async () => {
  mkdirSync(OUT, { recursive: true });
  const tsconfig = join(OUT, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(REPO, 'tsconfig.build.json'),
      compilerOptions: { rootDir: join(REPO, 'src'), outDir: join(OUT, 'dist') },
      include: [],
      files: [
        join(REPO, 'src/provenance/oms/hash.ts'),
        join(REPO, 'src/provenance/oms/hash-worker.ts'),
        join(REPO, 'src/provenance/oms/statement.ts'),
      ],
    }),
  );
  execFileSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], {
    stdio: 'pipe',
  });

  const model = buildFixtureModel('sample_model_folder', temp.dir);
  const runner = join(OUT, 'run.mjs');
  writeFileSync(
    runner,
    [
      "import { hashModel } from './dist/provenance/oms/hash.js';",
      "import { statementBytes } from './dist/provenance/oms/statement.js';",
      'const m = await hashModel(process.argv[2], { workers: 2, shardSize: 8 });',
      'process.stdout.write(Buffer.from(statementBytes(m)));',
    ].join('\n'),
  );
  const compiled = execFileSync(process.execPath, [runner, model], {
    cwd: OUT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const here = statementBytes(await hashModel(model, { workers: 2, shardSize: 8 }));
  assert.equal(compiled.toString('utf8'), Buffer.from(here).toString('utf8'));
});
