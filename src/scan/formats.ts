import type { FormatHandler } from './format-handler.ts';

/**
 * Binary formats beyond the pickle family, tried in order after the container formats and before the
 * headerless-pickle guess (their first bytes can look like pickle opcodes). First match wins.
 */
export const BINARY_FORMATS: readonly FormatHandler[] = [];

/**
 * Text formats recognised by name (configs, templates, source). Every matching handler runs, since one file
 * can matter to several (a `config.json` can be a Keras config and carry a Hugging Face `auto_map`).
 */
export const TEXT_FORMATS: readonly FormatHandler[] = [];
