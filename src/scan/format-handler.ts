import type { ByteSource } from '../formats/byte-source.ts';
import type { HandlerContext, NestedOutcome } from './context.ts';

/**
 * One format Parapet reads, as the engine sees it: how to recognise it and how to analyse it. Binary formats
 * are recognised by their bytes (magic numbers, structure); text formats with no magic (JSON configs,
 * templates, Python) by their file name, which is the only signal they carry.
 */
export interface FormatHandler {
  /** Short name used in messages and tests (`safetensors`, `gguf`, `hf-config`...). */
  id: string;
  /**
   * True when `src` is this format. `name` is the file or member base name (`config.json`); binary formats
   * must decide from the bytes alone, never from the name.
   */
  detect(src: ByteSource, name: string): boolean;
  /** Analyses `src`, pushing findings and errors into `ctx.result`. Throws only ParapetError. */
  handle(src: ByteSource, ctx: HandlerContext): NestedOutcome | Promise<NestedOutcome>;
}
