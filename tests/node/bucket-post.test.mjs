// PostObject against the local bucket server: what it accepts (V1, V4, STS, form rules) and
// one test per rejection in oss-spec §1–§1d and §6, each asserting HTTP status, Code and EC.

import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import test from 'node:test';
import { crc64, crc64Header } from '../../www/server/crc64.mjs';
import { UNKNOWN_EC } from '../../www/server/errors.mjs';
import {
  ACCESS_KEY_ID,
  ACCESS_KEY_SECRET,
  buildForm,
  expectError,
  getObject,
  inMinutes,
  post,
  readError,
  startTestServer,
  v1Fields,
  v4Fields,
} from './bucket-helpers.mjs';

const basicPolicy = (conditions = [], expiration = inMinutes(10)) => ({ expiration, conditions });

/** A V1 form whose policy bytes are chosen by the test and signed by hand (oss-spec §1b). */
function handSignedV1(policyText, fields = {}) {
  const policy = Buffer.from(policyText, 'utf8').toString('base64');
  const Signature = createHmac('sha1', ACCESS_KEY_SECRET).update(policy).digest('base64');
  return { key: 'k.txt', OSSAccessKeyId: ACCESS_KEY_ID, policy, Signature, ...fields };
}

async function postV1(
  server,
  {
    conditions = [],
    expiration,
    key = 'a.txt',
    extra,
    file,
    fileName,
    fileType,
    after,
    stsToken,
    accessKeyId,
    accessKeySecret,
  } = {},
) {
  const fields = v1Fields({
    policy: basicPolicy(conditions, expiration),
    key,
    extra,
    stsToken,
    accessKeyId,
    accessKeySecret,
  });
  return post(server, buildForm(fields, { file, fileName, fileType, after }));
}

// ---------------------------------------------------------------- accepted

test('V1 PostObject stores the exact bytes and answers like OSS', async (t) => {
  const server = await startTestServer(t);
  const bytes = randomBytes(70_000);
  const response = await postV1(server, {
    key: 'photos/猫 + dog 🐱.bin',
    conditions: [{ bucket: server.bucket }, ['starts-with', '$key', 'photos/'], ['content-length-range', 1, 100_000]],
    file: bytes,
    fileType: 'application/x-part-type',
    extra: {
      'Content-Type': 'image/x-form-type',
      'x-oss-meta-owner': 'eric',
      'Cache-Control': 'max-age=60',
      'Content-Disposition': 'attachment; filename="cat.bin"',
    },
  });
  assert.equal(response.status, 204, await response.clone().text());
  assert.equal(await response.text(), '');
  const md5 = (await import('node:crypto')).createHash('md5').update(bytes).digest('hex').toUpperCase();
  assert.equal(response.headers.get('etag'), `"${md5}"`);
  assert.equal(response.headers.get('x-oss-hash-crc64ecma'), crc64Header(crc64(bytes)));
  assert.match(response.headers.get('x-oss-request-id'), /^[0-9A-F]{24}$/);
  assert.ok(Math.abs(Date.parse(response.headers.get('date')) - Date.now()) < 5000);

  const { response: got, body } = await getObject(server, 'photos/猫 + dog 🐱.bin');
  assert.equal(got.status, 200);
  assert.ok(body.equals(bytes));
  assert.equal(got.headers.get('content-type'), 'image/x-form-type'); // the Content-Type field beats the part's type
  assert.equal(got.headers.get('x-oss-meta-owner'), 'eric');
  assert.equal(got.headers.get('cache-control'), 'max-age=60');
  assert.equal(got.headers.get('content-disposition'), 'attachment; filename="cat.bin"');
  assert.equal(got.headers.get('etag'), `"${md5}"`);
  assert.equal(got.headers.get('x-oss-hash-crc64ecma'), crc64Header(crc64(bytes)));
  assert.ok((await readFile(server.objectPath('photos/猫 + dog 🐱.bin'))).equals(bytes));
});

