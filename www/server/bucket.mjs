// A local, OSS-compatible bucket for tests and the demo: PostObject (V1/V4), header-signed
// multipart upload (V1/V4), GET/HEAD, STS credentials, CORS, and fault hooks. It verifies
// every signature itself (./oss-auth.mjs) and answers errors the way OSS does (./errors.mjs).
// Path-style on one host: `${url}/` takes PostObject, `${url}/${key}` is the object
// (DESIGN-NOTES "Endpoints and local servers"). See README.md beside this file.

import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { drainBody } from './body.mjs';
import { crc64Header } from './crc64.mjs';
import { isOssError, ossError } from './errors.mjs';
import { applyLateFault, corruptCrc, createFaults, DROPPED, takeFault } from './faults.mjs';
import { createContext, headerValue, sendEmpty, sendError, setCommonHeaders } from './http-context.mjs';
import {
  authenticateHeaders,
  handleAbort,
  handleComplete,
  handleInitiate,
  handleListParts,
  handleUploadPart,
} from './multipart.mjs';
import { keyFromPath, validateObjectKey } from './object-key.mjs';
import { createCredentialStore } from './oss-auth.mjs';
import { handlePostObject } from './post-object.mjs';
import { createStorage } from './storage.mjs';
import { handleTestApi } from './test-api.mjs';

export const DEFAULT_ACCESS_KEYS = Object.freeze({
  OSSUP_FAKE_ACCESS_KEY_ID: 'ossup-fake-access-key-secret-local-only',
});

/**
 * A RAM user's key as an app server should sign forms with: oss:PutObject and nothing else, so
 * OSS itself refuses a form a client extended with x-oss-object-acl or x-oss-tagging (those
 * need oss:PutObjectAcl / oss:PutObjectTagging). The demo and the example server sign with it.
 */
export const UPLOADER_RAM_USER = Object.freeze({
  accessKeyId: 'OSSUP_FAKE_UPLOADER_KEY_ID',
  accessKeySecret: 'ossup-fake-uploader-secret-local-only',
  policy: { Version: '1', Statement: [{ Effect: 'Allow', Action: ['oss:PutObject'], Resource: ['acs:oss:*:*:*/*'] }] },
});

const TEST_API_PREFIX = '/__ossup_test/';

export async function startBucketServer(options = {}) {
  const config = {
    host: '127.0.0.1',
    port: 0,
    bucket: 'ossup-local',
    region: 'cn-hangzhou',
    accessKeys: DEFAULT_ACCESS_KEYS,
    ramUsers: {
      [UPLOADER_RAM_USER.accessKeyId]: { secret: UPLOADER_RAM_USER.accessKeySecret, policy: UPLOADER_RAM_USER.policy },
    },
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
    credentials: createCredentialStore({ accessKeys: config.accessKeys, ramUsers: config.ramUsers, now }),
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

async function handleRequest(app, req, res) {
  const ctx = createContext(app, req, res);
  try {
    setCommonHeaders(ctx);
    await route(ctx);
  } catch (error) {
    if (error === DROPPED || ctx.aborted || res.destroyed) return;
    if (isOssError(error)) return sendError(ctx, error);
    console.error('[ossup bucket] internal error:', error);
    sendError(
      ctx,
      ossError('InternalError', { message: `Internal error in the local bucket server: ${error.message}` }),
    );
  }
}

// ---------------------------------------------------------------- routing

async function route(ctx) {
  const { req, pathname, query } = ctx;
  if (req.method === 'OPTIONS') return handlePreflight(ctx);
  if (pathname.startsWith(TEST_API_PREFIX)) return handleTestApi(ctx);
  if (pathname === '/') {
    ctx.entry.op = req.method === 'POST' ? 'PostObject' : 'BucketOperation';
    if (req.method === 'POST') return handlePostObject(ctx);
    throw ossError('NotImplemented', {
      message: 'Bucket-level operations (ListObjects, …) are not implemented by the local bucket server.',
    });
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

// ---------------------------------------------------------------- GET / HEAD

async function handleGetObject(ctx, key) {
  const { app, req, res } = ctx;
  ctx.entry.op = req.method === 'HEAD' ? 'HeadObject' : 'GetObject';
  await drainBody(req);
  validateObjectKey(key);
  // Anonymous reads are allowed (public-read); a signed one is verified, STS session policy included.
  if (ctx.headers.authorization !== undefined) authenticateHeaders(ctx, key);
  const opened = await app.storage.openObject(key);
  if (!opened) throw ossError('NoSuchKey', { extra: { Key: key } });
  const { meta, handle } = opened;
  let streaming = false;
  try {
    const fault = takeFault(ctx, { key });
    await applyLateFault(ctx, fault);
    res.setHeader('Content-Type', headerValue(meta.contentType));
    res.setHeader('Content-Length', meta.size);
    res.setHeader('ETag', `"${meta.etag}"`);
    res.setHeader(
      'x-oss-hash-crc64ecma',
      fault?.action === 'corrupt' ? crc64Header(corruptCrc(meta.crc64)) : meta.crc64,
    );
    res.setHeader('Last-Modified', new Date(meta.lastModified).toUTCString());
    res.setHeader('x-oss-object-type', meta.objectType);
    res.setHeader('x-oss-storage-class', meta.storageClass ?? 'Standard');
    const optional = {
      'Cache-Control': meta.cacheControl,
      'Content-Disposition': meta.contentDisposition,
      'Content-Encoding': meta.contentEncoding,
      Expires: meta.expires,
      'x-oss-tagging-count': meta.tagCount ? String(meta.tagCount) : undefined,
      'x-oss-server-side-encryption': meta.encryption,
      'x-oss-server-side-encryption-key-id': meta.encryptionKeyId,
    };
    for (const [name, value] of Object.entries(optional))
      if (value !== undefined) res.setHeader(name, headerValue(value));
    for (const [name, value] of Object.entries(meta.userMeta ?? {}))
      res.setHeader(`x-oss-meta-${name}`, headerValue(value));
    res.statusCode = 200;
    if (req.method === 'HEAD') return res.end();
    streaming = true;
    // The read stream closes the handle when it ends or is destroyed with the response.
    pipeline(handle.createReadStream(), res).catch(() => {});
  } finally {
    if (!streaming) await handle.close();
  }
}
