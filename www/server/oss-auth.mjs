// Signature verification for the local bucket server, written from the spec with node:crypto
// only: it must stay independent of the ossup package it is used to test.
//   PostObject V1 (oss-spec §1b), PostObject V4 (§1c), header V1 (§2), header V4 (§3),
//   permanent and STS credentials.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ossError } from './errors.mjs';
import { enforceSessionPolicy, parseRamPolicy } from './ram-policy.mjs';

/**
 * oss-spec §2: the sub-resources that enter the V1 CanonicalizedResource — oss2 2.19.1
 * `auth.py`, 86 names, case-sensitive. Query parameters not listed here are not signed in V1.
 */
// prettier-ignore
export const V1_SUB_RESOURCES = new Set([
  'accessPoint', 'accessPointPolicy', 'acl', 'append', 'asyncFetch', 'bucketArchiveDirectRead',
  'bucketInfo', 'callback', 'callback-var', 'cname', 'comp', 'continuation-token', 'cors', 'delete',
  'encryption', 'endTime', 'group', 'httpsConfig', 'inventory', 'inventoryId', 'lifecycle', 'link',
  'live', 'location', 'logging', 'metaQuery', 'objectInfo', 'objectMeta', 'partNumber', 'policy',
  'position', 'publicAccessBlock', 'qos', 'qosInfo', 'qosRequester', 'redundancyTransition',
  'referer', 'regionList', 'replication', 'replicationLocation', 'replicationProgress',
  'requestPayment', 'requesterQosInfo', 'resourceGroup', 'resourcePool', 'resourcePoolBuckets',
  'resourcePoolInfo', 'response-cache-control', 'response-content-disposition',
  'response-content-encoding', 'response-content-language', 'response-content-type',
  'response-expires', 'restore', 'security-token', 'sequential', 'startTime', 'stat', 'status',
  'style', 'styleName', 'symlink', 'tagging', 'transferAcceleration', 'uploadId', 'uploads',
  'versionId', 'versioning', 'versions', 'vod', 'website', 'worm', 'wormExtend', 'wormId',
  'x-oss-ac-forward-allow', 'x-oss-ac-source-ip', 'x-oss-ac-subnet-mask', 'x-oss-ac-vpc-id',
  'x-oss-access-point-name', 'x-oss-async-process', 'x-oss-process',
  'x-oss-redundancy-transition-taskid', 'x-oss-request-payer', 'x-oss-target-redundancy-type',
  'x-oss-traffic-limit', 'x-oss-write-get-object-response',
]);

export const V4_ALGORITHM = 'OSS4-HMAC-SHA256'; // oss-spec §1c, §3
const V4_TERMINATOR = 'aliyun_v4_request';
const V4_PRODUCT = 'oss';
const V4_MAX_AGE_MS = 7 * 24 * 3600 * 1000; // oss-spec §1c: validity at most 7 days from x-oss-date

// ---------------------------------------------------------------- credentials

/**
 * Permanent keys (id → secret) plus STS credentials issued by this server. STS credentials are
 * sealed, like Aliyun's: the token carries its AccessKeyId, expiry and session policy under an
 * HMAC key made at start, and the secret is derived from the id, so the server keeps nothing per
 * token (no store to grow or purge) and an old token is still recognised as expired.
 * `lookup` applies the STS rules of oss-spec §1b/§1d and returns the secret to verify with;
 * `authorize` applies the token's session policy (./ram-policy.mjs) to a verified request.
 */
