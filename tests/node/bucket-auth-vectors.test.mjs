// The server's signature code against the shared vectors (oss-spec §8), and its full header
// verification path against the vectors' Authorization values (both spacings, oss-spec §7.5).

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import test from 'node:test';
import {
  createCredentialStore,
  hmac,
  parseV4Date,
  sha256Hex,
  v1StringToSign,
  v4CanonicalRequest,
  v4SigningKey,
  verifyHeaderAuth,
} from '../../www/server/oss-auth.mjs';
import { percentDecodeBytes } from '../../www/server/object-key.mjs';
import { loadVectors } from './bucket-helpers.mjs';

const vectors = loadVectors();
const byKind = (kind) => vectors.filter((v) => v.kind === kind);

function lowerHeaders(headers) {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function queryOf(query) {
  const list = Object.entries(query).map(([name, value]) => [name, value ?? '']);
  const bytes = Object.entries(query).map(([name, value]) => [
    Buffer.from(name),
    value === null || value === '' ? null : Buffer.from(value),
  ]);
  return { list, bytes };
}

for (const v of byKind('post_v1')) {
  test(`vector ${v.id}: policy field and V1 Signature`, () => {
    const policyField = Buffer.from(v.inputs.policy_json_utf8, 'utf8').toString('base64');
    assert.equal(policyField, v.expected.policy_field);
    assert.equal(hmac('sha1', v.inputs.access_key_secret, policyField).toString('base64'), v.expected.Signature);
  });
}

for (const v of byKind('post_v4')) {
  test(`vector ${v.id}: V4 signing key and x-oss-signature`, () => {
    const key = v4SigningKey(v.inputs.access_key_secret, v.inputs.date, v.inputs.region);
    assert.equal(key.toString('hex'), v.expected.signing_key_hex);
    const kDate = createHmac('sha256', `aliyun_v4${v.inputs.access_key_secret}`).update(v.inputs.date).digest('hex');
    assert.equal(kDate, v.expected.k_date_hex);
    assert.equal(hmac('sha256', key, v.expected.policy_field).toString('hex'), v.expected['x-oss-signature']);
  });
}

for (const v of byKind('header_v1')) {
  test(`vector ${v.id}: V1 StringToSign and full verification`, () => {
    const { list } = queryOf(v.inputs.query);
    const request = {
      method: v.inputs.method,
      headers: lowerHeaders(v.inputs.headers),
      key: v.inputs.key,
      query: list,
      bucket: v.inputs.bucket,
    };
    assert.equal(v1StringToSign(request), v.expected.string_to_sign);
    const dateMs = Date.parse(v.inputs.headers['x-oss-date']);
    const credentials = createCredentialStore({
      accessKeys: { [v.inputs.access_key_id]: v.inputs.access_key_secret },
      now: () => dateMs,
    });
    request.headers.authorization = v.expected.authorization;
    const result = verifyHeaderAuth(request, { credentials, now: () => dateMs, maxSkewMs: 15 * 60_000 });
    assert.equal(result.accessKeyId, v.inputs.access_key_id);
  });
}

for (const v of byKind('header_v4')) {
  test(`vector ${v.id}: V4 canonical request, StringToSign and full verification (both spacings)`, () => {
    const { list, bytes } = queryOf(v.inputs.query);
    const request = {
      method: v.inputs.method,
      headers: lowerHeaders(v.inputs.headers),
      key: v.inputs.key,
      query: list,
      queryBytes: bytes,
      bucket: v.inputs.bucket,
      region: v.inputs.region,
    };
    const canonical = v4CanonicalRequest(request, v.inputs.additional_headers);
    assert.equal(canonical, v.expected.canonical_request);
    const scope = `${v.inputs['x-oss-date'].slice(0, 8)}/${v.inputs.region}/oss/aliyun_v4_request`;
    assert.equal(
      ['OSS4-HMAC-SHA256', v.inputs['x-oss-date'], scope, sha256Hex(canonical)].join('\n'),
      v.expected.string_to_sign,
    );
    const dateMs = parseV4Date(v.inputs['x-oss-date']);
    const credentials = createCredentialStore({
      accessKeys: { [v.inputs.access_key_id]: v.inputs.access_key_secret },
      now: () => dateMs,
    });
    for (const authorization of [v.expected.authorization, v.expected.authorization_as_emitted_by_oss2]) {
      const result = verifyHeaderAuth(
        { ...request, headers: { ...request.headers, authorization } },
        { credentials, now: () => dateMs, maxSkewMs: 15 * 60_000 },
      );
      assert.equal(result.version, 4);
    }
  });
}

test('V4 canonical query: bare names, byte-order sort, %2F in values (oss-spec §3, §7.7, §7.8)', () => {
  const raw = [
    ['uploadId', 'A/B+C'],
    ['partNumber', '2'],
    ['Zeta', null],
    ['acl', ''],
  ];
  const request = {
    method: 'GET',
    headers: { 'x-oss-content-sha256': 'UNSIGNED-PAYLOAD', 'x-oss-date': '20231203T121212Z' },
    key: 'a b/上传+.txt',
    queryBytes: raw.map(([name, value]) => [
      Buffer.from(name),
      value === null ? null : percentDecodeBytes(encodeURIComponent(value)),
    ]),
    bucket: 'examplebucket',
  };
  const lines = v4CanonicalRequest(request, []).split('\n');
  assert.equal(lines[1], '/examplebucket/a%20b/%E4%B8%8A%E4%BC%A0%2B.txt');
  assert.equal(lines[2], 'Zeta&acl&partNumber=2&uploadId=A%2FB%2BC');
});
