// A local, OSS-compatible bucket for tests and the demo: PostObject (V1/V4), header-signed
// multipart upload (V1/V4), GET/HEAD, STS credentials, CORS, and fault hooks. It verifies
// every signature itself (./oss-auth.mjs) and answers errors the way OSS does (./errors.mjs).
// Path-style on one host: `${url}/` takes PostObject, `${url}/${key}` is the object
// (DESIGN-NOTES "Endpoints and local servers"). See README.md beside this file.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { drainBody, readBodyText, receiveToFile } from './body.mjs';
import { createCrc64, crc64Header } from './crc64.mjs';
import { isOssError, ossError } from './errors.mjs';
import { createFaults } from './faults.mjs';
import { receiveForm } from './form.mjs';
import { createCredentialStore, verifyHeaderAuth, verifyPostV1, verifyPostV4 } from './oss-auth.mjs';
import { keyFromPath, pathFromKey, percentDecodeBytes, validateObjectKey } from './object-key.mjs';
import { checkPolicy, missingExactConditions, parsePolicy } from './policy.mjs';
import { createStorage } from './storage.mjs';
import { parseCompleteMultipartUpload, xmlDocument } from './xml.mjs';

export const DEFAULT_ACCESS_KEYS = Object.freeze({
  OSSUP_FAKE_ACCESS_KEY_ID: 'ossup-fake-access-key-secret-local-only',
});

const MAX_OBJECT_BYTES = 5 * 1024 ** 3; // oss-spec §1: PostObject ≤ 5 GB (also our per-part cap)
const MIN_PART_BYTES = 100 * 1024; // oss-spec §3: every part but the last ≥ 100 KB
const MAX_PART_NUMBER = 10000; // oss-spec §3
const MAX_USER_META_BYTES = 8 * 1024; // oss-spec §1
const MAX_CALLBACK_BYTES = 5 * 1024; // oss-spec §4
const MAX_XML_BODY_BYTES = 2 * 1024 * 1024;
const CALLBACK_TIMEOUT_MS = 5000; // oss-spec §4: the callback server has 5 s
const TEST_API_PREFIX = '/__ossup_test/';
// DESIGN-NOTES "CORS for H5": without these the browser hides the headers from scripts.
const EXPOSE_HEADERS = 'ETag, x-oss-request-id, x-oss-hash-crc64ecma, Date, x-oss-ec';
const ALLOW_METHODS = 'GET, PUT, POST, DELETE, HEAD';
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const OBJECT_ACLS = new Set(['default', 'private', 'public-read', 'public-read-write']);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Thrown after a fault hook destroyed the socket: there is nobody left to answer. */
const DROPPED = Symbol('dropped');

export async function startBucketServer(options = {}) {
  const config = {
    host: '127.0.0.1',
    port: 0,
    bucket: 'ossup-local',
    region: 'cn-hangzhou',
    accessKeys: DEFAULT_ACCESS_KEYS,
    testMode: false,
    maxSkewMs: 15 * 60 * 1000, // oss-spec §2, §1c
    log: false,
    ...options,
  };
  if (!config.root) throw new TypeError('startBucketServer: options.root (a directory) is required');

  const clock = { offsetMs: 0 };
  const now = () => Date.now() + clock.offsetMs;
  const app = {
    config,
    now,
    storage: await createStorage(path.resolve(config.root)),
    credentials: createCredentialStore({ accessKeys: config.accessKeys, now }),
    faults: createFaults({ enabled: config.testMode }),
    requests: [],
    clock,
    url: '',
    hostId: '',
  };

  const server = http.createServer((req, res) => handleRequest(app, req, res));
  server.requestTimeout = 0; // big uploads may outlast Node's 5-minute default
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const { port } = server.address();
  const wildcard = config.host === '0.0.0.0' || config.host === '::';
  const host = wildcard ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  app.url = `http://${host}:${port}`;
  app.hostId = `${config.bucket}.${host}:${port}`;

  return {
    url: app.url,
    bucket: config.bucket,
    region: config.region,
    root: app.storage.root,
    issueSts: (stsOptions) => app.credentials.issueSts(stsOptions),
    setClockOffset(ms) {
      clock.offsetMs = Number(ms) || 0;
    },
    now,
    faults: { add: app.faults.add, clear: app.faults.clear, list: app.faults.list },
    requests: app.requests,
    objectPath: (key) => app.storage.objectPath(key),
    async close() {
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // includes requests parked in a 'delay' fault
      });
    },
  };
}

// ---------------------------------------------------------------- request plumbing