export function createCredentialStore({ accessKeys, ramUsers = {}, now }) {
  // RAM users: permanent keys with a policy of their own, as an app server's upload key should be.
  const ramUserPolicies = new Map(
    Object.entries(ramUsers).map(([accessKeyId, { policy }]) => [accessKeyId, parseRamPolicy(policy)]),
  );
  const permanent = new Map([
    ...Object.entries(accessKeys),
    ...Object.entries(ramUsers).map(([accessKeyId, { secret }]) => [accessKeyId, secret]),
  ]);
  const sealKey = randomBytes(32);
  const seal = (label, text) => hmac('sha256', sealKey, `${label}\n${text}`);
  const idTag = (nonce) => seal('id', nonce).toString('hex').slice(0, 16);
  const secretOf = (accessKeyId) => `ossup-fake-sts-secret-${seal('secret', accessKeyId).toString('hex').slice(0, 32)}`;
  const TOKEN_PREFIX = 'ossupFakeStsToken/';

  /** `policy`: a RAM policy document (object or JSON), as AssumeRole's Policy; none = no limits. */
  function issueSts({ durationSeconds, ttlSeconds = 900, policy } = {}) {
    const seconds = durationSeconds ?? ttlSeconds;
    if (!(Number.isFinite(seconds) && seconds > 0)) throw new TypeError('issueSts: durationSeconds must be positive');
    const document = policy === undefined ? undefined : parseRamPolicy(policy).document;
    const expiresAt = now() + seconds * 1000;
    const nonce = randomBytes(9).toString('hex');
    const accessKeyId = `STS.ossupFake${nonce}${idTag(nonce)}`;
    const payload = Buffer.from(JSON.stringify({ id: accessKeyId, exp: expiresAt, policy: document })).toString(
      'base64',
    );
    return {
      accessKeyId,
      accessKeySecret: secretOf(accessKeyId),
      // Real tokens are long standard base64 (with + / =); so is this one, to exercise escaping.
      securityToken: `${TOKEN_PREFIX}${payload}.${seal('token', payload).toString('base64')}`,
      expiration: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
  }

  function isIssuedId(accessKeyId) {
    const match = /^STS\.ossupFake([0-9a-f]{18})([0-9a-f]{16})$/.exec(String(accessKeyId));
    return Boolean(match) && safeEqual(match[2], idTag(match[1]));
  }

  /** The token's { id, exp, policy } if this server sealed it for `accessKeyId`, else null. */
  function openToken(accessKeyId, securityToken) {
    const text = String(securityToken);
    const dot = text.lastIndexOf('.');
    if (!text.startsWith(TOKEN_PREFIX) || dot < 0) return null;
    const payload = text.slice(TOKEN_PREFIX.length, dot);
    if (!safeEqual(text.slice(dot + 1), seal('token', payload).toString('base64'))) return null;
    const claims = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
    return claims.id === accessKeyId ? claims : null;
  }

  /** `atMs`: when the request arrived; STS expiry is judged then, not after a long body. */
  function lookup(accessKeyId, securityToken, atMs = now()) {
    const hasToken = typeof securityToken === 'string' && securityToken !== '';
    if (permanent.has(accessKeyId)) {
      // Aliyun EC 0002-00000002: a security token turns the request into an STS request,
      // and a permanent key is not an STS key.
      if (hasToken) throw ossError('InvalidStsAccessKeyId', { extra: { OSSAccessKeyId: accessKeyId } });
      return permanent.get(accessKeyId);
    }
    if (!isIssuedId(accessKeyId)) {
      throw ossError(hasToken ? 'InvalidStsAccessKeyId' : 'InvalidAccessKeyId', {
        extra: { OSSAccessKeyId: accessKeyId },
      });
    }
    // oss-spec §1d: a missing STS token reads as an unknown AccessKeyId.
    if (!hasToken) throw ossError('InvalidAccessKeyId', { extra: { OSSAccessKeyId: accessKeyId } });
    const claims = openToken(accessKeyId, securityToken);
    if (!claims) throw ossError('InvalidSecurityToken');
    if (atMs > claims.exp) throw ossError('SecurityTokenExpired');
    return secretOf(accessKeyId);
  }

  /**
   * After the signature checked out: throws 403 AccessDenied unless the STS token's session
   * policy allows the request (see enforceSessionPolicy). Permanent keys have no session policy.
   */
  function authorize(accessKeyId, securityToken, request) {
    if (ramUserPolicies.has(accessKeyId)) {
      return enforceSessionPolicy(ramUserPolicies.get(accessKeyId), request, "the RAM user's policy");
    }
    if (permanent.has(accessKeyId)) return;
    const claims = openToken(accessKeyId, securityToken);
    if (!claims) throw ossError('InvalidSecurityToken');
    if (claims.policy !== undefined) enforceSessionPolicy(parseRamPolicy(claims.policy), request);
  }

  return { issueSts, lookup, authorize };
}

// ---------------------------------------------------------------- primitives

export function hmac(algorithm, key, message) {
  return createHmac(algorithm, key).update(message).digest();
}

export function sha256Hex(text) {
  return createHash('sha256').update(text).digest('hex');
}

/** oss-spec §1c: SigningKey = H(H(H(H("aliyun_v4"+secret, day), region), "oss"), "aliyun_v4_request"). */
export function v4SigningKey(secret, day, region) {
  const dateKey = hmac('sha256', `aliyun_v4${secret}`, day);
  const regionKey = hmac('sha256', dateKey, region);
  const productKey = hmac('sha256', regionKey, V4_PRODUCT);
  return hmac('sha256', productKey, V4_TERMINATOR);
}

function safeEqual(a, b) {
  const left = Buffer.from(String(a));
  const right = Buffer.from(String(b));
  return left.length === right.length && timingSafeEqual(left, right);
}

/** oss-spec §3: byte-wise percent-encoding that keeps A–Z a–z 0–9 - _ . ~ (and `/` when asked). */
export function encodeV4(bytes, keepSlash) {
  let out = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(char) || (keepSlash && char === '/')) out += char;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** V4 x-oss-date: yyyymmddTHHMMSSZ (oss-spec §1c) → epoch ms, or NaN. */
export function parseV4Date(text) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? '');
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Reject dates that Date.UTC silently rolls over (e.g. month 13, Feb 30).
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return NaN;
  return ms;
}

