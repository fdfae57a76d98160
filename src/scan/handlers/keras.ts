import { ParapetError } from '../../core/errors.ts';
import type { ByteSource } from '../../formats/byte-source.ts';
import { hdf5SignatureOffset, isHdf5, readRootStringAttributes } from '../../formats/hdf5.ts';
import {
  looksLikeKerasConfig,
  MAX_CONFIG_BYTES,
  parseConfigJson,
  walkKerasConfig,
} from '../../formats/keras-config.ts';
import type { HandlerContext, NestedOutcome } from '../context.ts';
import { detectFormat } from '../detect.ts';
import type { FormatHandler } from '../format-handler.ts';
import { KERAS_RULES } from '../rules/index.ts';
import { handlePickle } from './pickle.ts';
import { handleSevenZip } from './sevenzip.ts';
import { handleTar } from './tar.ts';
import { handleZip } from './zip.ts';

/** Root attributes of a legacy Keras HDF5 file that hold serialised configs (`keras_version` is metadata only). */
const HDF5_CONFIG_ATTRIBUTES = ['model_config', 'training_config'] as const;

const utf8 = new TextDecoder('utf-8');

/** Runs every Keras rule over one config text, recording a truncated walk as incomplete analysis. */
function scanConfigText(text: string, origin: string, ctx: HandlerContext, requireKeras: boolean): boolean {
  const root = parseConfigJson(text);
  if (requireKeras && !looksLikeKerasConfig(root)) return false;
  const config = walkKerasConfig(root);
  const ruleCtx = { location: ctx.location, strict: ctx.strict };
  for (const rule of KERAS_RULES) ctx.result.findings.push(...rule.check({ config, origin }, ruleCtx));
  if (config.truncated) {
    ctx.result.errors.push({
      path: where(ctx),
      error: `Keras ${origin} is over the walk caps: not fully analysed`,
    });
  }
  return true;
}

function where(ctx: HandlerContext): string {
  return ctx.location.member === undefined
    ? ctx.location.path
    : `${ctx.location.path}!${ctx.location.member}`;
}

/**
 * A `.keras` v3 archive's `config.json` (or one on its own). Recognised by name, then by shape: a Hugging
 * Face transformers `config.json` shares the name and is left to its own handler.
 */
export const kerasConfigFormat: FormatHandler = {
  id: 'keras-config',
  detect(src: ByteSource, name: string): boolean {
    if (name !== 'config.json' || src.size === 0) return false;
    const head = utf8.decode(src.readAt(0, Math.min(src.size, 64))).trimStart();
    return head.startsWith('{');
  },
  handle(src: ByteSource, ctx: HandlerContext): NestedOutcome {
    if (src.size > MAX_CONFIG_BYTES) {
      ctx.result.errors.push({
        path: where(ctx),
        error: `config.json of ${src.size} bytes is over the Keras config cap`,
      });
      return 'analysed';
    }
    const text = utf8.decode(src.readAt(0, src.size));
    try {
      return scanConfigText(text, 'config.json', ctx, true) ? 'analysed' : 'not-a-model-format';
    } catch (err) {
      if (!(err instanceof ParapetError)) throw err;
      // Unparseable JSON that still names Keras classes may parse in Python: never call it clean.
      if (!text.includes('"class_name"')) return 'not-a-model-format';
      ctx.result.errors.push({ path: where(ctx), error: err.message });
      return 'analysed';
    }
  },
};

/**
 * A legacy Keras HDF5 model (`.h5`, `model.weights.h5` in a `.keras` archive, any HDF5 file): its
 * `model_config` and `training_config` root attributes are read and walked like a `config.json`. HDF5 files
 * without them (weights only, other data) are analysed and clean; files the HDF5 library cannot open are
 * recorded as errors, never as clean.
 */
export const kerasHdf5Format: FormatHandler = {
  id: 'hdf5',
  detect: (src: ByteSource): boolean => isHdf5(src),
  async handle(src: ByteSource, ctx: HandlerContext): Promise<NestedOutcome> {
    // Read the HDF5 side first; a file with a user block may be something else as well (see below).
    let attrs: Map<string, string>;
    try {
      attrs = await readRootStringAttributes(src, HDF5_CONFIG_ATTRIBUTES);
    } catch (err) {
      if (!(err instanceof ParapetError)) throw err;
      ctx.result.errors.push({ path: where(ctx), error: err.message });
      if (hdf5SignatureOffset(src) > 0) await scanUserBlockHost(src, ctx);
      return 'analysed';
    }
    for (const [name, text] of attrs) {
      try {
        scanConfigText(text, name, ctx, false);
      } catch (err) {
        if (!(err instanceof ParapetError)) throw err;
        ctx.result.errors.push({ path: where(ctx), error: `HDF5 attribute ${name}: ${err.message}` });
      }
    }
    if (hdf5SignatureOffset(src) > 0) await scanUserBlockHost(src, ctx);
    return 'analysed';
  },
};

/**
 * An HDF5 superblock after a user block is a polyglot when the bytes before it are a container: a tar whose
 * first member is an `.h5` puts it at offset 512, and a zip can align a stored member to any power of two.
 * h5py reads one reading, tarfile/zipfile/torch the other, so both are analysed.
 */
async function scanUserBlockHost(src: ByteSource, ctx: HandlerContext): Promise<void> {
  switch (detectFormat(src)) {
    case 'zip':
      await handleZip(src, ctx);
      break;
    case 'tar':
      await handleTar(src, ctx);
      break;
    case '7z':
      await handleSevenZip(src, ctx);
      break;
    case 'pickle':
      handlePickle(src, ctx, false);
      break;
    default:
      break;
  }
}