async function handleRequest(app, req, res) {
  const ctx = createContext(app, req, res);
  try {
    setCommonHeaders(ctx);
    await route(ctx);
  } catch (error) {
    if (error === DROPPED || ctx.aborted || res.destroyed) return;
    if (isOssError(error)) return sendError(ctx, error);
    console.error('[ossup bucket] internal error:', error);
    sendError(ctx, ossError('InternalError', { message: `Internal error in the local bucket server: ${error.message}` }));
  }
}

function createContext(app, req, res) {
  const queryStart = req.url.indexOf('?');
  const pathname = queryStart < 0 ? req.url : req.url.slice(0, queryStart);
  const queryBytes = (queryStart < 0 ? '' : req.url.slice(queryStart + 1))
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq < 0
        ? [percentDecodeBytes(pair), null]
        : [percentDecodeBytes(pair.slice(0, eq)), percentDecodeBytes(pair.slice(eq + 1))];
    });
  const queryList = queryBytes.map(([name, value]) => [name.toString('utf8'), value === null ? '' : value.toString('utf8')]);
  const ctx = {
    app,
    req,
    res,
    pathname,
    queryBytes,
    queryList,
    query: new Map([...queryList].reverse()), // first occurrence wins
    headers: decodeHeaders(req.headers),
    requestId: randomBytes(12).toString('hex').toUpperCase(), // 24 hex, like OSS
    entry: { op: 'Unknown', method: req.method, key: null, partNumber: null, uploadId: null, status: 0, code: null, bytes: 0 },
    aborted: false,
    skipLog: false,
    recorded: false,
  };
  res.on('finish', () => record(ctx, res.statusCode));
  res.on('close', () => record(ctx, 0)); // no-op after 'finish'; catches drops and client aborts
  return ctx;
}

/** Header values arrive as latin1 strings of the raw bytes; clients send UTF-8. */
function decodeHeaders(headers) {
  const decoded = {};
  for (const [name, value] of Object.entries(headers)) {
    const text = Array.isArray(value) ? value.join(', ') : value;
    decoded[name] = Buffer.from(text, 'latin1').toString('utf8');
  }
  return decoded;
}

/** The inverse: a UTF-8 string as a header value (raw UTF-8 bytes on the wire). */
function headerValue(text) {
  return Buffer.from(String(text), 'utf8').toString('latin1');
}

function record(ctx, status) {
  if (ctx.recorded || ctx.skipLog) return;
  ctx.recorded = true;
  ctx.entry.status = status;
  ctx.entry.requestId = ctx.requestId;
  ctx.app.requests.push(ctx.entry);
  const { log } = ctx.app.config;
  if (typeof log === 'function') log(ctx.entry);
  else if (log) {
    const { method, op, key, status: code, code: errorCode } = ctx.entry;
    console.log(`[ossup bucket] ${method} ${ctx.req.url} ${op}${key ? ` ${key}` : ''} → ${code}${errorCode ? ` ${errorCode}` : ''}`);
  }
}

function setCommonHeaders({ app, req, res, requestId }) {
  res.setHeader('x-oss-request-id', requestId);
  res.setHeader('Date', new Date(app.now()).toUTCString()); // the server clock, offset included
  res.setHeader('Server', 'ossup-local-bucket');
  res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*');
  res.setHeader('Access-Control-Allow-Methods', ALLOW_METHODS);
  res.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS);
  res.setHeader('Vary', 'Origin');
}

