// One error class for everything the package throws or rejects with: a stable `code`, a
// message that says what to fix, and for OSS responses the server's own fields.

export class OssupError extends Error {
  constructor(code, message, details) {
    super(message);
    this.name = 'OssupError';
    this.code = code;
    if (details) Object.assign(this, details);
  }
}

/** Turns what the core threw into an OssupError (a wasm trap has no code: report it as one). */
export function fromCore(error) {
  if (error instanceof OssupError) return error;
  if (error && typeof error.code === 'string') return new OssupError(error.code, error.message);
  const text = error && error.message ? error.message : String(error);
  return new OssupError(
    'CORE_FAILURE',
    `the ossup core failed (${text}); this is a bug, please report it with the inputs that caused it`,
    { cause: error },
  );
}
