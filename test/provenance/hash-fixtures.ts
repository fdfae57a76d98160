/**
 * The fixture models of the reference implementation's test suite (sigstore/model-transparency
 * `tests/conftest.py`), rebuilt on disk, under the names the golden payloads' subjects carry.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `test_support.KNOWN_MODEL_TEXT`. */
export const KNOWN_MODEL_TEXT = 'This is a simple model';

/** The fixture names of `test_support.all_test_models`. */
export const FIXTURE_MODELS = [
  'sample_model_file',
  'sample_model_folder',
  'deep_model_folder',
  'empty_model_file',
  'empty_model_folder',
  'model_folder_with_empty_file',
  'symlink_model_folder',
] as const;
export type FixtureModel = (typeof FIXTURE_MODELS)[number];

/** Builds fixture `kind` inside `parent` and returns the model path. */
export function buildFixtureModel(kind: FixtureModel, parent: string): string {
  switch (kind) {
    case 'sample_model_file': {
      const file = join(parent, 'file_model');
      writeFileSync(file, KNOWN_MODEL_TEXT);
      return file;
    }
    case 'empty_model_file': {
      const file = join(parent, 'empty_file_model');
      writeFileSync(file, '');
      return file;
    }
    case 'sample_model_folder': {
      const root = join(parent, 'sample_model');
      for (let i = 0; i < 2; i++) {
        mkdirSync(join(root, `d${i}`), { recursive: true });
        for (let j = 0; j < 3; j++)
          writeFileSync(join(root, `d${i}`, `f${i}${j}`), `This is file f${i}${j} in d${i}.`);
      }
      for (let i = 0; i < 4; i++) writeFileSync(join(root, `f${i}`), `This is file f${i} in root.`);
      return root;
    }
    case 'empty_model_folder': {
      const root = join(parent, 'empty_folder_model');
      mkdirSync(root);
      return root;
    }
    case 'model_folder_with_empty_file': {
      const root = join(parent, 'empty_file_inside_model');
      mkdirSync(root);
      writeFileSync(join(root, 'empty_file'), '');
      return root;
    }
    case 'deep_model_folder': {
      const root = join(parent, 'deep_model');
      const deepest = join(root, 'd0', 'd1', 'd2', 'd3', 'd4');
      mkdirSync(deepest, { recursive: true });
      for (let i = 0; i < 4; i++) writeFileSync(join(deepest, `f${i}`), `This is file f${i}.`);
      return root;
    }
    case 'symlink_model_folder': {
      const external = join(parent, 'external');
      mkdirSync(external);
      writeFileSync(join(external, 'file'), KNOWN_MODEL_TEXT);
      const root = join(parent, 'symlink_model');
      mkdirSync(root);
      symlinkSync(join(external, 'file'), join(root, 'symlink_file'));
      return root;
    }
  }
}

/** A fresh temporary directory and its removal. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `parapet-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