function sendError(ctx, error) {
  const { res, req } = ctx;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = xmlDocument('Error', [
    ['Code', error.code],
    ['Message', error.message],
    ['RequestId', ctx.requestId],
    ['HostId', ctx.app.hostId],
    ...Object.entries(error.extra),
    ['EC', error.ec],
  ]);
  ctx.entry.code = error.code;
  res.statusCode = error.status;
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('x-oss-ec', error.ec);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendXml({ res }, status, name, content, headers = {}) {
  const body = xmlDocument(name, content);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendEmpty({ res }, status, headers = {}) {
  res.writeHead(status, { ...headers, 'Content-Length': 0 });
  res.end();
}

function sendJson({ res }, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

// ---------------------------------------------------------------- routing

async function route(ctx) {
  const { req, pathname, query } = ctx;
  if (req.method === 'OPTIONS') return handlePreflight(ctx);
  if (pathname.startsWith(TEST_API_PREFIX)) return handleTestApi(ctx);
  if (pathname === '/') {
    ctx.entry.op = req.method === 'POST' ? 'PostObject' : 'BucketOperation';
    if (req.method === 'POST') return handlePostObject(ctx);
    throw ossError('NotImplemented', { message: 'Bucket-level operations (ListObjects, …) are not implemented by the local bucket server.' });
  }
  const key = keyFromPath(pathname);
  ctx.entry.key = key;
  switch (req.method) {
    case 'POST':
      if (query.has('uploads')) return handleInitiate(ctx, key);
      if (query.has('uploadId')) return handleComplete(ctx, key);
      break;
    case 'PUT':
      if (query.has('uploadId') || query.has('partNumber')) return handleUploadPart(ctx, key);
      break;
    case 'DELETE':
      if (query.has('uploadId')) return handleAbort(ctx, key);
      break;
    case 'GET':
      if (query.has('uploadId')) return handleListParts(ctx, key);
      return handleGetObject(ctx, key);
    case 'HEAD':
      return handleGetObject(ctx, key);
    default:
      throw ossError('MethodNotAllowed');
  }
  ctx.entry.op = 'Unsupported';
  throw ossError('NotImplemented', {
    message: `${req.method} on an object without a multipart sub-resource (PutObject, DeleteObject, …) is not implemented by the local bucket server.`,
  });
}

function handlePreflight(ctx) {
  const { req, res } = ctx;
  ctx.entry.op = 'Preflight';
  res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? '*');
  res.setHeader('Access-Control-Max-Age', '600');
  sendEmpty(ctx, 200);
}

// ---------------------------------------------------------------- fault hooks

/** The one fault point of a request: after it was validated, before anything is stored. */
function takeFault(ctx, details) {
  const fault = ctx.app.faults.take({ op: ctx.entry.op, ...details });
  if (!fault) return null;
  ctx.entry.fault = fault.action;
  switch (fault.action) {
    case 'status':
      throw ossError('InternalError', {
        status: fault.status,
        code: fault.code,
        message: fault.message ?? `Injected fault (testMode): status ${fault.status}.`,
      });
    case 'expire-token':
      throw ossError('SecurityTokenExpired');
    case 'drop-before':
      dropConnection(ctx);
      break;
  }
  return fault;
}

/** After storing: the lost response, the slow response. ('corrupt' is applied by the caller.) */
async function afterStore(ctx, fault) {
  if (fault?.action === 'drop-after') dropConnection(ctx);
  if (fault?.action === 'delay') await sleep(fault.delayMs);
}

function dropConnection(ctx) {
  record(ctx, 0);
  ctx.req.socket.destroy();
  throw DROPPED;
}

/** A CRC that is not the stored bytes' CRC (every 64-bit value is some content's CRC). */
function corruptCrc(crc) {
  return BigInt.asUintN(64, BigInt(crc) ^ 0x5a5a5a5a5a5a5a5an);
}

// ---------------------------------------------------------------- PostObject (oss-spec §1)

async function handlePostObject(ctx) {
  const tmpFile = ctx.app.storage.tmpPath();
  try {
    const form = await receiveForm(ctx.req, { tmpFile, maxFileBytes: MAX_OBJECT_BYTES });
    if (form.aborted) {
      ctx.aborted = true;
      return;
    }
    await postObject(ctx, form);
  } finally {
    await rm(tmpFile, { force: true }); // already renamed away when the object was stored
  }
}

async function postObject(ctx, form) {
  const { app } = ctx;
  const { bucket } = app.config;
  if (form.error) throw form.error;
  if (form.partAfterFile) {
    throw ossError('MalformedPOSTRequest', { message: 'The body of your POST request is not well-formed multipart/form-data: the file field must be the last field.' });
  }
  const { file } = form;
  if (!file) {
    throw ossError('MalformedPOSTRequest', { message: 'The body of your POST request is not well-formed multipart/form-data: the file field is missing.' });
  }
  const field = (name) => form.fields.get(name);
  ctx.entry.bytes = file.size;
  ctx.entry.key = field('key') ?? null;

  const policy = authenticatePost(app, field);
  // oss-spec §1a: conditions see the unexpanded key; expiry is judged now that the body is in.
  checkPolicy(policy, { field, bucket, size: file.size, now: app.now() });
  if (file.overLimit) throw ossError('EntityTooLarge');

  const key = validateObjectKey((field('key') ?? '').replaceAll('${filename}', file.filename ?? ''));
  ctx.entry.key = key;
  const successStatus = { 200: 200, 201: 201, 204: 204 }[field('success_action_status')] ?? 204; // §1 table
  const callback = field('callback') === undefined ? null : parseCallback(field('callback'));
  const acl = field('x-oss-object-acl');
  if (acl !== undefined && !OBJECT_ACLS.has(acl)) throw ossError('BadObjectAcl');

  const etag = file.md5.toString('hex').toUpperCase();
  const meta = {
    key,
    size: file.size,
    etag,
    crc64: crc64Header(file.crc64),
    // oss-spec §1 table: x-oss-content-type, then the Content-Type field, then the part's type.
    contentType: field('x-oss-content-type') ?? field('content-type') ?? file.mimeType ?? 'application/octet-stream',
    ...objectHeadersFrom(field),
    userMeta: userMetaFrom(form.fields),
    acl: acl ?? 'default',
    objectType: 'Normal',
    lastModified: app.now(),
  };

  const fault = takeFault(ctx, { key });
  await app.storage.commitObject(key, file.path, meta, { forbidOverwrite: field('x-oss-forbid-overwrite')?.toLowerCase() === 'true' });
  await afterStore(ctx, fault);

  const crc = fault?.action === 'corrupt' ? crc64Header(corruptCrc(meta.crc64)) : meta.crc64;
  const headers = { ETag: `"${etag}"`, 'x-oss-hash-crc64ecma': crc };
  if (callback) return answerWithCallback(ctx, callback, { meta, headers, field });
  if (successStatus === 201) {
    return sendXml(ctx, 201, 'PostResponse', [
      ['Bucket', bucket],
      ['Location', `${app.url}${pathFromKey(key)}`],
      ['Key', key],
      ['ETag', `"${etag}"`],
    ], headers);
  }
  sendEmpty(ctx, successStatus, headers);
}

/**
 * Which signature the form carries, verified; returns the parsed policy.
 * oss-spec §1 table: V1 needs all of OSSAccessKeyId, policy, Signature or none of them (none
 * means anonymous, which this public-read bucket refuses); V4 is recognised by its fields.
 */
function authenticatePost(app, field) {
  const { credentials, config, now } = app;
  if (['x-oss-signature-version', 'x-oss-credential', 'x-oss-signature'].some((name) => field(name) !== undefined)) {
    verifyPostV4({ field, credentials, region: config.region, now, maxSkewMs: config.maxSkewMs });
    const policy = parsePolicy(field('policy'));
    // oss-spec §1c "Policy contents": the V4 fields are pinned by exact-match conditions.
    const pinned = ['x-oss-signature-version', 'x-oss-credential', 'x-oss-date'];
    if (field('x-oss-security-token') !== undefined) pinned.push('x-oss-security-token');
    const missing = missingExactConditions(policy, pinned);
    if (missing.length > 0) {
      throw ossError('PolicyConditionFailed', {
        message: `Invalid according to Policy: Policy Condition failed: a V4 policy must contain {"${missing[0]}": …} (oss-spec §1c).`,
      });
    }
    return policy;
  }
  const present = ['ossaccesskeyid', 'policy', 'signature'].filter((name) => field(name) !== undefined);
  if (present.length === 0) throw ossError('AnonymousWriteDenied');
  if (field('ossaccesskeyid') === undefined) throw ossError('AccessKeyFieldMissing');
  if (field('policy') === undefined) throw ossError('PolicyFieldMissing');
  if (field('signature') === undefined) throw ossError('SignatureFieldMissing');
  if (field('ossaccesskeyid') === '') throw ossError('AccessKeyFieldEmpty');
  if (field('signature') === '') throw ossError('SignatureFieldEmpty');
  verifyPostV1({ field, credentials });
  return parsePolicy(field('policy'));
}

/** Standard object headers kept with the object and returned on GET/HEAD. */
function objectHeadersFrom(read) {
  const headers = {
    cacheControl: read('cache-control'),
    contentDisposition: read('content-disposition'),
    contentEncoding: read('content-encoding'),
    expires: read('expires'),
  };
  for (const value of Object.values(headers)) assertHeaderSafe(value);
  return headers;
}

function assertHeaderSafe(value) {
  // eslint-disable-next-line no-control-regex
  if (value !== undefined && /[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) throw ossError('BadHeaderValue');
}

/** x-oss-meta-* from form fields or request headers (names lowercase), ≤ 8 KB in total. */
function userMetaFrom(entries) {
  const meta = {};
  let bytes = 0;
  for (const [name, value] of entries) {
    if (!name.startsWith('x-oss-meta-')) continue;
    if (!/^x-oss-meta-[a-z0-9-]+$/.test(name)) throw ossError('BadUserMetaName', { extra: { Name: name.slice(0, 200) } });
    assertHeaderSafe(value);
    meta[name.slice('x-oss-meta-'.length)] = value;
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  if (bytes > MAX_USER_META_BYTES) throw ossError('UserMetaTooLarge');
  return meta;
}

// ---------------------------------------------------------------- callback (oss-spec §4)

function parseCallback(value) {
  if (value.length > MAX_CALLBACK_BYTES) throw ossError('BadCallback', { message: 'The callback configuration is larger than 5 KB.' });
  if (!BASE64.test(value)) throw ossError('BadCallback', { message: 'The callback configuration is not base64 encoded.' });
  let callback;
  try {
    callback = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch {
    throw ossError('BadCallback', { message: 'The callback configuration is not json format.' });
  }
  if (callback === null || typeof callback !== 'object' || Array.isArray(callback)) {
    throw ossError('BadCallback', { message: 'The callback configuration is not json format.' });
  }
  for (const name of ['callbackUrl', 'callbackBody']) {
    if (typeof callback[name] !== 'string' || callback[name].trim() === '') {
      throw ossError('BadCallback', { message: `The callback configuration must contain ${name}.` });
    }
  }
  const type = callback.callbackBodyType ?? 'application/x-www-form-urlencoded';
  if (type !== 'application/x-www-form-urlencoded' && type !== 'application/json') {
    throw ossError('BadCallback', { message: `Unsupported callbackBodyType: ${type}.` });
  }
  const urls = callback.callbackUrl.split(';').map((url) => url.trim()).filter(Boolean);
  if (urls.length === 0 || urls.length > 5 || !urls.every(isHttpUrl)) {
    throw ossError('BadCallback', { message: 'callbackUrl must hold 1 to 5 http(s) URLs separated by ";".' });
  }
  return { urls, body: callback.callbackBody, type };
}

function isHttpUrl(text) {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** oss-spec §4: ${bucket} ${object} ${etag} ${size} ${mimeType} ${x:var}, encoded for the body type. */
function callbackBody({ body, type }, { bucket, meta, field }) {
  const system = { bucket, object: meta.key, etag: meta.etag, size: String(meta.size), mimeType: meta.contentType };
  return body.replace(/\$\{([^}]*)\}/g, (_, name) => {
    const value = name in system ? system[name] : name.startsWith('x:') ? field(name) ?? '' : '';
    return type === 'application/json' ? JSON.stringify(value).slice(1, -1) : encodeURIComponent(value);
  });
}

/** Call back (only to this machine), then answer 200 with its JSON or 203 CallbackFailed. */
async function answerWithCallback(ctx, callback, { meta, headers, field }) {
  const { bucket } = ctx.app.config;
  const body = callbackBody(callback, { bucket, meta, field });
  let failure = 'The local bucket server only calls back to 127.0.0.1/localhost; the callback was not sent.';
  for (const url of callback.urls) {
    if (!LOCAL_HOSTS.has(new URL(url).hostname)) continue;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': callback.type },
        body,
        signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS),
      });
      const text = await response.text();
      if (!response.ok) {
        failure = `Error status : ${response.status}.`;
        continue;
      }
      JSON.parse(text);
      ctx.res.writeHead(200, {
        ...headers,
        'Content-Type': response.headers.get('content-type') ?? 'application/json',
        'Content-Length': Buffer.byteLength(text),
      });
      return ctx.res.end(text);
    } catch (error) {
      failure = error instanceof SyntaxError ? 'Response body is not valid json format.' : `Callback request failed: ${error.message}.`;
    }
  }
  for (const [name, value] of Object.entries(headers)) ctx.res.setHeader(name, value);
  sendError(ctx, ossError('CallbackFailed', { message: failure })); // §1d: 203, the object stays stored
}

// ---------------------------------------------------------------- multipart (oss-spec §3)

/** Verify the Authorization header of a multipart call (oss-spec §2, §3). */
function authenticateHeaders(ctx, key) {
  const { app } = ctx;
  return verifyHeaderAuth(
    {
      method: ctx.req.method,
      headers: ctx.headers,
      key,
      query: ctx.queryList,
      queryBytes: ctx.queryBytes,
      bucket: app.config.bucket,
      region: app.config.region,
    },
    { credentials: app.credentials, now: app.now, maxSkewMs: app.config.maxSkewMs },
  );
}

function objectInfoFromHeaders(ctx) {
  const read = (name) => ctx.headers[name];
  return {
    contentType: read('content-type') ?? 'application/octet-stream',
    ...objectHeadersFrom(read),
    userMeta: userMetaFrom(Object.entries(ctx.headers)),
    forbidOverwrite: read('x-oss-forbid-overwrite')?.toLowerCase() === 'true',
  };
}

async function findUpload(ctx, key) {
  const uploadId = ctx.query.get('uploadId');
  ctx.entry.uploadId = uploadId;
  const upload = await ctx.app.storage.readUpload(uploadId);
  if (!upload || upload.key !== key) throw ossError('NoSuchUpload', { extra: { UploadId: uploadId } });
  return upload;
}

async function handleInitiate(ctx, key) {
  const { app } = ctx;
  ctx.entry.op = 'InitiateMultipartUpload';
  await drainBody(ctx.req);
  authenticateHeaders(ctx, key);
  validateObjectKey(key);
  const info = { key, initiated: app.now(), ...objectInfoFromHeaders(ctx) };
  const fault = takeFault(ctx, { key });
  const uploadId = await app.storage.createUpload(info);
  ctx.entry.uploadId = uploadId;
  await afterStore(ctx, fault);
  sendXml(ctx, 200, 'InitiateMultipartUploadResult', [
    ['Bucket', app.config.bucket],
    ['Key', key],
    ['UploadId', uploadId],
  ]);
}

function parsePartNumber(text) {
  const number = /^\d{1,5}$/.test(text ?? '') ? Number(text) : NaN;
  if (!(number >= 1 && number <= MAX_PART_NUMBER)) throw ossError('InvalidPartNumber', { extra: { PartNumber: text ?? '' } });
  return number;
}

async function handleUploadPart(ctx, key) {
  const { app, headers } = ctx;
  ctx.entry.op = 'UploadPart';
  ctx.entry.uploadId = ctx.query.get('uploadId') ?? null;
  const partText = ctx.query.get('partNumber');
  if (/^\d+$/.test(partText ?? '')) ctx.entry.partNumber = Number(partText);
  const tmpFile = app.storage.tmpPath();
  try {
    const sha256Wanted = headers['x-oss-content-sha256'] !== undefined && headers['x-oss-content-sha256'] !== 'UNSIGNED-PAYLOAD';
    const body = await receiveToFile(ctx.req, tmpFile, { maxBytes: MAX_OBJECT_BYTES, sha256: sha256Wanted });
    if (!body) {
      ctx.aborted = true;
      return;
    }
    ctx.entry.bytes = body.size;
    authenticateHeaders(ctx, key);
    const partNumber = parsePartNumber(partText);
    if (body.overLimit) throw ossError('EntityTooLarge');
    checkBodyDigests(headers, body);
    const etag = body.md5.toString('hex').toUpperCase();
    const crc = crc64Header(body.crc64);
    const fault = await app.storage.withUpload(ctx.query.get('uploadId'), async () => {
      await findUpload(ctx, key);
      const taken = takeFault(ctx, { key, partNumber });
      await app.storage.commitPart(ctx.query.get('uploadId'), partNumber, tmpFile, {
        partNumber,
        etag,
        size: body.size,
        crc64: crc,
        lastModified: app.now(),
      });
      return taken;
    });
    await afterStore(ctx, fault);
    sendEmpty(ctx, 200, {
      ETag: `"${etag}"`,
      'x-oss-hash-crc64ecma': fault?.action === 'corrupt' ? crc64Header(corruptCrc(crc)) : crc,
    });
  } finally {
    await rm(tmpFile, { force: true });
  }
}

/** Content-MD5 (base64) and a signed x-oss-content-sha256, when the client sent them. */
function checkBodyDigests(headers, body) {
  const md5 = headers['content-md5']?.trim();
  if (md5 !== undefined && md5 !== body.md5.toString('base64')) throw ossError('InvalidDigest');
  if (body.sha256 !== undefined && headers['x-oss-content-sha256'].trim().toLowerCase() !== body.sha256) {
    throw ossError('ContentSha256Mismatch');
  }
}

function normalizeEtag(etag) {
  return String(etag).trim().replace(/^"|"$/g, '').toUpperCase();
}

async function handleComplete(ctx, key) {
  const { app, headers } = ctx;
  ctx.entry.op = 'CompleteMultipartUpload';
  const uploadId = ctx.query.get('uploadId');
  ctx.entry.uploadId = uploadId;
  const text = await readBodyText(ctx.req, MAX_XML_BODY_BYTES);
  authenticateHeaders(ctx, key);
  if (text === null) throw ossError('MalformedXML');
  const completeAll = headers['x-oss-complete-all']?.toLowerCase() === 'yes'; // §3: no body
  const listed = completeAll ? null : parseCompleteMultipartUpload(text);
  listed?.forEach(({ partNumber }, i) => {
    if (partNumber < 1 || partNumber > MAX_PART_NUMBER) throw ossError('InvalidPartNumber', { extra: { PartNumber: String(partNumber) } });
    if (i > 0 && partNumber <= listed[i - 1].partNumber) throw ossError('InvalidPartOrder'); // §3: parts ascend
  });
  const tmpFile = app.storage.tmpPath();
  try {
    const { meta, fault } = await app.storage.withUpload(uploadId, async () => {
      const upload = await findUpload(ctx, key);
      const parts = choosePartsToComplete(await app.storage.listParts(uploadId), listed);
      const taken = takeFault(ctx, { key });
      const { size, crc64 } = await concatenateParts(app.storage, uploadId, parts, tmpFile);
      // OSS-style multipart ETag: MD5 of the concatenated binary part MD5s, then "-<count>".
      const md5s = Buffer.concat(parts.map((part) => Buffer.from(part.etag, 'hex')));
      const objectMeta = {
        key,
        size,
        etag: `${createHash('md5').update(md5s).digest('hex').toUpperCase()}-${parts.length}`,
        crc64: crc64Header(crc64),
        contentType: upload.contentType,
        cacheControl: upload.cacheControl,
        contentDisposition: upload.contentDisposition,
        contentEncoding: upload.contentEncoding,
        expires: upload.expires,
        userMeta: upload.userMeta,
        acl: 'default',
        objectType: 'Multipart',
        lastModified: app.now(),
      };
      const forbidOverwrite = upload.forbidOverwrite || headers['x-oss-forbid-overwrite']?.toLowerCase() === 'true';
      await app.storage.commitObject(key, tmpFile, objectMeta, { forbidOverwrite }); // a 409 keeps the upload
      await app.storage.removeUpload(uploadId);
      return { meta: objectMeta, fault: taken };
    });
    await afterStore(ctx, fault);
    const crc = fault?.action === 'corrupt' ? crc64Header(corruptCrc(meta.crc64)) : meta.crc64;
    sendXml(
      ctx,
      200,
      'CompleteMultipartUploadResult',
      [
        ['Location', `${app.url}${pathFromKey(key)}`],
        ['Bucket', app.config.bucket],
        ['Key', key],
        ['ETag', `"${meta.etag}"`],
      ],
      { ETag: `"${meta.etag}"`, 'x-oss-hash-crc64ecma': crc },
    );
  } finally {
    await rm(tmpFile, { force: true });
  }
}

/** The stored parts named by Complete (ETags must match), each but the last ≥ 100 KB (§3). */
function choosePartsToComplete(stored, listed) {
  const byNumber = new Map(stored.map((part) => [part.partNumber, part]));
  const parts = listed
    ? listed.map(({ partNumber, etag }) => {
        const part = byNumber.get(partNumber);
        if (!part || normalizeEtag(part.etag) !== normalizeEtag(etag)) {
          throw ossError('InvalidPart', { extra: { PartNumber: String(partNumber), ETag: etag } });
        }
        return part;
      })
    : stored;
  if (parts.length === 0) throw ossError('InvalidPart', { message: 'The upload has no parts to complete.' });
  parts.slice(0, -1).forEach((part) => {
    if (part.size < MIN_PART_BYTES) {
      throw ossError('EntityTooSmall', {
        extra: { PartNumber: String(part.partNumber), ProposedSize: String(part.size), MinSizeAllowed: String(MIN_PART_BYTES) },
      });
    }
  });
  return parts;
}

/** Write the parts one after another into `target`, computing the whole object's CRC-64. */
async function concatenateParts(storage, uploadId, parts, target) {
  const out = createWriteStream(target);
  const crc = createCrc64();
  let size = 0;
  try {
    for (const part of parts) {
      for await (const chunk of createReadStream(storage.partPath(uploadId, part.partNumber))) {
        crc.update(chunk);
        size += chunk.length;
        if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
      }
    }
  } finally {
    await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())));
  }
  return { size, crc64: crc.digest() };
}

