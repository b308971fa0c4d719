// ApsaraVideo VOD upload credentials (DESIGN-NOTES): `CreateUploadVideo` / `CreateUploadImage`
// return a base64 JSON `UploadAddress` (Endpoint, Bucket, FileName) and `UploadAuth`
// (AccessKeyId, AccessKeySecret, SecurityToken, Region, Expiration in seconds, ExpireUTCTime).
// One address/credential pair serves one file; `RefreshUploadVideo` renews the auth.
import { OssupError } from './errors.js';
import { decode as utf8Decode } from './utf8.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Strict standard base64 → bytes; null when the text is not base64 (no atob in mini programs). */
export function base64Bytes(text) {
  const clean = String(text).replace(/\s+/g, '');
  if (!clean || clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return null;
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((clean.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    const n =
      (ALPHABET.indexOf(clean[i]) << 18) |
      (ALPHABET.indexOf(clean[i + 1]) << 12) |
      ((clean[i + 2] === '=' ? 0 : ALPHABET.indexOf(clean[i + 2])) << 6) |
      (clean[i + 3] === '=' ? 0 : ALPHABET.indexOf(clean[i + 3]));
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

// VOD's UploadAddress and UploadAuth are a few KB; decoding megabytes would only take seconds.
const MAX_VOD_TEXT = 64 * 1024;

function decodeJson(what, code, text) {
  if (typeof text !== 'string' || !text)
    throw new OssupError(code, `${what} is missing: pass the base64 string VOD returned`);
  if (text.length > MAX_VOD_TEXT) {
    throw new OssupError(
      code,
      `${what} is ${text.length} characters long: VOD returns a few KB; pass ${what} as it came`,
    );
  }
  const bytes = base64Bytes(text);
  if (!bytes)
    throw new OssupError(code, `${what} is not base64: pass ${what} exactly as CreateUploadVideo returned it`);
  try {
    const value = JSON.parse(utf8Decode(bytes));
    if (value && typeof value === 'object') return value;
  } catch {
    // fall through
  }
  throw new OssupError(code, `${what} is base64 but not JSON: was it cut or double-encoded?`);
}

function need(what, code, value, fields) {
  for (const field of fields) {
    if (typeof value[field] !== 'string' || !value[field]) {
      throw new OssupError(
        code,
        `${what} has no ${field}: it should come from CreateUploadVideo/CreateUploadImage unchanged`,
      );
    }
  }
}

/** `UploadAddress` → `{ endpoint, bucket, key }`. */
export function decodeUploadAddress(uploadAddress) {
  const value = decodeJson('UploadAddress', 'VOD_INVALID_UPLOAD_ADDRESS', uploadAddress);
  need('UploadAddress', 'VOD_INVALID_UPLOAD_ADDRESS', value, ['Endpoint', 'Bucket', 'FileName']);
  return { endpoint: value.Endpoint, bucket: value.Bucket, key: value.FileName };
}

/**
 * `UploadAuth` → STS credentials `{ accessKeyId, accessKeySecret, securityToken, region,
 * expiration }`. `Expiration` is a duration in seconds, not a date; `ExpireUTCTime` is the
 * real expiry (DESIGN-NOTES).
 */
export function decodeUploadAuth(uploadAuth, now = Date.now()) {
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new OssupError('INVALID_OPTION', 'decodeUploadAuth: `now` must be milliseconds since 1970 (a number)');
  }
  const value = decodeJson('UploadAuth', 'VOD_INVALID_UPLOAD_AUTH', uploadAuth);
  need('UploadAuth', 'VOD_INVALID_UPLOAD_AUTH', value, ['AccessKeyId', 'AccessKeySecret', 'SecurityToken']);
  let expiresAt = value.ExpireUTCTime ? Date.parse(value.ExpireUTCTime) : NaN;
  if (!Number.isFinite(expiresAt) && /^\d+$/.test(String(value.Expiration || '')))
    expiresAt = now + Number(value.Expiration) * 1000;
  if (!Number.isFinite(expiresAt)) {
    throw new OssupError('VOD_INVALID_UPLOAD_AUTH', 'UploadAuth has neither ExpireUTCTime nor Expiration (seconds)');
  }
  if (expiresAt <= now) {
    throw new OssupError(
      'VOD_UPLOAD_AUTH_EXPIRED',
      `UploadAuth expired at ${new Date(expiresAt).toISOString()}: refresh it with RefreshUploadVideo`,
    );
  }
  return {
    accessKeyId: value.AccessKeyId,
    accessKeySecret: value.AccessKeySecret,
    securityToken: value.SecurityToken,
    region: value.Region,
    expiration: new Date(expiresAt).toISOString(),
  };
}

/**
 * The destination of one file in VOD mode: calls `vodCredentials(file)`, decodes and checks
 * the answer, and refreshes through `refreshVodCredentials({ videoId, file })`.
 * `makeCredentials(getter)` builds the uploader's STS credential source from a getter.
 */
export async function vodDestination(options, file, makeCredentials, now) {
  let answer;
  try {
    answer = await options.vodCredentials(file);
  } catch (error) {
    throw new OssupError('CREDENTIALS_FAILED', `vodCredentials failed: ${error && error.message}`, {
      cause: error,
      retryable: true,
    });
  }
  if (!answer || typeof answer !== 'object') {
    throw new OssupError(
      'VOD_INVALID_UPLOAD_AUTH',
      'vodCredentials must resolve to { uploadAddress, uploadAuth, videoId }',
    );
  }
  const address = decodeUploadAddress(answer.uploadAddress || answer.UploadAddress);
  let auth = decodeUploadAuth(answer.uploadAuth || answer.UploadAuth, now());
  const videoId = answer.videoId || answer.VideoId || answer.imageId || answer.ImageId;
  let first = true;
  const credentials = makeCredentials(async () => {
    if (first) {
      first = false;
      return auth;
    }
    if (typeof options.refreshVodCredentials !== 'function') {
      throw new OssupError(
        'VOD_UPLOAD_AUTH_EXPIRED',
        'the UploadAuth expired and no `refreshVodCredentials` was given: call RefreshUploadVideo on your server',
      );
    }
    const fresh = await options.refreshVodCredentials({ videoId, file });
    auth = decodeUploadAuth(fresh && typeof fresh === 'object' ? fresh.uploadAuth || fresh.UploadAuth : fresh, now());
    return auth;
  });
  return { ...address, region: auth.region || options.region, credentials, videoId };
}
