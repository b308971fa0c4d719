// One error class for everything the package throws or rejects with: a stable `code`, a
// message that says what to fix, and for OSS responses the server's own fields.

const REDACTED = '[redacted]';

// The secrets in use (the credentials the uploader holds): an error never repeats them, in
// whatever text they come back. Only the last few, as credentials are replaced when refreshed.
const secrets = [];
const MAX_SECRETS = 16;

/** Remembers values that must never appear in an error (an STS token, an AccessKeySecret). */
export function rememberSecrets(...values) {
  for (const value of values) {
    // (shorter values would match ordinary text)
    if (typeof value !== 'string' || value.length < 8 || secrets.includes(value)) continue;
    secrets.unshift(value);
    if (secrets.length > MAX_SECRETS) secrets.pop();
  }
}

// What OSS echoes of a request (the StringToSign and CanonicalRequest of a
// SignatureDoesNotMatch, a request's headers, query or form), matched by shape so that no token,
// secret or signature is repeated whether or not it is known here.
const NAMES = 'x-oss-security-token|security-token|x-oss-signature|signature|x-oss-access-key-secret';
const SHAPES = [
  // header lines: `x-oss-security-token:…` (V1 CanonicalizedOSSHeaders, V4 CanonicalRequest)
  [/(x-oss-security-token[ \t]*:[ \t]*)[^\s<"']+/gi, `$1${REDACTED}`],
  [/(\bauthorization[ \t]*:[ \t]*)[^\r\n<"']+/gi, `$1${REDACTED}`],
  // query and form-urlencoded parameters, and `Signature=` in a V4 Authorization value
  [new RegExp(`((?:^|[?&;,\\s>"'])(?:${NAMES})=)[^&\\s<"',]+`, 'gi'), `$1${REDACTED}`],
  // XML elements: an STS answer's, an error body's
  [
    /(<(SecurityToken|AccessKeySecret|Signature|SignatureProvided|x-oss-security-token|x-oss-signature)>)[^<]*(<\/\2>)/gi,
    `$1${REDACTED}$3`,
  ],
  // JSON members
  [
    /("(?:securityToken|stsToken|accessKeySecret|x-oss-security-token|x-oss-signature|signature|authorization)"\s*:\s*")(?:[^"\\]|\\.)*"/gi,
    `$1${REDACTED}"`,
  ],
  // multipart/form-data fields
  [new RegExp(`(name="(?:${NAMES})"\\r?\\n\\r?\\n)[^\\r\\n]*`, 'gi'), `$1${REDACTED}`],
];

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
// An error's strings are for people and logs: a value echoed whole (a 64 MiB option) is cut.
const MAX_TEXT = 64 * 1024;

/** Whether base64 `text` decodes to text that names a security token (a signed policy). */
function namesToken(text) {
  let decoded = '';
  for (let i = 0; i + 1 < text.length; i += 4) {
    const n =
      (BASE64.indexOf(text[i]) << 18) |
      (BASE64.indexOf(text[i + 1]) << 12) |
      (Math.max(0, BASE64.indexOf(text[i + 2])) << 6) |
      Math.max(0, BASE64.indexOf(text[i + 3]));
    decoded += String.fromCharCode((n >> 16) & 255, (n >> 8) & 255, n & 255);
  }
  return /security-token/i.test(decoded);
}

/** `text` with tokens, secrets and signatures replaced by `[redacted]` (and cut if very long). */
export function redact(text) {
  if (typeof text !== 'string' || !text) return text;
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret && out.includes(encoded)) out = out.split(encoded).join(REDACTED);
  }
  // (after the known secrets, so that none is cut in two; before the patterns, which need not
  // run over megabytes)
  if (out.length > MAX_TEXT) out = `${out.slice(0, MAX_TEXT)}… (${out.length - MAX_TEXT} more characters)`;
  for (const [shape, replacement] of SHAPES) out = out.replace(shape, replacement);
  // A policy (the StringToSign of a PostObject) holds the form's token, base64-encoded.
  return out.replace(/[A-Za-z0-9+/]{40,}={0,2}/g, (run) => (namesToken(run) ? REDACTED : run));
}

/** The message of a cause, for JSON (reading it may throw: it can be the caller's object). */
function causeText(cause) {
  try {
    return cause && typeof cause.message === 'string' ? redact(cause.message) : undefined;
  } catch {
    return undefined;
  }
}

export class OssupError extends Error {
  constructor(code, message, details) {
    super(redact(message));
    this.name = 'OssupError';
    this.code = code;
    if (details) {
      Object.assign(this, details);
      for (const key of Object.keys(details)) if (typeof this[key] === 'string') this[key] = redact(this[key]);
    }
  }

  /** Own fields for JSON (the message too), redacted again: a field may have been set later. */
  toJSON() {
    const out = { name: this.name, code: this.code, message: redact(this.message) };
    for (const key of Object.keys(this)) {
      const value = this[key];
      if (key === 'cause') out.cause = causeText(value);
      else out[key] = typeof value === 'string' ? redact(value) : value;
    }
    return out;
  }
}

/**
 * An exception the caller's own code threw while ossup read a value (a getter, a Proxy trap,
 * a toJSON) as INVALID_OPTION naming `what`, the original kept as `cause`; an OssupError as is.
 */
export function callerError(what, error) {
  let text;
  try {
    if (error instanceof OssupError) return error;
    text = error && typeof error.message === 'string' ? error.message : typeof error;
  } catch {
    text = 'something that is not an Error'; // (a thrown Proxy whose traps throw too)
  }
  return new OssupError('INVALID_OPTION', `${what}: reading it threw (${text.slice(0, 200)}); pass plain values`, {
    cause: error,
  });
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