async function handleAbort(ctx, key) {
  const { app } = ctx;
  ctx.entry.op = 'AbortMultipartUpload';
  await drainBody(ctx.req);
  authenticateHeaders(ctx, key);
  const uploadId = ctx.query.get('uploadId');
  const fault = await app.storage.withUpload(uploadId, async () => {
    await findUpload(ctx, key);
    const taken = takeFault(ctx, { key });
    await app.storage.removeUpload(uploadId);
    return taken;
  });
  await afterStore(ctx, fault);
  sendEmpty(ctx, 204);
}

async function handleListParts(ctx, key) {
  const { app, query } = ctx;
  ctx.entry.op = 'ListParts';
  await drainBody(ctx.req);
  authenticateHeaders(ctx, key);
  const uploadId = query.get('uploadId');
  const parts = await app.storage.withUpload(uploadId, async () => {
    await findUpload(ctx, key);
    return app.storage.listParts(uploadId);
  });
  const fault = takeFault(ctx, { key });
  await afterStore(ctx, fault);
  const marker = Number(query.get('part-number-marker') ?? 0) || 0;
  const maxParts = Math.min(Math.max(Number(query.get('max-parts') ?? 1000) || 1000, 1), 1000);
  const after = parts.filter((part) => part.partNumber > marker);
  const page = after.slice(0, maxParts);
  sendXml(ctx, 200, 'ListPartsResult', [
    ['Bucket', app.config.bucket],
    ['Key', key],
    ['UploadId', uploadId],
    ['PartNumberMarker', String(marker)],
    ['NextPartNumberMarker', String(page.at(-1)?.partNumber ?? marker)],
    ['MaxParts', String(maxParts)],
    ['IsTruncated', String(after.length > page.length)],
    ...page.map((part) => [
      'Part',
      [
        ['PartNumber', String(part.partNumber)],
        ['LastModified', new Date(part.lastModified).toISOString()],
        ['ETag', `"${part.etag}"`],
        ['HashCrc64ecma', part.crc64],
        ['Size', String(part.size)],
      ],
    ]),
  ]);
}

