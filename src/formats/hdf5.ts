import type * as H5 from 'h5wasm';
import { ParapetError } from '../core/errors.ts';
import type { ByteSource } from './byte-source.ts';

/**
 * HDF5 detection and root-attribute reading. Reading goes through h5wasm (the HDF5 C library compiled to
 * WASM) over its in-memory file system: the ESM build is used on purpose, because `h5wasm/node` maps its file
 * system straight onto the host disk. Only root attributes are read; no dataset data, no external links.
 */

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
/** Where the HDF5 library looks for the superblock when a user block precedes it. */
/** Files larger than this are not copied into WASM memory (the whole file must be there to open it). */
export const MAX_HDF5_BYTES = 512 * 1024 * 1024;
/** An attribute larger than this is not read. */
const MAX_ATTRIBUTE_BYTES = 32 * 1024 * 1024;

/**
 * Offset of the HDF5 superblock signature, or -1. Like the HDF5 library, it looks at 0 and then at every power
 * of two from 512 up to the file size (a user block of any such size may precede the superblock).
 */
export function hdf5SignatureOffset(src: ByteSource): number {
  for (let offset = 0; offset + SIGNATURE.length <= src.size; offset = offset === 0 ? 512 : offset * 2) {
    const head = src.readAt(offset, SIGNATURE.length);
    if (SIGNATURE.every((b, i) => head[i] === b)) return offset;
  }
  return -1;
}

/** True when an HDF5 superblock signature sits at offset 0 or at a user-block boundary. */
export function isHdf5(src: ByteSource): boolean {
  return hdf5SignatureOffset(src) >= 0;
}

let counter = 0;
let quiet = false;

/**
 * Points the WASM module's stderr at /dev/null, once: the HDF5 library prints a diagnostic stack for every
 * malformed file it is given, and a scanner's output must stay its own. Failures are reported as errors.
 */
function silence(fs: unknown): void {
  if (quiet) return;
  quiet = true;
  // Emscripten's FS object; its stream table is not in h5wasm's type declarations.
  const emfs = fs as {
    streams: unknown[];
    close(stream: unknown): void;
    open(path: string, flags: string): unknown;
  };
  const stderr = emfs.streams[2];
  if (stderr !== undefined && stderr !== null) emfs.close(stderr);
  // The lowest free descriptor is reused, so /dev/null becomes descriptor 2.
  emfs.open('/dev/null', 'w');
}

/**
 * The string values of the root attributes in `names` that exist (bytes attributes decoded as UTF-8).
 * Throws ParapetError LIMIT over the size caps and MALFORMED when the HDF5 library cannot open the file.
 */
export async function readRootStringAttributes(
  src: ByteSource,
  names: readonly string[],
): Promise<Map<string, string>> {
  if (src.size > MAX_HDF5_BYTES) {
    throw new ParapetError('LIMIT', `HDF5 file of ${src.size} bytes is over the ${MAX_HDF5_BYTES}-byte cap`);
  }
  // Loaded on first use: the HDF5 WASM build costs ~27 MB and ~130 ms, which scans without HDF5 should not pay.
  const h5wasm = await import('h5wasm');
  const module = await h5wasm.ready;
  const fs = module.FS;
  silence(fs);
  const path = `/parapet-${process.pid}-${counter++}.h5`;
  try {
    fs.writeFile(path, src.readAt(0, src.size));
  } catch (err) {
    // WASM memory is finite: a file under the cap can still fail to fit beside earlier allocations.
    throw new ParapetError('LIMIT', `cannot copy the HDF5 file into WASM memory: ${describe(err)}`);
  }
  let file: H5.File | undefined;
  try {
    try {
      file = new h5wasm.File(path, 'r');
    } catch (err) {
      file = undefined;
      throw new ParapetError('MALFORMED', `HDF5 library cannot open the file: ${describe(err)}`);
    }
    // h5wasm does not throw on a file HDF5 rejects: it hands back a negative id.
    if (file === undefined || file.file_id < 0n) {
      file = undefined;
      throw new ParapetError(
        'MALFORMED',
        'HDF5 library cannot open the file (not a readable HDF5 superblock)',
      );
    }
    const out = new Map<string, string>();
    let present: string[];
    try {
      present = module.get_attribute_names(file.file_id, '/');
    } catch (err) {
      throw new ParapetError('MALFORMED', `cannot list the HDF5 root attributes: ${describe(err)}`);
    }
    for (const name of names) {
      if (!present.includes(name)) continue;
      out.set(name, readStringAttribute(h5wasm, file, name));
    }
    return out;
  } finally {
    try {
      file?.close();
    } catch {
      // A file the library half-opened may fail to close; the in-memory copy is removed below either way.
    }
    fs.unlink(path);
  }
}

function readStringAttribute(h5wasm: typeof H5, file: H5.File, name: string): string {
  try {
    const attr = new h5wasm.Attribute(file.file_id, '/', name);
    const size = attr.metadata.total_size * Math.max(1, attr.metadata.size);
    if (size > MAX_ATTRIBUTE_BYTES) {
      throw new ParapetError('LIMIT', `HDF5 attribute ${name} of ${size} bytes is over the cap`);
    }
    const value: unknown = attr.value;
    const one = Array.isArray(value) && value.length === 1 ? value[0] : value;
    if (typeof one === 'string') return one;
    if (one instanceof Uint8Array) return new TextDecoder().decode(one);
    throw new ParapetError('MALFORMED', `HDF5 attribute ${name} is not a string`);
  } catch (err) {
    if (err instanceof ParapetError) throw err;
    throw new ParapetError('MALFORMED', `cannot read HDF5 attribute ${name}: ${describe(err)}`);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
