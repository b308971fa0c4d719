// The policy signatures' strings cross into wasm through wasm-bindgen's string passing, and the
// module's memory may grow (and so replace its ArrayBuffer) on any call. Expected signatures
// come from node:crypto here, not from our code, in both builds.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import test from 'node:test';
import { builds } from './core-helpers.mjs';

const hmac = (algorithm, key, message) => createHmac(algorithm, key).update(message).digest();
const v1 = (secret, policy) => hmac('sha1', secret, policy).toString('base64');
function v4(secret, date, region, policy) {
  let key = hmac('sha256', `aliyun_v4${secret}`, date);
  for (const part of [region, 'oss', 'aliyun_v4_request']) key = hmac('sha256', key, part);
  return hmac('sha256', key, policy).toString('hex');
}

const POLICY = Buffer.from(
  JSON.stringify({ expiration: '2030-01-01T00:00:00.000Z', conditions: [{ bucket: 'examplebucket' }] }),
).toString('base64');
const DATE = '20231203';
const REGION = 'cn-hangzhou';

const SECRETS = [
  ['ASCII', 'FakeSecretForTests0123456789abcd'],
  ['2-, 3- and 4-byte UTF-8', 'fake-sécret-密钥-😀'],
  ['longer than a hash block', 'k'.repeat(200)],
  ['long, not ASCII', `${'é'.repeat(70)}😀`],
  ['64 characters, the last not ASCII', `${'s'.repeat(63)}密`],
];

for (const [name, core] of builds) {
  for (const [kind, secret] of SECRETS) {
    test(`${name}: V1 and V4 policy signatures equal node:crypto's (secret: ${kind})`, () => {
      assert.equal(core.signPostPolicyV1({ accessKeySecret: secret, policy: POLICY }), v1(secret, POLICY));
      assert.equal(
        core.signPostPolicyV4({ accessKeySecret: secret, region: REGION, date: DATE, policy: POLICY }),
        v4(secret, DATE, REGION, POLICY),
      );
    });
  }

  test(`${name}: a call whose strings grow the wasm memory, then ordinary calls, all sign right`, () => {
    // 3 Mi characters: the input buffer asks for 9 MiB, more than the memory has at first.
    const huge = `fake${'é'.repeat(3 << 20)}`;
    assert.equal(core.signPostPolicyV1({ accessKeySecret: huge, policy: POLICY }), v1(huge, POLICY));
    for (const [, secret] of SECRETS) {
      assert.equal(core.signPostPolicyV1({ accessKeySecret: secret, policy: POLICY }), v1(secret, POLICY));
    }
  });

  test(`${name}: errors come back with their code and a UTF-8 message`, () => {
    const policy = Buffer.from(
      JSON.stringify({ expiration: '2030-01-01T00:00:00.000Z', conditions: [['ends-with-😀', '$key', 'x']] }),
    ).toString('base64');
    assert.throws(
      () => core.signPostPolicyV4({ accessKeySecret: 'fake', region: REGION, date: DATE, policy }),
      (error) =>
        error.name === 'OssupError' &&
        error.code === 'INVALID_OPTION' &&
        error.message.includes('"ends-with-😀"') &&
        error.message.includes('`policy`'),
    );
    // The buffer holds the last error until the next call: a good call after it is unaffected.
    assert.equal(core.signPostPolicyV1({ accessKeySecret: 'fake', policy: POLICY }), v1('fake', POLICY));
    assert.throws(
      () => core.signRequestV4({ accessKeyId: 'id', accessKeySecret: 'fake', region: REGION, method: 'PUT' }),
      (error) => error.code === 'INVALID_OPTION' && /x-oss-date/.test(error.message),
    );
  });
}
