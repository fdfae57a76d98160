/**
 * Loads an optional dependency on first use. The ONNX backend's packages (onnxruntime-node, ~45 MB of native
 * code, and @huggingface/tokenizers) are optionalDependencies: the default guard never needs them, so they
 * are imported here, inside the loader, and never at module level.
 */
import { describeError, ParapetError } from '../../core/errors.ts';

/** Install hint shared by every message about the ONNX backend's packages. */
export const ONNX_INSTALL_HINT = 'npm install onnxruntime-node@1.30.0 @huggingface/tokenizers@0.2.0';

/**
 * Runs `load` (a literal `() => import('pkg')`, so bundlers and type checking still see the specifier) and
 * turns a missing package, or one whose native part does not load, into a ParapetError that says what to do.
 */
export async function importOptional<T>(load: () => Promise<T>, packageName: string): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (isModuleNotFound(err, packageName)) {
      throw new ParapetError(
        'USAGE',
        `install ${packageName} to use --onnx (the transformer classifier backend): ${ONNX_INSTALL_HINT}`,
        { cause: err },
      );
    }
    throw new ParapetError(
      'USAGE',
      `${packageName} is installed but could not be loaded, so --onnx cannot run: ${describeError(err)}`,
      { cause: err },
    );
  }
}

function isModuleNotFound(err: unknown, packageName: string): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  // A package that is present but misses one of its own files is "could not be loaded", not "install it".
  return err instanceof Error && err.message.includes(`'${packageName}'`);
}
