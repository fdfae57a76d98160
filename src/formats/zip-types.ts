/** Types of the zip reader (zip.ts) and member access (zip-member.ts). */

/** One member as the central directory (what torch trusts) describes it, checked against its local header. */
export interface ZipEntry {
  /** Decoded name: UTF-8 when flag 0x800 is set, else latin1 (zipfile uses CP437; torch compares raw bytes). */
  name: string;
  /** The central-directory name bytes, which is what miniz matches on. */
  rawName: Uint8Array;
  /** Compression method: 0 stored, 8 deflate; anything else is unsupported. */
  method: number;
  /** General-purpose flags from the central directory. */
  flags: number;
  /** Declared CRC-32 (torch never verifies it; see crc32OfSource). */
  crc32: number;
  /** Declared sizes, ZIP64 extra applied. */
  compressedSize: number;
  uncompressedSize: number;
  /** Absolute position of the local header in the source, prepended bytes included. */
  localHeaderOffset: number;
  /** Absolute position of the member data; undefined when the local header is missing or out of bounds. */
  dataOffset: number | undefined;
  /** Name and flags from the local header; undefined when it could not be read. */
  localName: string | undefined;
  localFlags: number | undefined;
  /** Unix st_mode from the external attributes, when the archive was made on Unix (symlinks are 0o120000). */
  unixMode: number | undefined;
  /** Position in central-directory order (torch takes the archive folder name from entry 0). */
  index: number;
}

/** Kinds of oddity the reader reports instead of failing. */
export type ZipAnomalyKind =
  | 'local-name-mismatch' // CVE-2025-1944: torch trusts the central name, zipfile refuses the member
  | 'local-header-mismatch' // method, flags, sizes or CRC differ between local and central header
  | 'flag-bits' // CVE-2025-1945: encryption/patch bits that torch ignores and zipfile refuses
  | 'bad-crc' // CVE-2025-10156: for callers that hash a member; torch never checks
  | 'duplicate-name' // exact, or differing only in ASCII case (miniz's lookup is case-insensitive)
  | 'path-traversal' // '../x', '/abs', 'C:\x', backslashes
  | 'suspicious-name' // empty, NUL (zipfile truncates there, miniz does not) or control characters
  | 'prepended-data' // offsets are off by a constant; applied the way zipfile computes `concat`
  | 'ambiguous-directory' // miniz and zipfile would look for the central directory in different places
  | 'trailing-data' // bytes after the end record, or a comment length that lies
  | 'bad-central-header' // a central record is truncated or has no signature; the walk stops there
  | 'bad-local-header' // no local header where the central directory points
  | 'bad-extra-field' // an extra field overruns, or a needed ZIP64 extra is missing
  | 'bad-zip64' // a ZIP64 locator whose record cannot be found
  | 'count-mismatch' // declared entry counts disagree with each other or with the records found
  | 'size-mismatch' // declared directory size, or a stored member's two sizes, disagree
  | 'overlapping-entries' // members share bytes with each other or with the directory (zip bombs)
  | 'unreferenced-data' // bytes no member covers: hidden entries for streaming unzippers
  | 'truncated-member' // member data runs past the end of the file (miniz refuses the whole archive)
  | 'zip64' // ZIP64 structures in use
  | 'multi-disk' // disk numbers other than 0 (miniz refuses these)
  | 'symlink' // a member stored as a symbolic link (extractors that honour Unix modes create the link)
  | 'link-outside' // such a link whose target leaves the extraction root
  | 'compression-ratio'; // a member that inflates far beyond what real model data compresses to

/** One oddity found while reading; `entry` names the member it concerns, if any. */
export interface ZipAnomaly {
  kind: ZipAnomalyKind;
  entry?: string;
  detail: string;
}

/** What readZipDirectory found. `prependedBytes` was added to every declared offset (0 when none). */
export interface ZipDirectory {
  entries: ZipEntry[];
  anomalies: ZipAnomaly[];
  prependedBytes: number;
}
