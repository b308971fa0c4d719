// The core against the official SDK (ali-oss 6.23.0) on hundreds of generated inputs, and every
// header signature also against a reference signer written here from the spec text with
// node:crypto, so a mistake shared with ali-oss still shows (oss-spec §1b, §1c, §2, §3, §7).
//
// Inputs ali-oss is given differently, or not at all, because it does not follow the spec there:
// - V1: ali-oss takes the sub-resources from its caller (`subres`) and has no whitelist, so it is
//   given only the whitelisted parameters (oss-spec §2); its Content-Type/Content-MD5 values are
//   not trimmed (§2 "the SDKs differ on padded input"), so it gets them trimmed, as a server sees
//   them; its only date source is x-oss-date (§7.4), so a Date-only request passes the Date
//   value in the `expires` slot that ali-oss's own URL signer uses for that line.
// - V4: ali-oss sorts the query with `localeCompare` on raw keys (§7.7): requests whose byte
//   order differs are checked against the reference signer only (and counted); it signs `''` as
//   `k=` (§7.8), so it gets `null` for value-less parameters, as its request builder does; it
//   throws on AdditionalHeaders absent from the request and does not trim names, so it gets only
//   the present ones, trimmed (ours must drop the rest, §3); it looks up `x-oss-date` case-sensitively, so
//   it gets lower-cased header names; its client strips `oss-` from the region before signing
//   (§7.2), so its signUtils gets the plain Region ID.
// - Lone surrogates never appear here: encodeURIComponent throws on them, and JSON text cannot
//   carry them to the core (core-bad-input.test.mjs covers them).

import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import test from 'node:test';
import {
  forEachCase,
  genAccessKeyId,
  genFormOptions,
  genPolicy,
  genRegion,
  genRequest,
  genSecret,
  genTime,
  policyJson,
  require,
  specSubResources,
  v4DateTime,
  wasm as ossup,
  yyyymmdd,
} from './core-helpers.mjs';

const signUtils = require('ali-oss/lib/common/signUtils.js');
const { calculatePostSignature } = require('ali-oss/lib/common/object/calculatePostSignature.js');
const { signPostObjectPolicyV4 } = require('ali-oss/lib/common/object/signPostObjectPolicyV4.js');

const CASES = Number(process.env.OSSUP_CROSSCHECK_CASES || 300);
const WHITELIST = specSubResources();

// ---- reference signer, from the spec text (oss-spec §1b, §1c, §2, §3) ----

const byteCompare = (a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
// An HTTP server strips optional white space (SP / HTAB) around a field value (oss-spec §2).
const trimOws = (value) => String(value).replace(/^[ \t]+|[ \t]+$/g, '');

function lowerHeaders(headers = {}) {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), trimOws(value)]));
}

function ref1Signature(secret, message) {
  return createHmac('sha1', secret).update(message, 'utf8').digest('base64');
}

function refSigningKey(secret, date, region) {
  let key = createHmac('sha256', `aliyun_v4${secret}`).update(date).digest();
  for (const part of [region, 'oss', 'aliyun_v4_request']) key = createHmac('sha256', key).update(part).digest();
  return key;
}

function refV1({ accessKeyId, accessKeySecret, method, bucket, key, headers, query }) {
  const h = lowerHeaders(headers);
  const date = h['x-oss-date'] ?? h.date;
  const ossHeaders = Object.keys(h)
    .filter((name) => name.startsWith('x-oss-'))
    .sort(byteCompare)
    .map((name) => `${name}:${h[name]}\n`)
    .join('');
  let resource = bucket ? `/${bucket}/${key ?? ''}` : '/';
  const sub = Object.entries(query ?? {})
    .filter(([name]) => WHITELIST.has(name))
    .sort(([a], [b]) => byteCompare(a, b));
  if (sub.length) resource += `?${sub.map(([k, v]) => (v === null || v === '' ? k : `${k}=${v}`)).join('&')}`;
  const stringToSign = `${method.toUpperCase()}\n${h['content-md5'] ?? ''}\n${h['content-type'] ?? ''}\n${date}\n${ossHeaders}${resource}`;
  return { stringToSign, authorization: `OSS ${accessKeyId}:${ref1Signature(accessKeySecret, stringToSign)}` };
}