// ---------------------------------------------------------------- GET / HEAD

async function handleGetObject(ctx, key) {
  const { app, req, res } = ctx;
  ctx.entry.op = req.method === 'HEAD' ? 'HeadObject' : 'GetObject';
  await drainBody(req);
  validateObjectKey(key);
  const opened = await app.storage.openObject(key);
  if (!opened) throw ossError('NoSuchKey', { extra: { Key: key } });
  const { meta, handle } = opened;
  let streaming = false;
  try {
    const fault = takeFault(ctx, { key });
    await afterStore(ctx, fault);
    res.setHeader('Content-Type', headerValue(meta.contentType));
    res.setHeader('Content-Length', meta.size);
    res.setHeader('ETag', `"${meta.etag}"`);
    res.setHeader('x-oss-hash-crc64ecma', fault?.action === 'corrupt' ? crc64Header(corruptCrc(meta.crc64)) : meta.crc64);
    res.setHeader('Last-Modified', new Date(meta.lastModified).toUTCString());
    res.setHeader('x-oss-object-type', meta.objectType);
    res.setHeader('x-oss-storage-class', 'Standard');
    const optional = {
      'Cache-Control': meta.cacheControl,
      'Content-Disposition': meta.contentDisposition,
      'Content-Encoding': meta.contentEncoding,
      Expires: meta.expires,
    };
    for (const [name, value] of Object.entries(optional)) if (value !== undefined) res.setHeader(name, headerValue(value));
    for (const [name, value] of Object.entries(meta.userMeta ?? {})) res.setHeader(`x-oss-meta-${name}`, headerValue(value));
    res.statusCode = 200;
    if (req.method === 'HEAD') return res.end();
    streaming = true;
    handle.createReadStream().pipe(res); // the stream closes the handle when done
  } finally {
    if (!streaming) await handle.close();
  }
}

