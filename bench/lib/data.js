// The benchmark inputs, identical in Node, Chromium and the native binary (bench/native).

export const MiB = 1024 * 1024;
export const HASH_TOTAL = 64 * MiB;
export const HASH_CHUNK = MiB;

/**
 * `length` bytes of xorshift32 from a fixed seed (low byte of each step): incompressible,
 * reproducible, the same sequence as `test_bytes` in bench/native/src/main.rs.
 */
export function testBytes(length) {
  const out = new Uint8Array(length);
  let s = 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    s = (s ^ (s << 13)) >>> 0;
    s = (s ^ (s >>> 17)) >>> 0;
    s = (s ^ (s << 5)) >>> 0;
    out[i] = s & 0xff;
  }
  return out;
}

/** The 64 MiB as 1 MiB chunks, each on its own ArrayBuffer (spark-md5 takes ArrayBuffers). */
export function hashChunks() {
  const all = testBytes(HASH_TOTAL);
  const chunks = [];
  for (let start = 0; start < all.length; start += HASH_CHUNK) chunks.push(all.slice(start, start + HASH_CHUNK));
  return chunks;
}

// A typical V4 PostObject policy (what buildPostForm writes for one key), base64.
const POLICY_V4_JSON = JSON.stringify({
  expiration: '2023-12-03T13:12:12.000Z',
  conditions: [
    { bucket: 'examplebucket' },
    { key: 'users/42/2023/12/03/1701605532000-9f2c4e1a7b3d5c60.jpg' },
    ['content-length-range', 1, 20971520],
    { 'Content-Type': 'image/jpeg' },
    { success_action_status: '200' },
    { 'x-oss-forbid-overwrite': 'true' },
    { 'x-oss-signature-version': 'OSS4-HMAC-SHA256' },
    { 'x-oss-credential': 'FAKE_BENCH_ACCESS_KEY_ID/20231203/cn-hangzhou/oss/aliyun_v4_request' },
    { 'x-oss-date': '20231203T121212Z' },
  ],
});
const POLICY_V1_JSON = JSON.stringify({
  expiration: '2023-12-03T13:12:12.000Z',
  conditions: [
    { bucket: 'examplebucket' },
    { key: 'users/42/2023/12/03/1701605532000-9f2c4e1a7b3d5c60.jpg' },
    ['content-length-range', 1, 20971520],
    { 'Content-Type': 'image/jpeg' },
    { success_action_status: '200' },
    { 'x-oss-forbid-overwrite': 'true' },
  ],
});

function base64Ascii(text) {
  return btoa(text); // the policies above are ASCII
}

const SECRET = 'BenchAccessKeySecret0123456789ab'; // 30 characters, like a real AccessKey secret

/**
 * A PostObject form as an STS-mode page builds one (ossup/post's cold start signs it; the
 * expected signature comes from the full core in Node).
 */
export const POST_FORM_INPUT = {
  accessKeyId: 'STS.NTbenchAccessKeyId',
  accessKeySecret: SECRET,
  securityToken: `CAIS${'a1B2c3D4e5F6g7H8'.repeat(20)}GoAB`,
  region: 'cn-hangzhou',
  bucket: 'examplebucket',
  key: 'users/42/2023/12/03/1701605532123-abababababababab.jpg',
  contentType: 'image/jpeg',
  contentLengthRange: [1, 10485760],
  now: 1701605532123,
};

/** The fixed inputs, as our API takes them (the contenders read the same objects). */
export const SIGNING_INPUTS = {
  v1: { accessKeySecret: SECRET, policy: base64Ascii(POLICY_V1_JSON) },
  v4: { accessKeySecret: SECRET, region: 'cn-hangzhou', date: '20231203', policy: base64Ascii(POLICY_V4_JSON) },
  // An UploadPart as the uploader signs it: STS token, a key needing percent-encoding, a query,
  // one additional header.
  v4Header: {
    accessKeyId: 'STS.NTbenchAccessKeyId',
    accessKeySecret: SECRET,
    region: 'cn-hangzhou',
    method: 'PUT',
    bucket: 'examplebucket',
    key: 'users/42/2023/12/03/holiday photo (1).jpg',
    headers: {
      'Content-Type': 'image/jpeg',
      'Content-Disposition': 'attachment',
      'x-oss-date': '20231203T121212Z',
      'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
      'x-oss-security-token': `CAIS${'a1B2c3D4e5F6g7H8'.repeat(20)}GoAB`,
    },
    query: { partNumber: '3', uploadId: '0004B9895DBBB6EC98E36F1D2B5A7C31' },
    additionalHeaders: ['content-disposition'],
  },
};