function percentEncode(value, keepSlash) {
  let out = '';
  for (const b of Buffer.from(String(value), 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const isDefaultSigned = (name) => name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-');

function refV4({ accessKeyId, accessKeySecret, region, method, bucket, key, headers, query, additionalHeaders }) {
  const h = lowerHeaders(headers);
  const standardRegion = region.replace(/^oss-/, '');
  const uri = bucket ? `/${bucket}/${key ?? ''}` : '/';
  const canonicalQuery = Object.entries(query ?? {})
    .map(([k, v]) => [percentEncode(k, false), v === null || v === '' ? '' : percentEncode(v, false)])
    .sort(([a], [b]) => byteCompare(a, b))
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`))
    .join('&');
  const additional = [...new Set((additionalHeaders ?? []).map((n) => n.trim().toLowerCase()))]
    .filter((n) => !isDefaultSigned(n) && n in h)
    .sort(byteCompare);
  const canonicalHeaders = Object.keys(h)
    .filter((n) => isDefaultSigned(n) || additional.includes(n))
    .sort(byteCompare)
    .map((n) => `${n}:${h[n]}\n`)
    .join('');
  const canonicalRequest = [
    method.toUpperCase(),
    percentEncode(uri, true),
    canonicalQuery,
    canonicalHeaders,
    additional.join(';'),
    h['x-oss-content-sha256'],
  ].join('\n');
  const date = h['x-oss-date'].slice(0, 8);
  const scope = `${date}/${standardRegion}/oss/aliyun_v4_request`;
  const stringToSign = [
    'OSS4-HMAC-SHA256',
    h['x-oss-date'],
    scope,
    createHash('sha256').update(canonicalRequest, 'utf8').digest('hex'),
  ].join('\n');
  const signature = createHmac('sha256', refSigningKey(accessKeySecret, date, standardRegion))
    .update(stringToSign, 'utf8')
    .digest('hex');
  const additionalField = additional.length ? `,AdditionalHeaders=${additional.join(';')}` : '';
  return {
    canonicalRequest,
    stringToSign,
    authorization: `OSS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}${additionalField},Signature=${signature}`,
  };
}

// ---- ali-oss adapters (see the header comment for every difference) ----

function aliV1(request) {
  const h = lowerHeaders(request.headers);
  const resourcePath = request.bucket ? `/${request.bucket}/${request.key ?? ''}` : '/';
  const subres = Object.fromEntries(Object.entries(request.query).filter(([name]) => WHITELIST.has(name)));
  const expires = 'x-oss-date' in h ? undefined : h.date;
  const canonical = signUtils.buildCanonicalString(
    request.method,
    resourcePath,
    { headers: h, parameters: subres },
    expires,
  );
  return {
    stringToSign: canonical,
    authorization: signUtils.authorization(request.accessKeyId, request.accessKeySecret, canonical),
  };
}

/** Whether ali-oss's `localeCompare` query order equals the byte order of the encoded keys (oss-spec §7.7). */
function aliQueryOrderAgrees(query) {
  const keys = Object.keys(query).sort((a, b) => a.localeCompare(b));
  const encoded = keys.map((k) => percentEncode(k, false));
  return encoded.every((k, i) => i === 0 || byteCompare(encoded[i - 1], k) < 0);
}

function aliV4(request) {
  const h = lowerHeaders(request.headers);
  const queries = Object.fromEntries(Object.entries(request.query).map(([k, v]) => [k, v === '' ? null : v]));
  const present = (request.additionalHeaders ?? [])
    .map((name) => name.trim())
    .filter((name) => name.toLowerCase() in h);
  return signUtils.authorizationV4(
    request.accessKeyId,
    request.accessKeySecret,
    request.region.replace(/^oss-/, ''),
    request.method,
    { headers: h, queries },
    request.bucket || undefined,
    request.key || undefined,
    present,
  );
}

// ---- POST policies and signatures ----

test('POST V1: encodePolicy and signPostPolicyV1 equal ali-oss calculatePostSignature', () => {
  forEachCase(
    'post-v1',
    CASES,
    (r) => ({ policy: genPolicy(r), accessKeyId: genAccessKeyId(r), accessKeySecret: genSecret(r) }),
    (c) => {
      const json = policyJson(c.policy);
      const policy = ossup.encodePolicy(json);
      assert.equal(policy, Buffer.from(json, 'utf8').toString('base64'), 'policy is base64 of the exact UTF-8');
      const signature = ossup.signPostPolicyV1({ accessKeySecret: c.accessKeySecret, policy });
      const client = { options: { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret } };
      const fromObject = calculatePostSignature.call(client, {
        expiration: new Date(c.policy.expiration).toISOString(),
        conditions: c.policy.conditions,
      });
      assert.equal(fromObject.policy, policy, 'ali-oss policy (object input)');
      assert.equal(fromObject.Signature, signature, 'ali-oss Signature');
      // A string policy is re-serialized by ali-oss (oss-spec §7.1): identical because ours is already compact.
      assert.deepEqual(calculatePostSignature.call(client, json), fromObject);
      assert.equal(signature, ref1Signature(c.accessKeySecret, policy), 'reference HMAC-SHA1');
      assert.equal(signature.length, 28);
    },
  );
});

test('buildPolicy is byte-identical to JSON.stringify({ expiration, conditions })', () => {
  forEachCase(
    'build-policy',
    CASES,
    (r) => genPolicy(r),
    (c, i, r) => {
      const expected = policyJson(c);
      const iso = new Date(c.expiration).toISOString();
      assert.equal(
        ossup.buildPolicy({ conditions: c.conditions, expiration: c.expiration }),
        expected,
        'expiration as ms',
      );
      assert.equal(
        ossup.buildPolicy({ conditions: c.conditions, expiration: iso }),
        expected,
        'expiration as ISO text',
      );
      const seconds = r.int(1, 7 * 86400);
      const now = c.expiration - seconds * 1000;
      if (now >= 0)
        assert.equal(
          ossup.buildPolicy({ conditions: c.conditions, expiresIn: seconds, now }),
          expected,
          'expiresIn + now',
        );
      assert.equal(ossup.encodePolicy(expected), Buffer.from(expected, 'utf8').toString('base64'));
    },
  );
  // Condition forms OSS also accepts, written canonically.
  assert.equal(
    ossup.buildPolicy({ expiration: 0, conditions: [['EQ', 'key', 'a']] }),
    JSON.stringify({ expiration: new Date(0).toISOString(), conditions: [['eq', '$key', 'a']] }),
  );
});

test('POST V4: signPostPolicyV4 equals ali-oss signPostObjectPolicyV4 (region with and without oss-)', () => {
  forEachCase(
    'post-v4',
    CASES,
    (r) => ({ policy: genPolicy(r), accessKeySecret: genSecret(r), region: genRegion(r), now: genTime(r) }),
    (c) => {
      const json = policyJson(c.policy);
      const policy = ossup.encodePolicy(json);
      const date = yyyymmdd(c.now);
      const ours = ossup.signPostPolicyV4({ accessKeySecret: c.accessKeySecret, region: c.region.given, date, policy });
      assert.equal(
        ossup.signPostPolicyV4({ accessKeySecret: c.accessKeySecret, region: c.region.standard, date, policy }),
        ours,
        'oss- prefix is stripped (oss-spec §7.2)',
      );
      const client = { options: { accessKeySecret: c.accessKeySecret, region: c.region.given } };
      assert.equal(signPostObjectPolicyV4.call(client, json, new Date(c.now)), ours, 'ali-oss signPostObjectPolicyV4');
      const expected = createHmac('sha256', refSigningKey(c.accessKeySecret, date, c.region.standard))
        .update(policy)
        .digest('hex');
      assert.equal(ours, expected, 'reference HMAC-SHA256 with the derived key (oss-spec §1c)');
    },
  );
});

const V4_FIELDS = ['x-oss-signature-version', 'x-oss-credential', 'x-oss-date'];
const UNPINNED = new Set(['policy', 'Signature', 'OSSAccessKeyId', 'x-oss-signature']);

test('buildPostForm: V1 and V4 forms verify with ali-oss and the reference signer', () => {
  forEachCase('post-form', Math.ceil(CASES / 2), genFormOptions, ({ options: o, region }) => {
    const form = ossup.buildPostForm(o);
    const { fields } = form;
    const names = Object.keys(fields);
    assert.ok(!names.includes('file'), 'file is appended by the caller, last');
    assert.equal(fields.policy, Buffer.from(form.policy, 'utf8').toString('base64'));
    const policy = JSON.parse(form.policy);
    assert.equal(form.expiration, policy.expiration);
    const expected =
      o.expiration !== undefined ? new Date(o.expiration).getTime() : o.now + (o.expiresIn ?? 900) * 1000;
    assert.equal(policy.expiration, new Date(expected).toISOString());
    // Every value an exact condition gives a field name (caller conditions may name it again).
    const exact = new Map();
    for (const c of policy.conditions.filter((c) => !Array.isArray(c))) {
      const [name, value] = Object.entries(c)[0];
      exact.set(name, [...(exact.get(name) ?? []), value]);
    }
    const pins = (name, value) => (exact.get(name) ?? []).includes(value);
    for (const name of names) {
      if (
        UNPINNED.has(name) ||
        name.startsWith('x:') ||
        (name === 'key' && o.keyPrefix) ||
        ((name === 'Content-Type' || name === 'x-oss-content-type') && o.contentTypes)
      )
        continue;
      assert.ok(pins(name, fields[name]), `policy pins ${name}`);
    }
    if (o.securityToken) assert.equal(fields['x-oss-security-token'], o.securityToken);
    if (o.bucket) assert.ok(pins('bucket', o.bucket));
    for (const [name, value] of Object.entries(o.callbackVar ?? {}))
      assert.equal(fields[name], value, 'callback variables are their own fields (oss-spec §4)');
    if (o.version === 'v1') {
      const client = { options: { accessKeyId: o.accessKeyId, accessKeySecret: o.accessKeySecret } };
      const ali = calculatePostSignature.call(client, form.policy);
      assert.deepEqual(
        { OSSAccessKeyId: fields.OSSAccessKeyId, Signature: fields.Signature, policy: fields.policy },
        ali,
      );
      assert.equal(fields.Signature, ref1Signature(o.accessKeySecret, fields.policy));
      assert.deepEqual(names.slice(-3), ['OSSAccessKeyId', 'policy', 'Signature']);
    } else {
      const credential = `${o.accessKeyId}/${yyyymmdd(o.now)}/${region.standard}/oss/aliyun_v4_request`;
      assert.equal(fields['x-oss-credential'], credential);
      assert.equal(fields['x-oss-date'], v4DateTime(o.now));
      assert.equal(fields['x-oss-signature-version'], 'OSS4-HMAC-SHA256');
      for (const name of V4_FIELDS) assert.ok(pins(name, fields[name]), `policy pins ${name} (oss-spec §1c)`);
      const client = { options: { accessKeySecret: o.accessKeySecret, region: o.region } };
      assert.equal(
        fields['x-oss-signature'],
        signPostObjectPolicyV4.call(client, form.policy, new Date(o.now)),
        'ali-oss',
      );
      const key = refSigningKey(o.accessKeySecret, yyyymmdd(o.now), region.standard);
      assert.equal(
        fields['x-oss-signature'],
        createHmac('sha256', key).update(fields.policy).digest('hex'),
        'reference',
      );
      assert.deepEqual(names.slice(-5), ['policy', ...V4_FIELDS, 'x-oss-signature']);
    }
  });
});

// ---- header signatures ----

test('Header V1: signRequestV1 equals ali-oss signUtils and the reference signer', () => {
  forEachCase(
    'header-v1',
    CASES,
    (r) => genRequest(r, 'v1'),
    (request) => {
      const explained = ossup.explainRequestSignature('v1', request);
      const reference = refV1(request);
      assert.equal(explained.stringToSign, reference.stringToSign, 'StringToSign (reference, oss-spec §2)');
      assert.equal(explained.authorization, reference.authorization, 'Authorization (reference)');
      assert.equal(ossup.signRequestV1(request), explained.authorization);
      assert.equal(explained.canonicalRequest, undefined);
      const ali = aliV1(request);
      assert.equal(explained.stringToSign, ali.stringToSign, 'StringToSign (ali-oss)');
      assert.equal(explained.authorization, ali.authorization, 'Authorization (ali-oss)');
    },
  );
});

test('Header V4: signRequestV4 equals ali-oss authorizationV4 and the reference signer', () => {
  let compared = 0;
  let skipped = 0;
  forEachCase(
    'header-v4',
    CASES,
    (r) => genRequest(r, 'v4'),
    (request) => {
      const explained = ossup.explainRequestSignature('v4', request);
      const reference = refV4(request);
      assert.equal(explained.canonicalRequest, reference.canonicalRequest, 'CanonicalRequest (reference, oss-spec §3)');
      assert.equal(explained.stringToSign, reference.stringToSign, 'StringToSign (reference)');
      assert.equal(explained.authorization, reference.authorization, 'Authorization (reference)');
      assert.equal(ossup.signRequestV4(request), explained.authorization);
      if (!aliQueryOrderAgrees(request.query)) {
        skipped++;
        return;
      }
      compared++;
      assert.equal(explained.authorization, aliV4(request), 'Authorization (ali-oss)');
    },
  );
  assert.ok(compared >= CASES * 0.6, `compared with ali-oss: ${compared}, skipped for the query order: ${skipped}`);
});

test('Header V4: multipart calls with STS and additional headers against ali-oss, fixed shapes', () => {
  const base = {
    accessKeyId: 'STS.NUgYrLnoC37mZZCNnAbez2BPN',
    accessKeySecret: 'sts-secret/+=上传',
    region: 'oss-cn-hangzhou',
    bucket: 'examplebucket',
    key: 'dir/a b+c%20上传😀?#=&.bin',
  };
  const headers = {
    'x-oss-date': '20231203T121212Z',
    'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
    'x-oss-security-token': 'CAIS+token/with=chars',
    host: 'examplebucket.oss-cn-hangzhou.aliyuncs.com',
    range: 'bytes=0-9',
  };
  for (const [method, query] of [
    ['POST', { uploads: null }],
    ['PUT', { partNumber: 7, uploadId: 'ABCDEF0123456789' }],
    ['POST', { uploadId: 'ABCDEF0123456789' }],
  ]) {
    const request = {
      ...base,
      method,
      headers,
      query,
      additionalHeaders: ['Host', 'range', 'host', 'x-oss-date', 'absent'],
    };
    const ours = ossup.signRequestV4(request);
    assert.match(
      ours,
      /^OSS4-HMAC-SHA256 Credential=STS\.NUgYrLnoC37mZZCNnAbez2BPN\/20231203\/cn-hangzhou\/oss\/aliyun_v4_request,AdditionalHeaders=host;range,Signature=[0-9a-f]{64}$/,
    );
    assert.equal(ours, aliV4(request), `${method} ${JSON.stringify(query)}`);
    assert.equal(ours, refV4(request).authorization);
  }
});