// ---------------------------------------------------------------- test control API (testMode)

async function handleTestApi(ctx) {
  const { app, req, pathname } = ctx;
  ctx.skipLog = true;
  if (!app.config.testMode) {
    await drainBody(req);
    throw ossError('TestApiDisabled');
  }
  const text = (await readBodyText(req, 64 * 1024)) ?? '';
  let body = {};
  try {
    body = text.trim() ? JSON.parse(text) : {};
  } catch {
    return sendJson(ctx, 400, { error: 'the body must be JSON' });
  }
  try {
    switch (`${req.method} ${pathname}`) {
      case 'POST /__ossup_test/faults':
        return sendJson(ctx, 200, { id: app.faults.add(body) });
      case 'GET /__ossup_test/faults':
        return sendJson(ctx, 200, app.faults.list());
      case 'DELETE /__ossup_test/faults':
        app.faults.clear();
        return sendEmpty(ctx, 204);
      case 'POST /__ossup_test/clock':
        app.clock.offsetMs = Number(body.offsetMs) || 0;
        return sendJson(ctx, 200, { offsetMs: app.clock.offsetMs, now: new Date(app.now()).toISOString() });
      case 'POST /__ossup_test/sts':
        return sendJson(ctx, 200, app.credentials.issueSts(body.ttlSeconds === undefined ? {} : { ttlSeconds: Number(body.ttlSeconds) }));
      case 'GET /__ossup_test/requests':
        return sendJson(ctx, 200, app.requests);
      case 'DELETE /__ossup_test/requests':
        app.requests.splice(0);
        return sendEmpty(ctx, 204);
      default:
        return sendJson(ctx, 404, { error: `no test API at ${req.method} ${pathname}` });
    }
  } catch (error) {
    if (error instanceof TypeError) return sendJson(ctx, 400, { error: error.message });
    throw error;
  }
}
