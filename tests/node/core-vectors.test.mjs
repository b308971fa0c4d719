// Every vector of oss-vectors.json (oss-spec §8) through the public JS API of both builds:
// POST V1/V4 signatures, V1/V4 header signatures with their string-to-sign and canonical
// request (explainRequestSignature), callback encoding and CRC-64. One test per vector and build;
// a vector of an unknown kind fails, so new vectors cannot be skipped silently.

import assert from 'node:assert/strict';
import test from 'node:test';
import { builds, freshWasm2js, loadVectors, wasm } from './core-helpers.mjs';

const vectors = loadVectors();

function requestOptions(inputs, version) {
  const options = {
    accessKeyId: inputs.access_key_id,
    accessKeySecret: inputs.access_key_secret,
    method: inputs.method,
    bucket: inputs.bucket,
    key: inputs.key,
    headers: inputs.headers,
    query: inputs.query,
  };
  if (version === 'v4') {
    options.region = inputs.region;
    options.additionalHeaders = inputs.additional_headers;
  }
  return options;
}

const CRC_INPUTS = {
  empty: () => new Uint8Array(0),
  123456789: () => Buffer.from('123456789', 'latin1'),
  a: () => Buffer.from('a', 'latin1'),
  fox: () => Buffer.from('The quick brown fox jumps over the lazy dog', 'latin1'),
  bytes_0_255: () => Uint8Array.from({ length: 256 }, (_, i) => i),
  zeros_1MiB: () => new Uint8Array(1048576),
  utf8_上传: () => Buffer.from('上传', 'utf8'),
};

