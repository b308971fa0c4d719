// RAM policies for STS session policies: the document AssumeRole takes as `Policy`, checked by
// the local bucket on every request made with a token issued with one, as OSS does:
// Deny wins, then Allow, else an implicit deny (the session policy is a filter, so a public-read
// ACL does not let an implicitly denied request through — Aliyun EC 0003-00000301).
//
//   { "Version": "1", "Statement": [{ "Effect": "Allow" | "Deny",
//       "Action": "oss:PutObject" | [...], "Resource": "acs:oss:*:*:bucket/prefix/*" | [...],
//       "Condition"?: { "IpAddress"|"NotIpAddress": { "acs:SourceIp": cidr | [...] },
//                       "DateLessThan"|"DateGreaterThan"|…: { "acs:CurrentTime": iso } } }] }
//
// `*` matches any run of characters and `?` one character, in Action (case-insensitive, as RAM
// compares action names) and Resource (case-sensitive: object keys are).

import { ossError } from './errors.mjs';

// The local bucket's owner, for the concrete resource a request names: acs:oss:<region>:<account>:<bucket>/<key>.
export const LOCAL_ACCOUNT_ID = '1000000000000000';

const EFFECTS = new Set(['Allow', 'Deny']);
const DATE_OPERATORS = {
  DateLessThan: (a, b) => a < b,
  DateLessThanEquals: (a, b) => a <= b,
  DateGreaterThan: (a, b) => a > b,
  DateGreaterThanEquals: (a, b) => a >= b,
};
const IP_OPERATORS = { IpAddress: true, NotIpAddress: false };

const asList = (value) => (Array.isArray(value) ? value : [value]);

/**
 * Checks a policy document (an object or its JSON text) and returns it compiled for `evaluate`.
 * Throws a TypeError naming what is wrong — including elements this server does not evaluate
 * (NotAction, NotResource, other condition keys), which it refuses rather than ignores.
 */
export function parseRamPolicy(document) {
  let policy = document;
  if (typeof policy === 'string') {
    try {
      policy = JSON.parse(policy);
    } catch {
      throw new TypeError('the policy is not valid JSON');
    }
  }
  if (!policy || typeof policy !== 'object' || Array.isArray(policy))
    throw new TypeError('the policy must be an object');
  if (policy.Version !== '1') throw new TypeError('the policy needs "Version": "1"');
  if (!Array.isArray(policy.Statement)) throw new TypeError('the policy needs a "Statement" list');
  const statements = policy.Statement.map((statement, index) => {
    const where = `Statement[${index}]`;
    if (!statement || typeof statement !== 'object') throw new TypeError(`${where} must be an object`);
    for (const name of Object.keys(statement)) {
      if (!['Effect', 'Action', 'Resource', 'Condition', 'Sid'].includes(name))
        throw new TypeError(`${where}.${name} is not supported by the local bucket`);
    }
    if (!EFFECTS.has(statement.Effect)) throw new TypeError(`${where}.Effect must be "Allow" or "Deny"`);
    const patterns = (name, flags) => {
      const list = asList(statement[name]);
      if (list.length === 0 || list.some((item) => typeof item !== 'string' || item === ''))
        throw new TypeError(`${where}.${name} must be a non-empty string or list of strings`);
      return list.map((item) => wildcard(item, flags));
    };
    return {
      effect: statement.Effect,
      actions: patterns('Action', 'i'),
      resources: patterns('Resource', ''),
      conditions: compileConditions(statement.Condition, where),
    };
  });
  return { document: policy, statements };
}

