/** Error codes a caller can branch on. */
export type ParapetErrorCode =
  | 'USAGE' // bad flags or arguments
  | 'NOT_FOUND' // a path given on the command line does not exist
  | 'UNREADABLE' // permission denied, I/O error
  | 'LIMIT' // a resource cap was hit
  | 'MALFORMED'; // input is not what its magic bytes claim

/** The one error class the library throws on purpose; anything else is a bug. */
export class ParapetError extends Error {
  readonly code: ParapetErrorCode;
  constructor(code: ParapetErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ParapetError';
    this.code = code;
  }
}

/** A one-line message for any thrown value, without a stack trace. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    // Node's own messages already start with the code ("ENOENT: no such file..."): do not repeat it.
    return code && !(err instanceof ParapetError) && !err.message.startsWith(code)
      ? `${code}: ${err.message}`
      : err.message;
  }
  return String(err);
}
