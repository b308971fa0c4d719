// OSS answers: success statuses, XML error bodies, and what to tell a developer about them.
import { OssupError } from './errors.js';

function tag(xml, name) {
  const match = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml || '');
  return match
    ? match[1]
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, '&')
    : undefined;
}

/** Fields of an OSS XML error body (oss-spec §1d): `{ code, message, requestId, hostId, ec, stringToSign }`. */
export function parseOssError(body) {
  const text = typeof body === 'string' ? body : '';
  if (!text.includes('<Error>')) return null;
  return {
    code: tag(text, 'Code'),
    message: tag(text, 'Message'),
    requestId: tag(text, 'RequestId'),
    hostId: tag(text, 'HostId'),
    ec: tag(text, 'EC'),
    stringToSign: tag(text, 'StringToSign'),
    serverTime: tag(text, 'ServerTime'),
  };
}

const HINTS = {
  SignatureDoesNotMatch:
    'the signed fields changed after signing (content type, key, or a header the platform set differently), or the secret is wrong',
  InvalidAccessKeyId: 'the AccessKeyId is unknown, or an STS key was sent without its security token',
  SecurityTokenExpired:
    'the STS token expired: the uploader refreshes credentials once; check `expiration` from your STS endpoint',
  InvalidSecurityToken: 'the security token does not belong to this AccessKeyId',
  RequestTimeTooSkewed:
    "the device clock is more than 15 minutes off; the uploader corrects it from the server's Date header",
  FileAlreadyExists:
    'an object with this key exists and x-oss-forbid-overwrite is set: use a new key (objectKey) or allow overwrite',
  EntityTooLarge: "the file is outside the policy's content-length-range",
  InvalidPolicyDocument: 'the policy JSON or one of its conditions is malformed',
  MalformedPOSTRequest: 'the form is malformed: the `file` field must be last',
  NoSuchBucket: 'the bucket name or endpoint/region is wrong',
  CallbackFailed: 'the object was stored, but your callback server failed or answered too slowly (OSS waits 5 s)',
};

/** A hint for an OSS error code and message, or undefined. */
export function hintFor(code, message) {
  if (code === 'AccessDenied' && /expired/i.test(message || '')) {
    return 'the policy expired: sign closer to the upload, or the device clock is wrong (OSS judges expiration by its own clock)';
  }
  if (code === 'AccessDenied' && /Policy Condition failed/i.test(message || '')) {
    return 'a form field does not satisfy the policy (key prefix, content type, size or a pinned field)';
  }
  return HINTS[code];
}

/** An OssupError for a non-success answer. `code` is OSS's own Code where there is one. */
export function responseError(status, body, headers = {}) {
  const oss = parseOssError(body) || {};
  const code = oss.code || `HTTP_${status}`;
  const requestId = oss.requestId || headers['x-oss-request-id'];
  const hint = hintFor(oss.code, oss.message);
  const message = `OSS answered ${status}${oss.code ? ` ${oss.code}` : ''}${oss.message ? `: ${oss.message}` : ''}${hint ? ` (${hint})` : ''}${requestId ? ` [RequestId ${requestId}]` : ''}`;
  return new OssupError(code, message, {
    status,
    ossCode: oss.code,
    ossMessage: oss.message,
    requestId,
    ec: oss.ec || headers['x-oss-ec'],
    hint,
    stringToSign: oss.stringToSign,
    serverDate: headers.date,
    body: typeof body === 'string' && body.length <= 4096 ? body : undefined,
  });
}

/** Lower-cases header names; platforms differ in case (`Etag`, `ETag`). */
export function lowerHeaders(headers) {
  const out = {};
  if (!headers) return out;
  for (const name of Object.keys(headers)) out[name.toLowerCase()] = String(headers[name]);
  return out;
}

/**
 * A 2xx that OSS did not sign with its own headers: a captive portal or proxy answered. Retryable,
 * since the next attempt may reach OSS; nothing is reported stored on such an answer.
 */
export function notOssResponse(what, status) {
  return new OssupError(
    'NOT_OSS_RESPONSE',
    `${what} answered ${status} without OSS's ETag and x-oss-request-id: a proxy or captive portal answered instead of OSS; for browsers, the bucket's CORS must expose ETag, x-oss-request-id and x-oss-hash-crc64ecma`,
    { retryable: true, status },
  );
}

/** Throws NOT_OSS_RESPONSE unless `headers` (lower-cased) carry each of `names`. */
export function requireOssHeaders(what, answer, names = ['etag', 'x-oss-request-id']) {
  const headers = answer.headers || {};
  if (names.some((name) => !headers[name])) throw notOssResponse(what, answer.status);
  return answer;
}