function wildcard(pattern, flags) {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${source}$`, `s${flags}`);
}

function compileConditions(condition, where) {
  if (condition === undefined) return [];
  if (!condition || typeof condition !== 'object') throw new TypeError(`${where}.Condition must be an object`);
  const tests = [];
  for (const [operator, block] of Object.entries(condition)) {
    for (const [key, value] of Object.entries(block ?? {})) {
      const values = asList(value).map(String);
      if (key.toLowerCase() === 'acs:sourceip' && operator in IP_OPERATORS) {
        const ranges = values.map((cidr) => parseCidr(cidr, where));
        const wanted = IP_OPERATORS[operator];
        tests.push((context) => ranges.some((range) => inRange(context.sourceIp, range)) === wanted);
      } else if (key.toLowerCase() === 'acs:currenttime' && operator in DATE_OPERATORS) {
        const times = values.map((text) => {
          const ms = Date.parse(text);
          if (Number.isNaN(ms)) throw new TypeError(`${where}: "${text}" is not a date`);
          return ms;
        });
        tests.push((context) => times.some((ms) => DATE_OPERATORS[operator](context.now, ms)));
      } else {
        throw new TypeError(`${where}: the condition ${operator} on ${key} is not supported by the local bucket`);
      }
    }
  }
  return tests;
}

function parseCidr(text, where) {
  const [address, bits = '32'] = text.split('/');
  const value = ipv4(address);
  const length = Number(bits);
  if (value === null || !Number.isInteger(length) || length < 0 || length > 32)
    throw new TypeError(`${where}: "${text}" is not an IPv4 address or CIDR range`);
  const mask = length === 0 ? 0 : (~0 << (32 - length)) >>> 0;
  return { network: (value & mask) >>> 0, mask };
}

function ipv4(text) {
  const parts = String(text ?? '')
    .replace(/^::ffff:/, '')
    .split('.');
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) return null;
  return parts.reduce((value, part) => ((value << 8) | Number(part)) >>> 0, 0);
}

function inRange(address, { network, mask }) {
  const value = ipv4(address);
  return value !== null && (value & mask) >>> 0 === network;
}

/** 'Allow', 'ExplicitDeny' or 'ImplicitDeny' for one action on one resource. */
export function evaluate(compiled, { action, resource, context }) {
  const applies = (statement) =>
    statement.actions.some((pattern) => pattern.test(action)) &&
    statement.resources.some((pattern) => pattern.test(resource)) &&
    statement.conditions.every((test) => test(context));
  const matching = compiled.statements.filter(applies);
  if (matching.some((statement) => statement.effect === 'Deny')) return 'ExplicitDeny';
  return matching.length > 0 ? 'Allow' : 'ImplicitDeny';
}

/** The resource a request names: the object, or the bucket itself when there is no key. */
export function ossResource({ region, bucket, key }) {
  return `acs:oss:${region}:${LOCAL_ACCOUNT_ID}:${bucket}${key ? `/${key}` : ''}`;
}

/**
 * The RAM actions an OSS request needs (each API's "Permissions" table in the OSS API
 * reference): every way of writing an object is oss:PutObject — PostObject, Initiate,
 * UploadPart, Complete, AppendObject — HEAD is oss:GetObject, and setting an ACL or tags while
 * writing needs oss:PutObjectAcl / oss:PutObjectTagging as well.
 * `has(name)`: whether a sub-resource is in the query; `header(name)`: a header (or form field).
 */
export function ossActions({ method, key, has, header }) {
  const writeExtras = [
    ...(header('x-oss-object-acl') !== undefined ? ['oss:PutObjectAcl'] : []),
    ...(header('x-oss-tagging') !== undefined ? ['oss:PutObjectTagging'] : []),
  ];
  if (!key) {
    if (method === 'POST' && !has('delete')) return ['oss:PutObject', ...writeExtras]; // PostObject
    if (method === 'POST') return ['oss:DeleteObject']; // DeleteMultipleObjects
    if (method === 'GET' && has('uploads')) return ['oss:ListMultipartUploads'];
    return method === 'GET' ? ['oss:ListObjects'] : [`oss:${method}Bucket`];
  }
  for (const [name, base] of [
    ['acl', 'ObjectAcl'],
    ['tagging', 'ObjectTagging'],
  ]) {
    if (!has(name)) continue;
    return [`oss:${{ GET: 'Get', PUT: 'Put', DELETE: 'Delete' }[method] ?? method}${base}`];
  }
  switch (method) {
    case 'GET':
      return [has('uploadId') ? 'oss:ListParts' : 'oss:GetObject'];
    case 'HEAD':
      return ['oss:GetObject'];
    case 'DELETE':
      return [has('uploadId') ? 'oss:AbortMultipartUpload' : 'oss:DeleteObject'];
    case 'PUT':
    case 'POST':
      return ['oss:PutObject', ...writeExtras];
    default:
      return [`oss:${method}`];
  }
}

/**
 * Throws 403 AccessDenied unless the session policy allows every action the request needs on
 * its resource. `request`: { method, bucket, region, key, has, header, sourceIp, now }.
 */
export function enforceSessionPolicy(compiled, request, whose = "the STS token's session policy") {
  const resource = ossResource(request);
  const context = { sourceIp: request.sourceIp, now: request.now };
  for (const action of ossActions(request)) {
    const decision = evaluate(compiled, { action, resource, context });
    if (decision === 'Allow') continue;
    throw ossError('StsPolicyDenied', {
      message: `Access denied by authorizer's policy: ${whose} does not allow ${action} on ${resource} (${decision === 'ExplicitDeny' ? 'a Deny statement matches' : 'no Allow statement matches'}).`,
      extra: {
        AccessDeniedDetail: [
          ['AuthAction', action],
          ['AuthResource', resource],
          ['NoPermissionType', decision],
          ['PolicyType', 'SessionPolicy'],
        ],
      },
    });
  }
}

/**
 * PostObject with an STS token: oss:PutObject (and the ACL/tagging actions its fields ask for)
 * on the form's final key. `field(name)` reads a form field by lowercase name; the form is
 * already verified, so its AccessKeyId is the V4 credential's or OSSAccessKeyId.
 */
export function authorizePostObject({ credentials, field, ...request }) {
  const credential = field('x-oss-credential');
  const accessKeyId = credential !== undefined ? credential.split('/')[0] : field('ossaccesskeyid');
  credentials.authorize(accessKeyId, field('x-oss-security-token'), {
    ...request,
    method: 'POST',
    has: () => false,
    header: field,
  });
}
