// Header-signed requests (multipart calls, HEAD): the headers to send, Authorization included.
// An app server implementing the uploader's `signRequest` option can call this too.
import { OssupError } from './errors.js';
import { formatDates, signRequestV1, signRequestV4 } from './core.js';

/**
 * `signHeaders({ accessKeyId, accessKeySecret, securityToken?, region, bucket, method, key,
 * query?, headers?, version? = 'v4', now? })` → the request headers plus `x-oss-date`,
 * `x-oss-content-sha256` (V4), `x-oss-security-token` (STS) and `authorization`.
 */
/** Whether this build signs request headers (post/unavailable.js: ossup/post does not). */
export const HEADER_SIGNING = true;

export function signHeaders(options) {
  if (!options || typeof options !== 'object')
    throw new OssupError('INVALID_OPTION', 'signHeaders expects an options object');
  const {
    accessKeyId,
    accessKeySecret,
    securityToken,
    region,
    bucket,
    method,
    key,
    query,
    version = 'v4',
    now,
  } = options;
  const headers = { ...(options.headers || {}) };
  const dates = formatDates(now);
  if (version === 'v1') {
    headers['x-oss-date'] = dates.http;
  } else if (version === 'v4') {
    headers['x-oss-date'] = dates.dateTime;
    headers['x-oss-content-sha256'] = 'UNSIGNED-PAYLOAD';
  } else {
    throw new OssupError('INVALID_OPTION', '`version` must be "v4" (default) or "v1"');
  }
  if (securityToken) headers['x-oss-security-token'] = securityToken;
  const request = { accessKeyId, accessKeySecret, method, bucket, key, headers, query: query || {} };
  headers.authorization = version === 'v1' ? signRequestV1(request) : signRequestV4({ ...request, region });
  return headers;
}

/** `?uploads`, `?partNumber=1&uploadId=…`: value-less parameters stay bare. */
export function queryString(query) {
  const names = Object.keys(query || {});
  if (!names.length) return '';
  return `?${names
    .map((n) =>
      query[n] === null || query[n] === undefined || query[n] === ''
        ? encodeURIComponent(n)
        : `${encodeURIComponent(n)}=${encodeURIComponent(query[n])}`,
    )
    .join('&')}`;
}
