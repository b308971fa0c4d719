// Shared helpers for the bucket server tests. Requests are built independently of the server:
// ali-oss signs (calculatePostSignature, signPostObjectPolicyV4, signUtils), node:crypto checks,
// and everything travels over real HTTP with Node's fetch and FormData.

import OSS from 'ali-oss';
import signUtils from 'ali-oss/lib/common/signUtils.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBucketServer } from '../../www/server/bucket.mjs';

export { loadVectors } from './test-data.mjs';

export const ACCESS_KEY_ID = 'OSSUP_FAKE_ACCESS_KEY_ID';
export const ACCESS_KEY_SECRET = 'ossup-fake-access-key-secret-local-only';
export const BUCKET = 'ossup-local';
export const REGION = 'cn-hangzhou';

/** A server on port 0 in a fresh temp dir, closed and removed after the test `t`. */
export async function startTestServer(t, options = {}) {
  const root = await mkdtemp(path.join(tmpdir(), 'ossup-bucket-test-'));
  const server = await startBucketServer({ root, ...options });
  t.after(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });
  return server;
}

/** An ali-oss client used only for its signing helpers (no network). */
export function aliClient({
  accessKeyId = ACCESS_KEY_ID,
  accessKeySecret = ACCESS_KEY_SECRET,
  stsToken,
  region = `oss-${REGION}`,
} = {}) {
  return new OSS({ accessKeyId, accessKeySecret, stsToken, region, bucket: BUCKET });
}

/** An ali-oss client that really talks to the local server (path-style via cname). */
export function aliHttpClient(
  server,
  { accessKeyId = ACCESS_KEY_ID, accessKeySecret = ACCESS_KEY_SECRET, stsToken, v4 = false } = {},
) {
  return new OSS({
    accessKeyId,
    accessKeySecret,
    stsToken,
    bucket: server.bucket,
    endpoint: server.url,
    cname: true,
    secure: false,
    region: `oss-${server.region}`,
    authorizationV4: v4,
  });
}

export function inMinutes(minutes, from = Date.now()) {
  return new Date(from + minutes * 60_000).toISOString();
}

/** yyyymmddTHHMMSSZ (oss-spec §1c). */
export function v4Date(ms = Date.now()) {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Append fields in order, then the file last (unless `fileLast: false`). */
export function buildForm(
  fields,
  { file = Buffer.from('hello'), fileName = 'hello.txt', fileType = 'text/plain', after = [] } = {},
) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) form.append(name, value);
  if (file !== null) form.append('file', new Blob([file], { type: fileType }), fileName);
  for (const [name, value] of after) form.append(name, value);
  return form;
}

/** V1 form fields signed by ali-oss calculatePostSignature (oss-spec §1b). */
export function v1Fields({ policy, key, stsToken, accessKeyId, accessKeySecret, extra = {} }) {
  const signed = aliClient({ accessKeyId, accessKeySecret, stsToken }).calculatePostSignature(policy);
  return {
    key,
    OSSAccessKeyId: signed.OSSAccessKeyId,
    policy: signed.policy,
    Signature: signed.Signature,
    ...(stsToken ? { 'x-oss-security-token': stsToken } : {}),
    ...extra,
  };
}

/**
 * V4 form fields (oss-spec §1c): the policy gets the pinned x-oss-* conditions appended,
 * ali-oss signPostObjectPolicyV4 signs it.
 */
export function v4Fields({
  conditions = [],
  expiration = inMinutes(10),
  key,
  date = new Date(),
  stsToken,
  accessKeyId = ACCESS_KEY_ID,
  accessKeySecret = ACCESS_KEY_SECRET,
  region = REGION,
  credential,
  extra = {},
  pin = true,
}) {
  const xOssDate = v4Date(date.getTime());
  const xOssCredential = credential ?? `${accessKeyId}/${xOssDate.slice(0, 8)}/${region}/oss/aliyun_v4_request`;
  const pinned = pin
    ? [
        { 'x-oss-signature-version': 'OSS4-HMAC-SHA256' },
        { 'x-oss-credential': xOssCredential },
        { 'x-oss-date': xOssDate },
        ...(stsToken ? [{ 'x-oss-security-token': stsToken }] : []),
      ]
    : [];
  const policy = { expiration, conditions: [...conditions, ...pinned] };
  const client = aliClient({ accessKeyId, accessKeySecret, stsToken, region: `oss-${region}` });
  const signature = client.signPostObjectPolicyV4(policy, date);
  return {
    key,
    policy: Buffer.from(JSON.stringify(policy), 'utf8').toString('base64'),
    'x-oss-signature-version': 'OSS4-HMAC-SHA256',
    'x-oss-credential': xOssCredential,
    'x-oss-date': xOssDate,
    'x-oss-signature': signature,
    ...(stsToken ? { 'x-oss-security-token': stsToken } : {}),
    ...extra,
  };
}

export function post(server, body, headers = {}) {
  return fetch(`${server.url}/`, { method: 'POST', body, headers });
}

/** Code, EC and friends from an OSS error response. */
export async function readError(response) {
  const xml = await response.text();
  const get = (name) => new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml)?.[1];
  return {
    status: response.status,
    code: get('Code'),
    message: get('Message'),
    ec: get('EC'),
    ecHeader: response.headers.get('x-oss-ec'),
    requestId: get('RequestId'),
    stringToSign: get('StringToSign'),
    xml,
  };
}