test('x-oss-content-type beats the Content-Type field; the part type is the fallback (oss-spec §1)', async (t) => {
  const server = await startTestServer(t);
  await postV1(server, { key: 'a', extra: { 'x-oss-content-type': 'text/x-oss', 'Content-Type': 'text/x-field' } });
  await postV1(server, { key: 'b', fileType: 'image/png' });
  assert.equal((await getObject(server, 'a')).response.headers.get('content-type'), 'text/x-oss');
  assert.equal((await getObject(server, 'b')).response.headers.get('content-type'), 'image/png');
});

test('success_action_status: 200 and 204 empty, 201 PostResponse XML, anything else 204', async (t) => {
  const server = await startTestServer(t);
  const status = async (value, key) => {
    const response = await postV1(server, { key, extra: { success_action_status: value } });
    return { status: response.status, text: await response.text() };
  };
  assert.deepEqual(await status('200', 's200'), { status: 200, text: '' });
  assert.deepEqual(await status('204', 's204'), { status: 204, text: '' });
  assert.deepEqual(await status('500', 's500'), { status: 204, text: '' });
  const created = await status('201', 'dir/s 201.txt');
  assert.equal(created.status, 201);
  assert.match(
    created.text,
    /<PostResponse><Bucket>ossup-local<\/Bucket><Location>http:\/\/127\.0\.0\.1:\d+\/dir\/s%20201\.txt<\/Location><Key>dir\/s 201\.txt<\/Key><ETag>"[0-9A-F]{32}"<\/ETag><\/PostResponse>/,
  );
});

test('field names are case-insensitive; values are not (oss-spec §1)', async (t) => {
  const server = await startTestServer(t);
  const fields = v1Fields({ policy: basicPolicy([['eq', '$Key', 'Case.TXT']]), key: 'Case.TXT' });
  const renamed = {
    KEY: fields.key,
    ossaccesskeyid: fields.OSSAccessKeyId,
    POLICY: fields.policy,
    signature: fields.Signature,
  };
  const form = buildForm(renamed, { file: null });
  form.append('FILE', new Blob(['case']), 'x.txt');
  const response = await post(server, form);
  assert.equal(response.status, 204, await response.text());
  assert.equal((await getObject(server, 'Case.TXT')).body.toString(), 'case');
  assert.equal((await getObject(server, 'case.txt')).response.status, 404);
});

test('${filename} is expanded in the key, and the policy sees the unexpanded key (oss-spec §1a)', async (t) => {
  const server = await startTestServer(t);
  const response = await postV1(server, {
    key: 'user/eric/${filename}',
    conditions: [['eq', '$key', 'user/eric/${filename}']],
    fileName: '上传 报告.pdf',
    file: Buffer.from('pdf'),
  });
  assert.equal(response.status, 204, await response.text());
  assert.equal((await getObject(server, 'user/eric/上传 报告.pdf')).body.toString(), 'pdf');
});

test('a `file` part without a filename is text content', async (t) => {
  const server = await startTestServer(t);
  const form = buildForm(v1Fields({ policy: basicPolicy(), key: 'text.txt' }), { file: null });
  form.append('file', 'just text');
  const response = await post(server, form);
  assert.equal(response.status, 204, await response.text());
  assert.equal((await getObject(server, 'text.txt')).body.toString(), 'just text');
});

test('V4 PostObject with conditions is accepted (oss-spec §1c)', async (t) => {
  const server = await startTestServer(t);
  const fields = v4Fields({
    key: 'v4/图片 1+1.png',
    conditions: [
      { bucket: server.bucket },
      ['starts-with', '$key', 'v4/'],
      ['in', '$content-type', ['image/png', 'image/jpeg']],
      ['content-length-range', 1, 1000],
    ],
    extra: { 'Content-Type': 'image/png', success_action_status: '201' },
  });
  const response = await post(server, buildForm(fields, { file: Buffer.from('png!') }));
  assert.equal(response.status, 201, await response.clone().text());
  assert.equal((await getObject(server, 'v4/图片 1+1.png')).body.toString(), 'png!');
});

