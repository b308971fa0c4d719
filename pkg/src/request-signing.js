// Header-signed requests (multipart calls, HEAD): the headers to send, Authorization included.
// An app server implementing the uploader's `signRequest` option can call this too.
import { OssupError, callerError, rememberSecrets } from './errors.js';
import { formatDates, signRequestV1, signRequestV4 } from './core.js';
import { lowerHeaders, responseError } from './responses.js';
import { objectUrl } from './files.js';

/** Whether this build signs request headers (post/unavailable.js: ossup/post does not). */
export const HEADER_SIGNING = true;

/**
 * `signHeaders({ accessKeyId, accessKeySecret, securityToken?, region, bucket, method, key,
 * query?, headers?, version? = 'v4', now? })` → the request headers plus `x-oss-date`,
 * `x-oss-content-sha256` (V4), `x-oss-security-token` (STS) and `authorization`.
 */

export function signHeaders(options) {
  if (!options || typeof options !== 'object')
    throw new OssupError('INVALID_OPTION', 'signHeaders expects an options object');
  let accessKeyId, accessKeySecret, securityToken, region, bucket, method, key, query, version, now, headers;
  try {
    ({
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
    } = options);
    headers = { ...(options.headers || {}) };
  } catch (error) {
    throw callerError('signHeaders: the options', error);
  }
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

/**
 * The uploader's header-signed requests to objects (multipart calls, the HEAD after a lost
 * response): `request(entry, { method, key, query, headers, body, bodyBlob, onProgress })`,
 * signed with the destination's credentials (or by `options.signRequest` in server-signed
 * mode), sent through `transport` in the slot of the file that asks. OSS errors throw.
 */
export function createSignedRequests({ options, transport, timeout }) {
  async function requestHeaders(dest, method, key, query, headers) {
    const credentials = dest.credentials;
    if (credentials.mode === 'signForm') {
      if (!dest.canSignRequests)
        throw new OssupError('MISSING_OPTION', 'header-signed requests need `signRequest` in server-signed mode');
      const extra = await options.signRequest({
        method,
        bucket: dest.bucket,
        region: dest.region,
        key,
        query,
        headers: { ...headers },
      });
      const signed = { ...headers, ...lowerHeaders(extra) };
      rememberSecrets(signed['x-oss-security-token']);
      return { headers: signed, used: null };
    }
    const c = await credentials.signingCredentials();
    const signed = signHeaders({
      version: options.signatureVersion,
      accessKeyId: c.accessKeyId,
      accessKeySecret: c.accessKeySecret,
      securityToken: c.securityToken,
      region: dest.region,
      bucket: dest.bucket,
      method,
      key,
      query,
      headers,
    });
    return { headers: signed, used: c };
  }

  /** One signed request to an object (`entry.aborts` lets cancel/pause stop it). OSS errors throw. */
  async function request(
    entry,
    { method, key, query, headers: given = {}, body, bodyBlob, onProgress },
    { ignoreCancel = false } = {},
  ) {
    // Always send (and sign) a Content-Type: wx/tt.request add `application/json` to a request
    // without one, and an unsigned Content-Type breaks the signature (DESIGN-NOTES).
    const headers = { 'content-type': 'application/octet-stream', ...given };
    const dest = entry.dest;
    if (!dest.baseUrl)
      throw new OssupError(
        'MISSING_OPTION',
        '`bucket` and `region` (or `endpoint`) are needed for header-signed requests',
      );
    {
      const signed = await requestHeaders(dest, method, key, query, headers);
      // A file canceled or failed while this request waited for a slot: it must not start.
      if (!ignoreCancel && (entry.canceled || entry.halted))
        throw new OssupError('ABORTED', 'the upload was canceled or has failed');
      entry.usedCredentials = signed.used;
      const sent = transport.request({
        method,
        url: objectUrl(dest.baseUrl, key) + queryString(query),
        headers: signed.headers,
        body,
        bodyBlob,
        timeout,
        onProgress,
      });
      entry.aborts.add(sent.abort);
      try {
        const answer = await sent.promise;
        answer.headers = lowerHeaders(answer.headers);
        if (answer.status < 200 || answer.status >= 300)
          throw responseError(answer.status, answer.body, answer.headers);
        return answer;
      } finally {
        entry.aborts.delete(sent.abort);
      }
    }
  }
  return request;
}