/** V1 Date / x-oss-date: RFC 1123 GMT (oss-spec §2), strictly, → epoch ms or NaN. */
export function parseRfc1123(text) {
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text ?? '')) return NaN;
  return Date.parse(text);
}

/**
 * Both clock checks in one place. oss-spec §2/§3: header signatures tolerate `maxSkewMs`
 * (15 min) either way. oss-spec §1c: a V4 date is valid at most 7 days (checked first, so
 * that error stays reachable when maxSkewMs is raised).
 */
function checkRequestTime(requestMs, nowMs, maxSkewMs, { v4 }) {
  if (v4 && nowMs - requestMs > V4_MAX_AGE_MS) throw ossError('RequestExpired');
  if (Math.abs(nowMs - requestMs) > maxSkewMs) {
    throw ossError('RequestTimeTooSkewed', {
      extra: {
        RequestTime: new Date(requestMs).toISOString(),
        ServerTime: new Date(nowMs).toISOString(),
        MaxAllowedSkewMilliseconds: String(maxSkewMs),
      },
    });
  }
}

/**
 * oss-spec §1c, §3: `<AK>/<yyyymmdd>/<region>/oss/aliyun_v4_request`, with this server's region
 * and the day of x-oss-date. `errorKind` differs between the form and the header.
 */
function parseV4Credential(credential, { region, xOssDate, errorKind }) {
  const parts = String(credential ?? '').split('/');
  const fail = (why) => {
    throw ossError(errorKind, {
      message: `Invalid credential: ${why}`,
      extra: { Credential: String(credential ?? '') },
    });
  };
  if (parts.length !== 5) fail(`expected <AccessKeyId>/<yyyymmdd>/<region>/oss/${V4_TERMINATOR}`);
  const [accessKeyId, day, credentialRegion, product, terminator] = parts;
  if (accessKeyId === '' || /[\s]/.test(accessKeyId)) fail('bad AccessKeyId');
  if (terminator !== V4_TERMINATOR) fail(`it must end with /${V4_TERMINATOR}`);
  if (product !== V4_PRODUCT) fail(`the service must be "${V4_PRODUCT}"`);
  if (!/^\d{8}$/.test(day)) fail('the date must be yyyymmdd');
  if (credentialRegion !== region) fail(`Invalid signing region: "${credentialRegion}", this bucket is in "${region}"`);
  if (day !== xOssDate.slice(0, 8)) fail(`Invalid signing date: ${day} is not the day of x-oss-date ${xOssDate}`);
  return { accessKeyId, day };
}