/** Assert an OSS error: status, Code, EC (body and header agree). */
export async function expectError(assert, response, { status, code, ec }) {
  const error = await readError(response);
  assert.equal(error.status, status, `status (${error.code}: ${error.message})`);
  assert.equal(error.code, code, `Code (${error.message})`);
  if (ec !== undefined) assert.equal(error.ec, ec, `EC (${error.message})`);
  assert.equal(error.ecHeader, error.ec, 'x-oss-ec header equals <EC>');
  assert.equal(response.headers.get('content-type'), 'application/xml');
  assert.match(response.headers.get('x-oss-request-id') ?? '', /^[0-9A-F]{24}$/);
  assert.equal(error.requestId, response.headers.get('x-oss-request-id'));
  return error;
}

export function objectUrl(server, key) {
  return `${server.url}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

export async function getObject(server, key) {
  const response = await fetch(objectUrl(server, key));
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

// ---------------------------------------------------------------- header-signed requests

const V1_SIGNED_IN_TESTS = new Set(['uploads', 'uploadId', 'partNumber']);

/** RFC 1123, sent as x-oss-date like ali-oss does in browsers (oss-spec §7.4). */
export function rfc1123(ms = Date.now()) {
  return new Date(ms).toUTCString();
}

/**
 * A header-signed multipart call, signed by ali-oss signUtils (V1: buildCanonicalString +
 * authorization; V4: authorizationV4). `query` maps names to values; null means bare.
 */
export function signedRequest(
  server,
  {
    method,
    key,
    query = {},
    headers = {},
    body,
    v4 = false,
    credentials = {},
    dateMs = Date.now(),
    additionalHeaders,
    region = server.region,
    rewriteAuthorization = (value) => value,
    dropHeaders = [],
  },
) {
  const accessKeyId = credentials.accessKeyId ?? ACCESS_KEY_ID;
  const accessKeySecret = credentials.accessKeySecret ?? ACCESS_KEY_SECRET;
  const all = { ...headers };
  if (credentials.securityToken) all['x-oss-security-token'] = credentials.securityToken;
  let authorization;
  if (v4) {
    all['x-oss-date'] ??= v4Date(dateMs);
    all['x-oss-content-sha256'] ??= 'UNSIGNED-PAYLOAD';
    authorization = signUtils.authorizationV4(
      accessKeyId,
      accessKeySecret,
      region,
      method,
      { headers: all, queries: query },
      server.bucket,
      key,
      additionalHeaders,
    );
  } else {
    all['x-oss-date'] ??= rfc1123(dateMs);
    // Like ali-oss's own calls: only sub-resources are signed in V1 (oss-spec §2); max-parts etc. are not.
    const parameters = Object.fromEntries(
      Object.entries(query)
        .filter(([name]) => V1_SIGNED_IN_TESTS.has(name))
        .map(([name, value]) => [name, value ?? '']),
    );
    const canonical = signUtils.buildCanonicalString(method, `/${server.bucket}/${key}`, { headers: all, parameters });
    authorization = signUtils.authorization(accessKeyId, accessKeySecret, canonical);
  }
  const search = Object.entries(query)
    .map(([name, value]) =>
      value === null || value === ''
        ? encodeURIComponent(name)
        : `${encodeURIComponent(name)}=${encodeURIComponent(value)}`,
    )
    .join('&');
  for (const name of dropHeaders) delete all[name]; // signed, then not sent
  return fetch(`${objectUrl(server, key)}${search ? `?${search}` : ''}`, {
    method,
    headers: { ...all, authorization: rewriteAuthorization(authorization) },
    body,
  });
}

/** Initiate → parts → Complete with signed requests; returns { uploadId, parts, complete }. */
export async function multipartUpload(server, key, chunks, { v4 = false, credentials, initiateHeaders = {} } = {}) {
  const init = await signedRequest(server, {
    method: 'POST',
    key,
    query: { uploads: null },
    headers: { 'content-type': 'application/octet-stream', ...initiateHeaders },
    v4,
    credentials,
  });
  const initText = await init.text();
  if (init.status !== 200) throw new Error(`initiate failed: ${init.status} ${initText}`);
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(initText)[1];
  const parts = [];
  for (const [index, chunk] of chunks.entries()) {
    const response = await uploadPart(server, key, uploadId, index + 1, chunk, { v4, credentials });
    if (response.status !== 200)
      throw new Error(`part ${index + 1} failed: ${response.status} ${await response.text()}`);
    parts.push({
      partNumber: index + 1,
      etag: response.headers.get('etag'),
      crc64: response.headers.get('x-oss-hash-crc64ecma'),
    });
  }
  const complete = await completeUpload(server, key, uploadId, parts, { v4, credentials });
  return { uploadId, parts, complete };
}

export function uploadPart(server, key, uploadId, partNumber, body, { v4 = false, credentials } = {}) {
  return signedRequest(server, {
    method: 'PUT',
    key,
    query: { partNumber: String(partNumber), uploadId },
    body,
    v4,
    credentials,
  });
}

export function completeXml(parts) {
  const items = parts
    .map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${p.etag}</ETag></Part>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload>${items}</CompleteMultipartUpload>`;
}

export function completeUpload(server, key, uploadId, parts, { v4 = false, credentials, headers = {} } = {}) {
  return signedRequest(server, {
    method: 'POST',
    key,
    query: { uploadId },
    headers: { 'content-type': 'application/xml', ...headers },
    body: completeXml(parts),
    v4,
    credentials,
  });
}