test('STS credentials work with V1 and V4 (token in the form)', async (t) => {
  const server = await startTestServer(t);
  const sts = server.issueSts({ ttlSeconds: 900 });
  assert.match(sts.accessKeyId, /^STS\./);
  assert.match(sts.expiration, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  const credentials = {
    accessKeyId: sts.accessKeyId,
    accessKeySecret: sts.accessKeySecret,
    stsToken: sts.securityToken,
  };
  const v1 = await postV1(server, { key: 'sts-v1', ...credentials });
  assert.equal(v1.status, 204, await v1.text());
  const v4 = await post(server, buildForm(v4Fields({ key: 'sts-v4', ...credentials })));
  assert.equal(v4.status, 204, await v4.text());
});

// ---------------------------------------------------------------- signature and credentials

test('rejects: wrong V1 signature → 403 SignatureDoesNotMatch, StringToSign echoed', async (t) => {
  const server = await startTestServer(t);
  const fields = v1Fields({ policy: basicPolicy(), key: 'x' });
  fields.Signature = Buffer.from(createHmac('sha1', 'not-the-secret').update(fields.policy).digest()).toString(
    'base64',
  );
  const error = await expectError(assert, await post(server, buildForm(fields)), {
    status: 403,
    code: 'SignatureDoesNotMatch',
    ec: UNKNOWN_EC,
  });
  assert.equal(error.stringToSign, fields.policy);
  assert.equal((await getObject(server, 'x')).response.status, 404);
});

test('rejects: unknown AccessKeyId → 403 InvalidAccessKeyId', async (t) => {
  const server = await startTestServer(t);
  const response = await postV1(server, { accessKeyId: 'OSSUP_FAKE_UNKNOWN_KEY', accessKeySecret: 'whatever' });
  await expectError(assert, response, { status: 403, code: 'InvalidAccessKeyId', ec: UNKNOWN_EC });
});

test('rejects: STS key without its token → 403 InvalidAccessKeyId', async (t) => {
  const server = await startTestServer(t);
  const sts = server.issueSts();
  const response = await postV1(server, { accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret });
  await expectError(assert, response, { status: 403, code: 'InvalidAccessKeyId' });
});

test('rejects: STS key with a wrong token → 403 InvalidSecurityToken', async (t) => {
  const server = await startTestServer(t);
  const sts = server.issueSts();
  const response = await postV1(server, {
    accessKeyId: sts.accessKeyId,
    accessKeySecret: sts.accessKeySecret,
    stsToken: `${sts.securityToken}x`,
  });
  await expectError(assert, response, { status: 403, code: 'InvalidSecurityToken', ec: '0002-00000006' });
});

test('rejects: expired STS token → 403 SecurityTokenExpired', async (t) => {
  const server = await startTestServer(t);
  const sts = server.issueSts({ ttlSeconds: 60 });
  server.setClockOffset(2 * 60_000);
  const response = await postV1(server, {
    accessKeyId: sts.accessKeyId,
    accessKeySecret: sts.accessKeySecret,
    stsToken: sts.securityToken,
    expiration: inMinutes(30),
  });
  await expectError(assert, response, { status: 403, code: 'SecurityTokenExpired', ec: '0002-00000007' });
});

test('rejects: a permanent key sent with a security token → 403 InvalidAccessKeyId (EC 0002-00000002)', async (t) => {
  const server = await startTestServer(t);
  const response = await postV1(server, { stsToken: 'ossupFakeStsToken/none' });
  await expectError(assert, response, { status: 403, code: 'InvalidAccessKeyId', ec: '0002-00000002' });
});

test('rejects: partial V1 credentials → 400 InvalidArgument', async (t) => {
  const server = await startTestServer(t);
  const full = v1Fields({ policy: basicPolicy(), key: 'p' });
  const cases = [
    ['Signature', '0002-00000703'],
    ['policy', '0002-00000702'],
    ['OSSAccessKeyId', '0002-00000706'],
  ];
  for (const [missing, ec] of cases) {
    const fields = { ...full, [missing]: undefined };
    await expectError(assert, await post(server, buildForm(fields)), { status: 400, code: 'InvalidArgument', ec });
  }
});

test('rejects: no credentials at all on a public-read bucket → 403 AccessDenied', async (t) => {
  const server = await startTestServer(t);
  const response = await post(server, buildForm({ key: 'anon.txt' }));
  await expectError(assert, response, { status: 403, code: 'AccessDenied', ec: '0003-00000905' });
});

// ---------------------------------------------------------------- policy evaluation

test('rejects: expired policy → 403 AccessDenied "Policy expired."', async (t) => {
  const server = await startTestServer(t);
  const response = await postV1(server, { expiration: inMinutes(-1) });
  const error = await expectError(assert, response, { status: 403, code: 'AccessDenied', ec: '0006-00000213' });
  assert.equal(error.message, 'Invalid according to Policy: Policy expired.');
});

test('rejects: policy expiry is judged on the server clock', async (t) => {
  const server = await startTestServer(t);
  server.setClockOffset(11 * 60_000);
  const response = await postV1(server, { expiration: inMinutes(10) });
  await expectError(assert, response, { status: 403, code: 'AccessDenied', ec: '0006-00000213' });
});

test('rejects: key outside the starts-with prefix → 403 AccessDenied, condition quoted', async (t) => {
  const server = await startTestServer(t);
  const response = await postV1(server, { key: 'other/a.txt', conditions: [['starts-with', '$key', 'user/eric/']] });
  const error = await expectError(assert, response, { status: 403, code: 'AccessDenied', ec: '0006-00000227' });
  assert.equal(
    error.message,
    'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "user/eric/"]',
  );
});

test('rejects: size below content-length-range min → 400 EntityTooLarge EC 0006-00000004', async (t) => {
  const server = await startTestServer(t);
  const response = await postV1(server, { conditions: [['content-length-range', 10, 100]], file: Buffer.alloc(9) });
  await expectError(assert, response, { status: 400, code: 'EntityTooLarge', ec: '0006-00000004' });
});

test('rejects: size above content-length-range max → 400 EntityTooLarge EC 0006-00000003', async (t) => {
  const server = await startTestServer(t);
  const response = await postV1(server, { conditions: [['content-length-range', 10, 100]], file: Buffer.alloc(101) });
  await expectError(assert, response, { status: 400, code: 'EntityTooLarge', ec: '0006-00000003' });
  const edges = await Promise.all(
    [10, 100].map((size, i) =>
      postV1(server, { key: `edge${i}`, conditions: [['content-length-range', 10, 100]], file: Buffer.alloc(size) }),
    ),
  );
  assert.deepEqual(
    edges.map((r) => r.status),
    [204, 204],
  );
});

test('rejects: content type not in the `in` list → 403 AccessDenied', async (t) => {
  const server = await startTestServer(t);
  const response = await postV1(server, {
    conditions: [['in', '$content-type', ['image/jpeg', 'image/png']]],
    extra: { 'Content-Type': 'image/gif' },
  });
  await expectError(assert, response, { status: 403, code: 'AccessDenied', ec: '0006-00000227' });
});

test('rejects: failing eq, not-in, exact and bucket conditions → 403 AccessDenied', async (t) => {
  const server = await startTestServer(t);
  const cases = [
    { conditions: [['eq', '$success_action_status', '201']], extra: { success_action_status: '200' } },
    { conditions: [['not-in', '$cache-control', ['no-cache']]], extra: { 'Cache-Control': 'no-cache' } },
    { conditions: [{ 'x-oss-meta-owner': 'eric' }], extra: { 'x-oss-meta-owner': 'mallory' } },
    { conditions: [{ bucket: 'someone-elses-bucket' }] },
  ];
  for (const options of cases) {
    await expectError(assert, await postV1(server, options), {
      status: 403,
      code: 'AccessDenied',
      ec: '0006-00000227',
    });
  }
  // A field a condition names must be in the form, whatever the operator (EC 0006-00000226).
  for (const conditions of [[{ 'x-oss-meta-owner': 'eric' }], [['not-in', '$cache-control', ['no-cache']]]]) {
    await expectError(assert, await postV1(server, { conditions }), {
      status: 403,
      code: 'AccessDenied',
      ec: '0006-00000226',
    });
  }
  // and the same conditions pass when satisfied, with `$` and field-name case ignored
  const ok = await postV1(server, {
    conditions: [
      ['EQ'.toLowerCase(), '$Success_Action_Status', '200'],
      { 'X-OSS-META-OWNER': 'eric' },
      ['not-in', '$cache-control', ['no-cache']],
    ],
    extra: { success_action_status: '200', 'x-oss-meta-owner': 'eric', 'Cache-Control': 'max-age=60' },
  });
  assert.equal(ok.status, 200, await ok.text());
});

test('rejects: bad policy documents → 400 InvalidPolicyDocument with the EC of each fault', async (t) => {
  const server = await startTestServer(t);
  const exp = JSON.stringify(inMinutes(10));
  const cases = [
    ['{"expiration":', UNKNOWN_EC, /Invalid JSON/],
    [`{"conditions":[]}`, '0006-00000208'],
    [`{"expiration":${exp}}`, '0006-00000209'],
    [`{"expiration":1893456000,"conditions":[]}`, '0006-00000210'],
    [`{"expiration":"","conditions":[]}`, '0006-00000211'],
    [`{"expiration":"2030-01-01 00:00:00","conditions":[]}`, '0006-00000212'],
    [
      `{"expiration":${exp},"conditions":[{"a":"1","b":"2"}]}`,
      UNKNOWN_EC,
      /Simple-Conditions must have exactly one property specified/,
    ],
    [`{"expiration":${exp},"conditions":[["ends-with","$key","x"]]}`, '0006-00000217'],
    [`{"expiration":${exp},"conditions":[[]]}`, '0006-00000216'],
    [`{"expiration":${exp},"conditions":[["content-length-range","1",10]]}`, '0006-00000219'],
    [`{"expiration":${exp},"conditions":[["content-length-range",1,1.5]]}`, '0006-00000221'],
    [`{"expiration":${exp},"conditions":[["content-length-range",10,1]]}`, '0006-00000223'],
    [`{"expiration":${exp},"conditions":[123]}`, '0006-00000222'],
    [`{"expiration":${exp},"conditions":[["not-in","$cache-control","no-cache"]]}`, '0006-00000224'],
  ];
  for (const [policyText, ec, message] of cases) {
    const error = await expectError(assert, await post(server, buildForm(handSignedV1(policyText))), {
      status: 400,
      code: 'InvalidPolicyDocument',
      ec,
    });
    if (message) assert.match(error.message, message);
  }
});

// ---------------------------------------------------------------- form shape and limits

test('rejects: `file` not the last field → 400 MalformedPOSTRequest, nothing stored', async (t) => {
  const server = await startTestServer(t);
  const response = await postV1(server, { key: 'late.txt', after: [['submit', 'Upload']] });
  await expectError(assert, response, { status: 400, code: 'MalformedPOSTRequest', ec: '0006-00000104' });
  assert.equal((await getObject(server, 'late.txt')).response.status, 404);
});

test('rejects: missing file → 400 MalformedPOSTRequest', async (t) => {
  const server = await startTestServer(t);
  const response = await postV1(server, { file: null });
  await expectError(assert, response, { status: 400, code: 'MalformedPOSTRequest', ec: '0006-00000104' });
});

test('rejects: a body that is not multipart/form-data, or is cut short', async (t) => {
  const server = await startTestServer(t);
  await expectError(assert, await post(server, 'key=a', { 'content-type': 'application/x-www-form-urlencoded' }), {
    status: 400,
    code: 'RequestIsNotMultiPartContent',
  });
  // Signed, so the cut-short body (not the missing credentials, judged when `file` starts) is what fails.
  const fields = Object.entries(v1Fields({ policy: basicPolicy(), key: 'a' }))
    .map(([name, value]) => `--b\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
    .join('');
  const truncated = `${fields}--b\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\npartial`;
  await expectError(assert, await post(server, truncated, { 'content-type': 'multipart/form-data; boundary=b' }), {
    status: 400,
    code: 'MalformedPOSTRequest',
    ec: '0006-00000104',
  });
});

test('rejects: form limits — value > 2 MB, name > 8 KB, > 8 MB before the file, metadata > 8 KB', async (t) => {
  const server = await startTestServer(t);
  await expectError(assert, await postV1(server, { extra: { 'x-oss-meta-big': 'v'.repeat(2 * 1024 * 1024 + 1) } }), {
    status: 400,
    code: 'InvalidArgument',
  });
  await expectError(assert, await postV1(server, { extra: { ['n'.repeat(8 * 1024 + 1)]: 'v' } }), {
    status: 400,
    code: 'InvalidArgument',
    ec: '0006-00000110',
  });
  const five = Object.fromEntries(
    Array.from({ length: 5 }, (_, i) => [`x-filler-${i}`, 'f'.repeat(1.9 * 1024 * 1024)]),
  );
  await expectError(assert, await postV1(server, { extra: five }), {
    status: 400,
    code: 'InvalidArgument',
    ec: '0006-00000112',
  });
  await expectError(assert, await postV1(server, { extra: { 'x-oss-meta-a': 'v'.repeat(8 * 1024) } }), {
    status: 400,
    code: 'InvalidArgument',
    ec: '0011-00000002',
  });
});

// ---------------------------------------------------------------- keys and overwrite

test('rejects: key rules (oss-spec §6) → 400 InvalidObjectName', async (t) => {
  const server = await startTestServer(t);
  const cases = [
    ['', '0016-00000001'],
    ['/leading-slash', '0016-00000005'],
    ['\\leading-backslash', '0016-00000005'],
    ['k'.repeat(1024), '0016-00000002'],
    ['上'.repeat(342), '0016-00000002'], // 1026 bytes of UTF-8
  ];
  for (const [key, ec] of cases) {
    await expectError(assert, await postV1(server, { key }), { status: 400, code: 'InvalidObjectName', ec });
  }
  const longest = await postV1(server, { key: `${'上'.repeat(340)}abc` }); // exactly 1023 bytes
  assert.equal(longest.status, 204, await longest.text());
});

test('rejects: x-oss-forbid-overwrite on an existing key → 409 FileAlreadyExists, object untouched', async (t) => {
  const server = await startTestServer(t);
  assert.equal((await postV1(server, { key: 'keep.txt', file: Buffer.from('first') })).status, 204);
  const second = await postV1(server, {
    key: 'keep.txt',
    file: Buffer.from('second'),
    extra: { 'x-oss-forbid-overwrite': 'true' },
  });
  await expectError(assert, second, { status: 409, code: 'FileAlreadyExists', ec: '0026-00000002' });
  assert.equal((await getObject(server, 'keep.txt')).body.toString(), 'first');
  const overwrite = await postV1(server, {
    key: 'keep.txt',
    file: Buffer.from('third'),
    extra: { 'x-oss-forbid-overwrite': 'false' },
  });
  assert.equal(overwrite.status, 204);
  assert.equal((await getObject(server, 'keep.txt')).body.toString(), 'third');
});

// ---------------------------------------------------------------- V4 specifics

test('rejects: V4 credential for another region → 400 InvalidArgument EC 0002-00000710', async (t) => {
  const server = await startTestServer(t);
  const fields = v4Fields({ key: 'r', region: 'cn-shanghai' });
  const error = await expectError(assert, await post(server, buildForm(fields)), {
    status: 400,
    code: 'InvalidArgument',
    ec: '0002-00000710',
  });
  assert.match(error.message, /region/);
});

test('rejects: V4 credential day ≠ x-oss-date day → 400 InvalidArgument EC 0002-00000710', async (t) => {
  const server = await startTestServer(t);
  const date = new Date();
  const yesterday = new Date(date.getTime() - 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  const fields = v4Fields({
    key: 'd',
    date,
    credential: `${ACCESS_KEY_ID}/${yesterday}/cn-hangzhou/oss/aliyun_v4_request`,
  });
  await expectError(assert, await post(server, buildForm(fields)), {
    status: 400,
    code: 'InvalidArgument',
    ec: '0002-00000710',
  });
});

test('rejects: malformed V4 credentials → 400 InvalidArgument EC 0002-00000710', async (t) => {
  const server = await startTestServer(t);
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  for (const credential of [
    `${ACCESS_KEY_ID}/${day}/cn-hangzhou/oss/aws4_request`,
    `${ACCESS_KEY_ID}/${day}/cn-hangzhou/s3/aliyun_v4_request`,
    `${ACCESS_KEY_ID}/${day}/cn-hangzhou`,
  ]) {
    await expectError(assert, await post(server, buildForm(v4Fields({ key: 'm', credential }))), {
      status: 400,
      code: 'InvalidArgument',
      ec: '0002-00000710',
    });
  }
});

test('rejects: V4 x-oss-date more than 15 minutes off the server clock → 403 RequestTimeTooSkewed', async (t) => {
  const server = await startTestServer(t);
  for (const offsetMinutes of [16, -16]) {
    const fields = v4Fields({
      key: 's',
      date: new Date(Date.now() + offsetMinutes * 60_000),
      expiration: inMinutes(60),
    });
    await expectError(assert, await post(server, buildForm(fields)), {
      status: 403,
      code: 'RequestTimeTooSkewed',
      ec: '0002-00000504',
    });
  }
  const within = await post(server, buildForm(v4Fields({ key: 's', date: new Date(Date.now() - 14 * 60_000) })));
  assert.equal(within.status, 204, await within.text());
  // a phone whose clock is right while the server's is 20 minutes ahead, same answer
  server.setClockOffset(20 * 60_000);
  await expectError(assert, await post(server, buildForm(v4Fields({ key: 's', expiration: inMinutes(60) }))), {
    status: 403,
    code: 'RequestTimeTooSkewed',
  });
});

test('rejects: V4 x-oss-date older than 7 days, even with a generous skew allowance', async (t) => {
  const server = await startTestServer(t, { maxSkewMs: 30 * 86_400_000 });
  const fields = v4Fields({ key: 'old', date: new Date(Date.now() - 8 * 86_400_000), expiration: inMinutes(60) });
  await expectError(assert, await post(server, buildForm(fields)), { status: 403, code: 'AccessDenied' });
});

test('rejects: wrong V4 signature → 403 SignatureDoesNotMatch; bad x-oss-date → 400', async (t) => {
  const server = await startTestServer(t);
  const fields = v4Fields({ key: 'v4sig' });
  const flipped = {
    ...fields,
    'x-oss-signature': fields['x-oss-signature'].replace(/^./, (c) => (c === '0' ? '1' : '0')),
  };
  await expectError(assert, await post(server, buildForm(flipped)), { status: 403, code: 'SignatureDoesNotMatch' });
  const badDate = { ...fields, 'x-oss-date': '2023-12-03T12:12:12Z' };
  await expectError(assert, await post(server, buildForm(badDate)), {
    status: 400,
    code: 'InvalidArgument',
    ec: '0002-00000502',
  });
});

test('rejects: a V4 policy that does not pin x-oss-date and friends (oss-spec §1c) → 403 AccessDenied', async (t) => {
  const server = await startTestServer(t);
  const fields = v4Fields({ key: 'unpinned', pin: false });
  const error = await expectError(assert, await post(server, buildForm(fields)), {
    status: 403,
    code: 'AccessDenied',
    ec: '0006-00000227',
  });
  assert.match(error.message, /x-oss-signature-version/);
  const sts = server.issueSts();
  const stsFields = v4Fields({
    key: 'unpinned',
    accessKeyId: sts.accessKeyId,
    accessKeySecret: sts.accessKeySecret,
    pin: false,
    conditions: [{ 'x-oss-signature-version': 'OSS4-HMAC-SHA256' }],
  });
  stsFields['x-oss-security-token'] = sts.securityToken;
  await expectError(assert, await post(server, buildForm(stsFields)), { status: 403, code: 'AccessDenied' });
});

test('errors carry CORS headers too', async (t) => {
  const server = await startTestServer(t);
  const response = await post(server, buildForm({ key: 'anon' }), { origin: 'https://demo.example' });
  assert.equal(response.headers.get('access-control-allow-origin'), 'https://demo.example');
  assert.match(response.headers.get('access-control-expose-headers'), /x-oss-hash-crc64ecma/);
  const error = await readError(response);
  assert.equal(error.status, 403);
});
