import type { Rule } from '../../rule.ts';
import { evalModelOutput } from './eval-model-output.ts';
import { pickleLoad } from './pickle-load.ts';
import type { CodeSubject } from './policy.ts';
import { shellModelOutput } from './shell-model-output.ts';
import { torchLoadUnsafe } from './torch-load-unsafe.ts';
import { trustRemoteCode } from './trust-remote-code.ts';
import { yamlUnsafeLoad } from './yaml-unsafe-load.ts';

/** Rules over a Python file's own use of unsafe loaders and of model output (see policy.ts for the roles). */
export const CODE_RULES: readonly Rule<CodeSubject>[] = [
  evalModelOutput,
  shellModelOutput,
  torchLoadUnsafe,
  pickleLoad,
  trustRemoteCode,
  yamlUnsafeLoad,
];