// ---------------------------------------------------------------- PostObject

/**
 * oss-spec §1b: Signature = base64(HMAC-SHA1(secret, policy_field)).
 * `field(name)` reads a form field by lowercase name.
 */
export function verifyPostV1({ field, credentials, now }) {
  const accessKeyId = field('ossaccesskeyid');
  const policy = field('policy');
  const signature = field('signature');
  const secret = credentials.lookup(accessKeyId, field('x-oss-security-token'), now());
  const expected = hmac('sha1', secret, policy).toString('base64');
  if (!safeEqual(expected, signature)) {
    throw ossError('PostSignatureDoesNotMatch', { extra: { StringToSign: policy, OSSAccessKeyId: accessKeyId } });
  }
  return { accessKeyId };
}

/**
 * oss-spec §1c: x-oss-signature = hex(HMAC-SHA256(SigningKey, policy_field)); the credential's
 * region and day are checked, and x-oss-date against the server clock.
 */
export function verifyPostV4({ field, credentials, region, now, maxSkewMs }) {
  if (field('x-oss-signature-version') !== V4_ALGORITHM) throw ossError('BadSignatureVersion');
  for (const name of ['x-oss-credential', 'x-oss-date', 'x-oss-signature']) {
    if (field(name) === undefined) throw ossError('V4FieldMissing', { message: `The ${name} form field is missing.` });
  }
  if (field('policy') === undefined) throw ossError('PolicyFieldMissing');
  const xOssDate = field('x-oss-date');
  const requestMs = parseV4Date(xOssDate);
  if (Number.isNaN(requestMs)) throw ossError('BadPostDate');
  const { accessKeyId, day } = parseV4Credential(field('x-oss-credential'), {
    region,
    xOssDate,
    errorKind: 'BadPostCredential',
  });
  checkRequestTime(requestMs, now(), maxSkewMs, { v4: true });
  const secret = credentials.lookup(accessKeyId, field('x-oss-security-token'), now());
  const policy = field('policy');
  const expected = hmac('sha256', v4SigningKey(secret, day, region), policy).toString('hex');
  if (!safeEqual(expected, field('x-oss-signature'))) {
    throw ossError('PostSignatureDoesNotMatch', { extra: { StringToSign: policy, OSSAccessKeyId: accessKeyId } });
  }
  return { accessKeyId };
}

// ---------------------------------------------------------------- header-signed requests

/**
 * Verify the Authorization header of a multipart call (oss-spec §2, §3).
 * `request` = { method, headers (lowercase names, values already UTF-8 decoded), key,
 *               query: [[name, value], …] decoded, queryBytes: the same as raw bytes,
 *               bucket, region, sourceIp }. `now()` should be the time the request arrived.
 * Then an STS token's session policy must allow the request (createCredentialStore's authorize).
 */
export function verifyHeaderAuth(request, { credentials, now, maxSkewMs }) {
  const authorization = request.headers.authorization;
  if (!authorization) throw ossError('MissingAuthorization');
  let verified;
  if (authorization.startsWith(`${V4_ALGORITHM} `)) verified = verifyHeaderV4(request, { credentials, now, maxSkewMs });
  else if (authorization.startsWith('OSS ')) verified = verifyHeaderV1(request, { credentials, now, maxSkewMs });
  else throw ossError('BadAuthorization');
  credentials.authorize(verified.accessKeyId, header(request.headers, 'x-oss-security-token'), {
    ...request,
    has: (name) => request.query.some(([queryName]) => queryName === name),
    header: (name) => header(request.headers, name),
    now: now(),
  });
  return verified;
}

function header(headers, name) {
  const value = headers[name];
  return value === undefined ? undefined : String(value).trim();
}

