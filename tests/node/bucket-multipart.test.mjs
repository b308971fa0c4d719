// Header-signed multipart upload against the local bucket server (oss-spec §2, §3 "Multipart
// calls"): requests signed by ali-oss signUtils, plus ali-oss's own client end to end.

import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import test from 'node:test';
import { crc64, crc64Header } from '../../www/server/crc64.mjs';
import {
  ACCESS_KEY_ID,
  ACCESS_KEY_SECRET,
  aliHttpClient,
  completeUpload,
  expectError,
  getObject,
  multipartUpload,
  objectUrl,
  signedRequest,
  startTestServer,
  uploadPart,
  v4Date,
} from './bucket-helpers.mjs';

const KB = 1024;
const md5 = (bytes) => createHash('md5').update(bytes).digest();

/** OSS-style multipart ETag: MD5 of the binary part MD5s, "-<count>". */
function multipartEtag(chunks) {
  const joined = Buffer.concat(chunks.map(md5));
  return `"${createHash('md5').update(joined).digest('hex').toUpperCase()}-${chunks.length}"`;
}

async function initiate(server, key, options = {}) {
  const response = await signedRequest(server, {
    method: 'POST',
    key,
    query: { uploads: null },
    headers: { 'content-type': 'application/octet-stream' },
    ...options,
  });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return /<UploadId>([^<]+)<\/UploadId>/.exec(text)[1];
}

for (const v4 of [false, true]) {
  test(`multipart happy path, ${v4 ? 'V4' : 'V1'} (ali-oss signUtils): ETag, part and whole-object CRC-64, stored bytes`, async (t) => {
    const server = await startTestServer(t);
    const key = `videos/上传 a+b 🎬 ${v4 ? 'v4' : 'v1'}.mp4`;
    const chunks = [randomBytes(100 * KB), randomBytes(150 * KB), randomBytes(37 * KB + 3)];
    const { parts, complete } = await multipartUpload(server, key, chunks, {
      v4,
      initiateHeaders: { 'content-type': 'video/mp4', 'x-oss-meta-camera': 'front', 'cache-control': 'no-cache' },
    });
    parts.forEach((part, i) => {
      assert.equal(part.etag, `"${md5(chunks[i]).toString('hex').toUpperCase()}"`);
      assert.equal(part.crc64, crc64Header(crc64(chunks[i])));
    });
    const text = await complete.text();
    assert.equal(complete.status, 200, text);
    const whole = Buffer.concat(chunks);
    assert.equal(
      complete.headers.get('x-oss-hash-crc64ecma'),
      crc64Header(crc64(whole)),
      'whole-object CRC = CRC of the concatenation',
    );
    assert.match(
      text,
      /<CompleteMultipartUploadResult><Location>http:\/\/127\.0\.0\.1:\d+\/videos\/.+<\/Location><Bucket>ossup-local<\/Bucket><Key>videos\/上传 a\+b 🎬 v[14]\.mp4<\/Key><ETag>"[0-9A-F]{32}-3"<\/ETag><\/CompleteMultipartUploadResult>/,
    );
    assert.ok(text.includes(`<ETag>${multipartEtag(chunks)}</ETag>`));

    const { response, body } = await getObject(server, key);
    assert.ok(body.equals(whole));
    assert.equal(response.headers.get('etag'), multipartEtag(chunks));
    assert.equal(response.headers.get('x-oss-hash-crc64ecma'), crc64Header(crc64(whole)));
    assert.equal(response.headers.get('content-type'), 'video/mp4');
    assert.equal(response.headers.get('x-oss-meta-camera'), 'front');
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.equal(response.headers.get('x-oss-object-type'), 'Multipart');
    const ops = server.requests.map((entry) => `${entry.op}:${entry.status}`);
    assert.deepEqual(ops.slice(0, 5), [
      'InitiateMultipartUpload:200',
      'UploadPart:200',
      'UploadPart:200',
      'UploadPart:200',
      'CompleteMultipartUpload:200',
    ]);
  });
}

test('multipart with STS credentials, V1 and V4 (token in x-oss-security-token)', async (t) => {
  const server = await startTestServer(t);
  const credentials = server.issueSts({ ttlSeconds: 900 });
  for (const v4 of [false, true]) {
    const { complete } = await multipartUpload(server, `sts/${v4}.bin`, [randomBytes(100 * KB), randomBytes(5)], {
      v4,
      credentials,
    });
    assert.equal(complete.status, 200, await complete.text());
  }
});