const checks = {
  post_v1(ossup, { inputs, expected }) {
    const policy = ossup.encodePolicy(inputs.policy_json_utf8);
    assert.equal(policy, expected.policy_field);
    assert.equal(ossup.signPostPolicyV1({ accessKeySecret: inputs.access_key_secret, policy }), expected.Signature);
    const document = JSON.parse(inputs.policy_json_utf8);
    assert.equal(
      ossup.buildPolicy({ expiration: document.expiration, conditions: document.conditions }),
      inputs.policy_json_utf8,
      'buildPolicy writes the same bytes',
    );
  },
  post_v4(ossup, { inputs, expected }) {
    const policy = ossup.encodePolicy(inputs.policy_json_utf8);
    assert.equal(policy, expected.policy_field);
    for (const region of [inputs.region, inputs.sdk_region_option]) {
      assert.equal(
        ossup.signPostPolicyV4({ accessKeySecret: inputs.access_key_secret, region, date: inputs.date, policy }),
        expected['x-oss-signature'],
        `region ${region}`,
      );
    }
    assert.equal(
      expected['x-oss-credential'],
      `${inputs.access_key_id}/${inputs.date}/${inputs.region}/oss/aliyun_v4_request`,
    );
    assert.equal(inputs['x-oss-date'].slice(0, 8), inputs.date);
  },
  header_v1(ossup, { inputs, expected }) {
    const options = requestOptions(inputs, 'v1');
    const explained = ossup.explainRequestSignature('v1', options);
    assert.equal(explained.stringToSign, expected.string_to_sign);
    assert.equal(explained.authorization, expected.authorization);
    assert.equal(ossup.signRequestV1(options), expected.authorization);
  },
  header_v4(ossup, { inputs, expected }) {
    const options = requestOptions(inputs, 'v4');
    assert.equal(inputs.product, 'oss');
    assert.equal(inputs.headers['x-oss-date'], inputs['x-oss-date']);
    const explained = ossup.explainRequestSignature('v4', options);
    assert.equal(explained.canonicalRequest, expected.canonical_request);
    assert.equal(explained.stringToSign, expected.string_to_sign);
    // ali-oss and the v2 SDKs write no space after the comma (oss-spec §7.5).
    assert.equal(explained.authorization, expected.authorization);
    assert.equal(ossup.signRequestV4(options), expected.authorization);
    assert.equal(
      ossup.signRequestV4({ ...options, region: `oss-${inputs.region}` }),
      expected.authorization,
      'oss- region prefix',
    );
    if (expected.authorization_as_emitted_by_oss2)
      assert.equal(expected.authorization_as_emitted_by_oss2.replace(', ', ','), expected.authorization);
  },
  callback(ossup, { inputs, expected }) {
    const callbackField = expected['x-oss-callback (header) / callback (PostObject form field)'];
    const varHeader = expected['x-oss-callback-var (header, Put/Complete only)'];
    assert.equal(ossup.encodeCallback(inputs.callback_json_utf8), callbackField, 'JSON text, encoded as is');
    assert.equal(
      ossup.encodeCallback(JSON.parse(inputs.callback_json_utf8)),
      callbackField,
      'object, written in ali-oss member order',
    );
    assert.equal(ossup.encodeCallbackVar(JSON.parse(inputs.callback_var_json_utf8)), varHeader);
    // PostObject has no callback-var: each variable is its own field (oss-spec §4).
    const form = ossup.buildPostForm({
      version: 'v1',
      accessKeyId: 'LTAI5tExampleAccessKeyId',
      accessKeySecret: 'ExampleAccessKeySecret0123456789',
      key: 'user/a.png',
      now: Date.UTC(2023, 11, 3, 12, 12, 12),
      callback: inputs.callback_json_utf8,
      callbackVar: JSON.parse(inputs.callback_var_json_utf8),
    });
    assert.equal(form.fields.callback, callbackField);
    for (const [name, value] of Object.entries(expected.postobject_custom_var_form_fields))
      assert.equal(form.fields[name], value, name);
    assert.ok(!('x-oss-callback-var' in form.fields) && !('callback-var' in form.fields));
    assert.ok(
      JSON.parse(form.policy).conditions.some((c) => c.callback === callbackField),
      'the policy pins the callback',
    );
  },
  crc64(ossup, { inputs, expected }, build) {
    for (const name of Object.keys(inputs.inputs)) {
      assert.ok(CRC_INPUTS[name], `unknown crc64 input ${name}`);
      const bytes = CRC_INPUTS[name]();
      if (build === 'wasm2js' && bytes.length > 16384) {
        // One-shot on a large buffer hits the wasm2js memory-growth bug: streamed here, one-shot below.
        const stream = ossup.createCrc64();
        for (let at = 0; at < bytes.length; at += 16384) stream.update(bytes.subarray(at, at + 16384));
        assert.equal(stream.digest(), expected[name].header_decimal, `${name} (streamed)`);
        continue;
      }
      assert.equal(ossup.crc64(bytes), expected[name].header_decimal, name);
      assert.equal(BigInt(ossup.crc64(bytes)).toString(16).padStart(16, '0'), expected[name].hex, `${name} hex`);
    }
  },
};

test('the vector file has every kind the spec lists', () => {
  const kinds = new Set(vectors.map((v) => v.kind));
  for (const kind of ['post_v1', 'post_v4', 'header_v1', 'header_v4', 'callback', 'crc64'])
    assert.ok(kinds.has(kind), kind);
});

for (const vector of vectors) {
  for (const [build, ossup] of builds) {
    test(`${vector.id} (${vector.kind}) via ${build}`, () => {
      assert.ok(checks[vector.kind], `no check for vector kind ${vector.kind}: add one`);
      checks[vector.kind](ossup, vector, build);
    });
  }
}

test('crc64 vector zeros_1MiB one-shot via a fresh wasm2js instance', async () => {
  const fresh = await freshWasm2js('vectors-1mib');
  const vector = vectors.find((v) => v.kind === 'crc64' && v.expected.zeros_1MiB);
  const bytes = new Uint8Array(1048576);
  assert.equal(fresh.crc64('a'), vector.expected.a.header_decimal, 'an earlier call, as in any real session');
  assert.equal(fresh.crc64(bytes), vector.expected.zeros_1MiB.header_decimal);
  assert.equal(fresh.crc64(bytes), wasm.crc64(bytes));
  assert.equal(fresh.crc64('123456789'), '11051210869376104954', 'the instance still works afterwards');
});