/**
 * oss-spec §2: VERB\nContent-MD5\nContent-Type\nDate\n + CanonicalizedOSSHeaders + CanonicalizedResource.
 * A presigned V1 URL puts its `Expires` where the date goes (`date`).
 */
export function v1StringToSign({ method, headers, key, query, bucket }, date = undefined) {
  date ??= header(headers, 'x-oss-date') ?? header(headers, 'date') ?? '';
  const ossHeaders = Object.keys(headers)
    .filter((name) => name.startsWith('x-oss-'))
    .sort()
    .map((name) => `${name}:${header(headers, name)}\n`)
    .join('');
  const subResources = query
    .filter(([name]) => V1_SUB_RESOURCES.has(name))
    .map(([name, value]) => (value === '' || value === null ? name : `${name}=${value}`))
    .sort();
  const resource = `/${bucket}/${key}` + (subResources.length ? `?${subResources.join('&')}` : '');
  return [
    method,
    header(headers, 'content-md5') ?? '',
    header(headers, 'content-type') ?? '',
    date,
    ossHeaders + resource,
  ].join('\n');
}

function verifyHeaderV1(request, { credentials, now, maxSkewMs }) {
  const match = /^OSS ([^:\s]+):(\S+)$/.exec(request.headers.authorization.trim());
  if (!match)
    throw ossError('BadAuthorization', { message: 'Authorization header must be "OSS <AccessKeyId>:<Signature>".' });
  const [, accessKeyId, signature] = match;
  // oss-spec §2: x-oss-date wins over Date when both are sent.
  const dateText = header(request.headers, 'x-oss-date') ?? header(request.headers, 'date');
  const requestMs = parseRfc1123(dateText);
  if (Number.isNaN(requestMs)) throw ossError('BadRequestDate', { extra: { Date: dateText ?? '' } });
  checkRequestTime(requestMs, now(), maxSkewMs, { v4: false });
  const secret = credentials.lookup(accessKeyId, header(request.headers, 'x-oss-security-token'), now());
  const stringToSign = v1StringToSign(request);
  const expected = hmac('sha1', secret, stringToSign).toString('base64');
  if (!safeEqual(expected, signature)) {
    throw ossError('HeaderSignatureDoesNotMatch', {
      extra: { StringToSign: stringToSign, OSSAccessKeyId: accessKeyId },
    });
  }
  return { accessKeyId, version: 1 };
}

/** Authorization fields after the algorithm; accepts both `,` and `, ` (oss-spec §7.5). */
function parseV4Authorization(authorization) {
  const fields = {};
  for (const piece of authorization.slice(V4_ALGORITHM.length + 1).split(',')) {
    const text = piece.trim();
    const eq = text.indexOf('=');
    if (eq <= 0)
      throw ossError('BadAuthorization', { message: `Authorization header has a malformed field: "${text}".` });
    fields[text.slice(0, eq)] = text.slice(eq + 1);
  }
  if (!fields.Credential || !fields.Signature) {
    throw ossError('BadAuthorization', { message: 'Authorization header must carry Credential and Signature.' });
  }
  return fields;
}

/**
 * oss-spec §3: VERB\nCanonicalURI\nCanonicalQuery\nCanonicalHeaders\nAdditionalHeaders\nHashedPayload.
 * A presigned URL leaves its own x-oss-signature out of the query and signs UNSIGNED-PAYLOAD
 * unless the request carries x-oss-content-sha256 (`presigned`).
 */