test('storage class, tags, SSE and ACL given at Initiate are applied to the completed object', async (t) => {
  const server = await startTestServer(t);
  const state = {
    'x-oss-storage-class': 'IA',
    'x-oss-tagging': 'team=app&kind=video',
    'x-oss-server-side-encryption': 'AES256',
    'x-oss-object-acl': 'private',
  };
  const { complete } = await multipartUpload(server, 'state/video.mp4', [randomBytes(100 * KB), randomBytes(7)], {
    initiateHeaders: state,
  });
  assert.equal(complete.status, 200, await complete.text());
  assert.equal(complete.headers.get('x-oss-server-side-encryption'), 'AES256');
  const head = await signedRequest(server, { method: 'HEAD', key: 'state/video.mp4' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('x-oss-storage-class'), 'IA');
  assert.equal(head.headers.get('x-oss-tagging-count'), '2');
  assert.equal(head.headers.get('x-oss-server-side-encryption'), 'AES256');
  assert.equal((await fetch(objectUrl(server, 'state/video.mp4'))).status, 403, 'private: no anonymous read');
  // A value OSS refuses is refused at Initiate, before any part.
  const bad = await signedRequest(server, {
    method: 'POST',
    key: 'state/bad.mp4',
    query: { uploads: null },
    headers: { 'x-oss-storage-class': 'Warm' },
  });
  assert.equal(bad.status, 400);
});

test('V4 AdditionalHeaders are signed and verified', async (t) => {
  const server = await startTestServer(t);
  const headers = { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="x.bin"' };
  const ok = await signedRequest(server, {
    method: 'POST',
    key: 'ah.bin',
    query: { uploads: null },
    headers,
    v4: true,
    additionalHeaders: ['content-disposition'],
  });
  assert.equal(ok.status, 200, await ok.text());
  const tampered = await signedRequest(server, {
    method: 'POST',
    key: 'ah.bin',
    query: { uploads: null },
    headers,
    v4: true,
    additionalHeaders: ['content-disposition'],
    rewriteAuthorization: (value) => value.replace('AdditionalHeaders=content-disposition,', ''),
  });
  await expectError(assert, tampered, { status: 403, code: 'SignatureDoesNotMatch', ec: '0002-00000201' });
  const empty = await signedRequest(server, {
    method: 'POST',
    key: 'ah.bin',
    query: { uploads: null },
    headers,
    v4: true,
    additionalHeaders: ['content-disposition'],
    rewriteAuthorization: (value) =>
      value.replace('AdditionalHeaders=content-disposition', 'AdditionalHeaders=content-disposition;'),
  });
  await expectError(assert, empty, { status: 400, code: 'InvalidArgument', ec: '0002-00000210' });
});

test('V1 signed by hand with node:crypto, using the Date header (no x-oss-date)', async (t) => {
  const server = await startTestServer(t);
  const date = new Date().toUTCString();
  const stringToSign = `POST\n\napplication/octet-stream\n${date}\n/${server.bucket}/hand made/上传.bin?uploads`;
  const signature = createHmac('sha1', ACCESS_KEY_SECRET).update(stringToSign, 'utf8').digest('base64');
  const response = await fetch(`${server.url}/hand%20made/%E4%B8%8A%E4%BC%A0.bin?uploads`, {
    method: 'POST',
    headers: { date, 'content-type': 'application/octet-stream', authorization: `OSS ${ACCESS_KEY_ID}:${signature}` },
  });
  assert.equal(response.status, 200, await response.text());
});

test('V4 Authorization with ", " separators (oss2 style) is accepted', async (t) => {
  const server = await startTestServer(t);
  const response = await signedRequest(server, {
    method: 'POST',
    key: 'spaced',
    query: { uploads: null },
    v4: true,
    rewriteAuthorization: (value) => value.replaceAll(',', ', '),
  });
  assert.equal(response.status, 200, await response.text());
});

for (const v4 of [false, true]) {
  test(`ali-oss client multipartUpload end to end, ${v4 ? 'V4' : 'V1'}, permanent and STS keys`, async (t) => {
    const server = await startTestServer(t);
    const sts = server.issueSts();
    const clients = [
      aliHttpClient(server, { v4 }),
      aliHttpClient(server, {
        v4,
        accessKeyId: sts.accessKeyId,
        accessKeySecret: sts.accessKeySecret,
        stsToken: sts.securityToken,
      }),
    ];
    for (const [i, client] of clients.entries()) {
      const key = `ali/${i} 上传+🐱.bin`;
      const data = randomBytes(260 * KB + 11);
      const result = await client.multipartUpload(key, data, { partSize: 100 * KB });
      assert.equal(result.res.status, 200);
      const { body, response } = await getObject(server, key);
      assert.ok(body.equals(data));
      assert.equal(response.headers.get('x-oss-hash-crc64ecma'), crc64Header(crc64(data)));
      const head = await client.head(key);
      assert.equal(head.res.headers['content-length'], String(data.length));
    }
  });
}

// ---------------------------------------------------------------- rejections

test('rejects: a part below 100 KB that is not the last → 400 EntityTooSmall', async (t) => {
  const server = await startTestServer(t);
  const key = 'small.bin';
  const uploadId = await initiate(server, key);
  const parts = [];
  for (const [i, size] of [100 * KB - 1, 10].entries()) {
    const response = await uploadPart(server, key, uploadId, i + 1, randomBytes(size));
    parts.push({ partNumber: i + 1, etag: response.headers.get('etag') });
  }
  await expectError(assert, await completeUpload(server, key, uploadId, parts), {
    status: 400,
    code: 'EntityTooSmall',
  });
  // a single small part is fine: it is the last one
  const single = await completeUpload(server, key, uploadId, parts.slice(1));
  assert.equal(single.status, 200, await single.text());
});

test('rejects: unknown or foreign upload ids → 404 NoSuchUpload on every call', async (t) => {
  const server = await startTestServer(t);
  const bogus = 'F'.repeat(32);
  await expectError(assert, await uploadPart(server, 'k', bogus, 1, Buffer.from('x')), {
    status: 404,
    code: 'NoSuchUpload',
  });
  await expectError(assert, await completeUpload(server, 'k', bogus, [{ partNumber: 1, etag: '"X"' }]), {
    status: 404,
    code: 'NoSuchUpload',
  });
  await expectError(assert, await signedRequest(server, { method: 'DELETE', key: 'k', query: { uploadId: bogus } }), {
    status: 404,
    code: 'NoSuchUpload',
  });
  await expectError(
    assert,
    await signedRequest(server, { method: 'GET', key: 'k', query: { uploadId: '../../etc' } }),
    { status: 404, code: 'NoSuchUpload' },
  );
  const uploadId = await initiate(server, 'mine');
  await expectError(assert, await uploadPart(server, 'theirs', uploadId, 1, Buffer.from('x')), {
    status: 404,
    code: 'NoSuchUpload',
  });
});

test('rejects: wrong ETag, missing part, descending order, bad XML in Complete', async (t) => {
  const server = await startTestServer(t);
  const key = 'complete.bin';
  const uploadId = await initiate(server, key);
  const parts = [];
  for (const n of [1, 2]) {
    const response = await uploadPart(server, key, uploadId, n, randomBytes(100 * KB));
    parts.push({ partNumber: n, etag: response.headers.get('etag') });
  }
  await expectError(
    assert,
    await completeUpload(server, key, uploadId, [parts[0], { partNumber: 2, etag: `"${'0'.repeat(32)}"` }]),
    { status: 400, code: 'InvalidPart' },
  );
  await expectError(
    assert,
    await completeUpload(server, key, uploadId, [...parts, { partNumber: 3, etag: parts[0].etag }]),
    { status: 400, code: 'InvalidPart' },
  );
  await expectError(assert, await completeUpload(server, key, uploadId, [parts[1], parts[0]]), {
    status: 400,
    code: 'InvalidPartOrder',
  });
  const badXml = await signedRequest(server, {
    method: 'POST',
    key,
    query: { uploadId },
    headers: { 'content-type': 'application/xml' },
    body: '<CompleteMultipartUpload><Part>',
  });
  await expectError(assert, badXml, { status: 400, code: 'MalformedXML' });
  // unquoted ETags and lowercase hex are the same ETag
  const relaxed = parts.map((p) => ({ ...p, etag: p.etag.replace(/"/g, '').toLowerCase() }));
  assert.equal((await completeUpload(server, key, uploadId, relaxed)).status, 200);
});

test('rejects: part numbers outside 1..10000 → 400 InvalidArgument', async (t) => {
  const server = await startTestServer(t);
  const uploadId = await initiate(server, 'pn');
  for (const n of [0, 10001]) {
    await expectError(assert, await uploadPart(server, 'pn', uploadId, n, Buffer.from('x')), {
      status: 400,
      code: 'InvalidArgument',
    });
  }
  assert.equal((await uploadPart(server, 'pn', uploadId, 10000, Buffer.from('x'))).status, 200);
});

test('rejects: Content-MD5 that does not match the part → 400 InvalidDigest', async (t) => {
  const server = await startTestServer(t);
  const uploadId = await initiate(server, 'md5');
  const body = Buffer.from('payload');
  const wrong = md5(Buffer.from('other')).toString('base64');
  const response = await signedRequest(server, {
    method: 'PUT',
    key: 'md5',
    query: { partNumber: '1', uploadId },
    headers: { 'content-md5': wrong },
    body,
  });
  await expectError(assert, response, { status: 400, code: 'InvalidDigest' });
  const right = await signedRequest(server, {
    method: 'PUT',
    key: 'md5',
    query: { partNumber: '1', uploadId },
    headers: { 'content-md5': md5(body).toString('base64') },
    body,
  });
  assert.equal(right.status, 200);
});

test('Abort → 204, then the upload is gone', async (t) => {
  const server = await startTestServer(t);
  const uploadId = await initiate(server, 'abort.bin');
  await uploadPart(server, 'abort.bin', uploadId, 1, randomBytes(10));
  const abort = await signedRequest(server, { method: 'DELETE', key: 'abort.bin', query: { uploadId }, v4: true });
  assert.equal(abort.status, 204);
  await expectError(assert, await uploadPart(server, 'abort.bin', uploadId, 2, Buffer.from('x')), {
    status: 404,
    code: 'NoSuchUpload',
  });
  await expectError(assert, await signedRequest(server, { method: 'GET', key: 'abort.bin', query: { uploadId } }), {
    status: 404,
    code: 'NoSuchUpload',
  });
});

test('ListParts lists PartNumber, ETag, Size, LastModified; max-parts pages', async (t) => {
  const server = await startTestServer(t);
  const uploadId = await initiate(server, 'list.bin');
  const sizes = [120, 5, 77];
  for (const [i, size] of sizes.entries())
    await uploadPart(server, 'list.bin', uploadId, [3, 1, 2][i], randomBytes(size));
  const response = await signedRequest(server, { method: 'GET', key: 'list.bin', query: { uploadId } });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  const listed = [
    ...text.matchAll(
      /<Part><PartNumber>(\d+)<\/PartNumber><LastModified>([^<]+)<\/LastModified><ETag>("[0-9A-F]{32}")<\/ETag><HashCrc64ecma>\d+<\/HashCrc64ecma><Size>(\d+)<\/Size><\/Part>/g,
    ),
  ];
  assert.deepEqual(
    listed.map((m) => [Number(m[1]), Number(m[4])]),
    [
      [1, 5],
      [2, 77],
      [3, 120],
    ],
  );
  assert.ok(listed.every((m) => !Number.isNaN(Date.parse(m[2]))));
  const page = await (
    await signedRequest(server, { method: 'GET', key: 'list.bin', query: { uploadId, 'max-parts': '2' } })
  ).text();
  assert.match(
    page,
    /<NextPartNumberMarker>2<\/NextPartNumberMarker><MaxParts>2<\/MaxParts><IsTruncated>true<\/IsTruncated>/,
  );
  const rest = await (
    await signedRequest(server, { method: 'GET', key: 'list.bin', query: { uploadId, 'part-number-marker': '2' } })
  ).text();
  assert.deepEqual(
    [...rest.matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => m[1]),
    ['3'],
  );
});

test('x-oss-complete-all: yes completes every uploaded part without a body', async (t) => {
  const server = await startTestServer(t);
  const uploadId = await initiate(server, 'all.bin');
  const chunks = [randomBytes(100 * KB), randomBytes(9)];
  for (const [i, chunk] of chunks.entries()) await uploadPart(server, 'all.bin', uploadId, i + 1, chunk);
  const response = await signedRequest(server, {
    method: 'POST',
    key: 'all.bin',
    query: { uploadId },
    headers: { 'x-oss-complete-all': 'yes' },
  });
  assert.equal(response.status, 200, await response.text());
  assert.ok((await getObject(server, 'all.bin')).body.equals(Buffer.concat(chunks)));
});

test('rejects: Complete with x-oss-forbid-overwrite over an existing object → 409, object and upload kept', async (t) => {
  const server = await startTestServer(t);
  const key = 'exists.bin';
  const first = await multipartUpload(server, key, [Buffer.from('original')]);
  assert.equal(first.complete.status, 200);
  const uploadId = await initiate(server, key);
  const part = await uploadPart(server, key, uploadId, 1, Buffer.from('replacement'));
  const parts = [{ partNumber: 1, etag: part.headers.get('etag') }];
  const refused = await completeUpload(server, key, uploadId, parts, { headers: { 'x-oss-forbid-overwrite': 'true' } });
  await expectError(assert, refused, { status: 409, code: 'FileAlreadyExists', ec: '0026-00000002' });
  assert.equal((await getObject(server, key)).body.toString(), 'original');
  assert.equal((await completeUpload(server, key, uploadId, parts)).status, 200, 'the upload survived the 409');
  assert.equal((await getObject(server, key)).body.toString(), 'replacement');
});

test('rejects: header signature faults — wrong secret, skew, region, missing headers, STS', async (t) => {
  const server = await startTestServer(t);
  const init = (options) =>
    signedRequest(server, { method: 'POST', key: 'auth.bin', query: { uploads: null }, ...options });
  const wrongSecret = { accessKeyId: ACCESS_KEY_ID, accessKeySecret: 'not-the-secret' };
  for (const v4 of [false, true]) {
    const error = await expectError(assert, await init({ v4, credentials: wrongSecret }), {
      status: 403,
      code: 'SignatureDoesNotMatch',
      ec: '0002-00000201',
    });
    assert.ok(error.stringToSign.length > 0, 'the server echoes its StringToSign');
    await expectError(assert, await init({ v4, dateMs: Date.now() - 16 * 60_000 }), {
      status: 403,
      code: 'RequestTimeTooSkewed',
      ec: '0002-00000504',
    });
    await expectError(assert, await init({ v4, dateMs: Date.now() + 16 * 60_000 }), {
      status: 403,
      code: 'RequestTimeTooSkewed',
      ec: '0002-00000504',
    });
    await expectError(
      assert,
      await init({ v4, credentials: { accessKeyId: 'OSSUP_FAKE_NOBODY', accessKeySecret: 'x' } }),
      { status: 403, code: 'InvalidAccessKeyId' },
    );
  }
  await expectError(assert, await init({ v4: true, region: 'cn-beijing' }), {
    status: 400,
    code: 'InvalidArgument',
    ec: '0002-00000213',
  });
  const noSha = await init({ v4: true, dropHeaders: ['x-oss-content-sha256'] });
  await expectError(assert, noSha, { status: 400, code: 'InvalidArgument' });
  const anonymous = await fetch(`${server.url}/auth.bin?uploads`, { method: 'POST' });
  await expectError(assert, anonymous, { status: 403, code: 'AccessDenied' });
  const badDate = await init({ headers: { 'x-oss-date': v4Date() } }); // a V4 date in a V1 request
  await expectError(assert, badDate, { status: 403, code: 'AccessDenied', ec: '0002-00000502' });
  // STS: missing token, wrong token, expired token
  const sts = server.issueSts({ ttlSeconds: 60 });
  await expectError(assert, await init({ credentials: { ...sts, securityToken: undefined } }), {
    status: 403,
    code: 'InvalidAccessKeyId',
  });
  await expectError(assert, await init({ credentials: { ...sts, securityToken: 'ossupFakeStsToken/wrong' } }), {
    status: 403,
    code: 'InvalidSecurityToken',
    ec: '0002-00000006',
  });
  server.setClockOffset(2 * 60_000);
  await expectError(assert, await init({ v4: true, credentials: sts, dateMs: Date.now() + 2 * 60_000 }), {
    status: 403,
    code: 'SecurityTokenExpired',
    ec: '0002-00000007',
  });
  // with the server clock 20 minutes ahead, a client on real time is skewed
  server.setClockOffset(20 * 60_000);
  await expectError(assert, await init({}), { status: 403, code: 'RequestTimeTooSkewed' });
});