export function v4CanonicalRequest({ method, headers, key, queryBytes, bucket }, additionalHeaders, presigned = false) {
  const uri = encodeV4(Buffer.from(`/${bucket}/${key}`, 'utf8'), true);
  const query = queryBytes
    .filter(([name]) => !(presigned && name.toString('utf8') === 'x-oss-signature'))
    .map(([name, value]) => [
      encodeV4(name, false),
      value === null || value.length === 0 ? null : encodeV4(value, false),
    ])
    .sort(([a, va], [b, vb]) => compareBytes(a, b) || compareBytes(va ?? '', vb ?? ''))
    .map(([name, value]) => (value === null ? name : `${name}=${value}`))
    .join('&');
  const signed = new Set(additionalHeaders);
  for (const name of Object.keys(headers)) {
    if (name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-')) signed.add(name);
  }
  const canonicalHeaders = [...signed]
    .sort()
    .map((name) => `${name}:${header(headers, name) ?? ''}\n`)
    .join('');
  return [
    method,
    uri,
    query,
    canonicalHeaders,
    additionalHeaders.join(';'),
    header(headers, 'x-oss-content-sha256') ?? (presigned ? 'UNSIGNED-PAYLOAD' : undefined),
  ].join('\n');
}

function compareBytes(a, b) {
  return a < b ? -1 : a > b ? 1 : 0; // encoded strings are ASCII, so code units order like bytes
}

function verifyHeaderV4(request, { credentials, now, maxSkewMs }) {
  const fields = parseV4Authorization(request.headers.authorization.trim());
  const xOssDate = header(request.headers, 'x-oss-date');
  const requestMs = parseV4Date(xOssDate);
  if (Number.isNaN(requestMs)) throw ossError('BadRequestDate', { extra: { 'x-oss-date': xOssDate ?? '' } });
  const { accessKeyId, day } = parseV4Credential(fields.Credential, {
    region: request.region,
    xOssDate,
    errorKind: 'BadHeaderCredential',
  });
  checkRequestTime(requestMs, now(), maxSkewMs, { v4: true });
  if (header(request.headers, 'x-oss-content-sha256') === undefined) throw ossError('MissingContentSha256');
  const additional = fields.AdditionalHeaders === undefined ? [] : fields.AdditionalHeaders.split(';');
  if (additional.some((name) => name.trim() === '')) throw ossError('EmptyAdditionalHeader');
  const additionalHeaders = additional.map((name) => name.trim().toLowerCase());
  const secret = credentials.lookup(accessKeyId, header(request.headers, 'x-oss-security-token'), now());
  const canonicalRequest = v4CanonicalRequest(request, additionalHeaders);
  const scope = `${day}/${request.region}/${V4_PRODUCT}/${V4_TERMINATOR}`;
  const stringToSign = [V4_ALGORITHM, xOssDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const expected = hmac('sha256', v4SigningKey(secret, day, request.region), stringToSign).toString('hex');
  if (!safeEqual(expected, fields.Signature)) {
    throw ossError('HeaderSignatureDoesNotMatch', {
      extra: { StringToSign: stringToSign, CanonicalRequest: canonicalRequest, OSSAccessKeyId: accessKeyId },
    });
  }
  return { accessKeyId, version: 4 };
}

// ---------------------------------------------------------------- presigned URLs

const V4_MAX_EXPIRES_SECONDS = 7 * 24 * 3600; // x-oss-expires: at most 7 days

/** The signature a request carries: 'header', 'query-v1', 'query-v4', or null (anonymous). */
export function signatureKind({ headers, query }) {
  const has = (name) => query.some(([queryName]) => queryName === name);
  if (headers.authorization !== undefined) return 'header';
  if (['x-oss-signature-version', 'x-oss-credential', 'x-oss-signature', 'x-oss-expires'].some(has)) return 'query-v4';
  if (['OSSAccessKeyId', 'Signature', 'Expires'].some(has)) return 'query-v1';
  return null;
}

function queryParam(query, name) {
  return query.find(([queryName]) => queryName === name)?.[1];
}

/**
 * A presigned V1 URL (`?OSSAccessKeyId&Expires&Signature`, STS adds `security-token`):
 * the header StringToSign with `Expires` in place of the date; `security-token` is a
 * sub-resource, so it is signed in the CanonicalizedResource.
 */
export function verifyQueryV1(request, { credentials, now }) {
  const param = (name) => queryParam(request.query, name);
  const accessKeyId = param('OSSAccessKeyId');
  const expires = param('Expires');
  const signature = param('Signature');
  for (const [name, value] of [
    ['OSSAccessKeyId', accessKeyId],
    ['Expires', expires],
    ['Signature', signature],
  ]) {
    if (!value) throw ossError('PresignFieldMissing', { message: `The ${name} query parameter is missing or empty.` });
  }
  if (!/^\d{1,12}$/.test(expires)) throw ossError('PresignBadExpires', { extra: { Expires: expires } });
  const nowMs = now();
  if (nowMs > Number(expires) * 1000) {
    throw ossError('PresignExpired', {
      extra: { Expires: new Date(Number(expires) * 1000).toISOString(), ServerTime: new Date(nowMs).toISOString() },
    });
  }
  const secret = credentials.lookup(accessKeyId, param('security-token'), nowMs);
  const stringToSign = v1StringToSign(request, expires);
  const expected = hmac('sha1', secret, stringToSign).toString('base64');
  if (!safeEqual(expected, signature)) {
    throw ossError('QuerySignatureDoesNotMatch', {
      extra: { StringToSign: stringToSign, OSSAccessKeyId: accessKeyId },
    });
  }
  return { accessKeyId, version: 1, presigned: true };
}

/**
 * A presigned V4 URL: x-oss-signature-version, x-oss-credential, x-oss-date, x-oss-expires,
 * x-oss-signature (and x-oss-additional-headers, x-oss-security-token). Every query parameter
 * but x-oss-signature is signed; the payload is UNSIGNED-PAYLOAD. Valid from 15 minutes
 * before x-oss-date until x-oss-date + x-oss-expires seconds.
 */
export function verifyQueryV4(request, { credentials, now, maxSkewMs }) {
  const param = (name) => queryParam(request.query, name);
  if (param('x-oss-signature-version') !== V4_ALGORITHM) throw ossError('BadSignatureVersion');
  for (const name of ['x-oss-credential', 'x-oss-date', 'x-oss-expires', 'x-oss-signature']) {
    if (!param(name))
      throw ossError('PresignFieldMissing', { message: `The ${name} query parameter is missing or empty.` });
  }
  const xOssDate = param('x-oss-date');
  const requestMs = parseV4Date(xOssDate);
  if (Number.isNaN(requestMs)) throw ossError('BadRequestDate', { extra: { 'x-oss-date': xOssDate } });
  const { accessKeyId, day } = parseV4Credential(param('x-oss-credential'), {
    region: request.region,
    xOssDate,
    errorKind: 'BadHeaderCredential',
  });
  const expires = param('x-oss-expires');
  if (!/^\d{1,7}$/.test(expires) || Number(expires) > V4_MAX_EXPIRES_SECONDS) {
    throw ossError('PresignBadExpires', { extra: { 'x-oss-expires': expires } });
  }
  const nowMs = now();
  if (nowMs < requestMs - maxSkewMs) throw ossError('PresignNotYetValid', { extra: { 'x-oss-date': xOssDate } });
  if (nowMs > requestMs + Number(expires) * 1000) {
    throw ossError('PresignExpired', {
      extra: {
        Expires: new Date(requestMs + Number(expires) * 1000).toISOString(),
        ServerTime: new Date(nowMs).toISOString(),
      },
    });
  }
  const additional = param('x-oss-additional-headers');
  const additionalHeaders = additional ? additional.split(';').map((name) => name.trim().toLowerCase()) : [];
  if (additionalHeaders.some((name) => name === '')) throw ossError('EmptyAdditionalHeader');
  const secret = credentials.lookup(accessKeyId, param('x-oss-security-token'), nowMs);
  const canonicalRequest = v4CanonicalRequest(request, additionalHeaders, true);
  const scope = `${day}/${request.region}/${V4_PRODUCT}/${V4_TERMINATOR}`;
  const stringToSign = [V4_ALGORITHM, xOssDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const expected = hmac('sha256', v4SigningKey(secret, day, request.region), stringToSign).toString('hex');
  if (!safeEqual(expected, param('x-oss-signature'))) {
    throw ossError('QuerySignatureDoesNotMatch', {
      extra: { StringToSign: stringToSign, CanonicalRequest: canonicalRequest, OSSAccessKeyId: accessKeyId },
    });
  }
  return { accessKeyId, version: 4, presigned: true };
}
