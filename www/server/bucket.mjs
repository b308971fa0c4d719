// A local, OSS-compatible bucket for tests and the demo: PostObject (V1/V4), PutObject,
// multipart upload, GET (with Range)/HEAD/DELETE, header-signed or presigned (V1/V4), STS
// credentials, CORS, and fault hooks. It verifies every signature itself (./oss-auth.mjs) and
// answers errors the way OSS does (./errors.mjs). Virtual-hosted, path-style and custom-domain
// addressing (./addressing.mjs); `${url}/${key}` is the object. See README.md beside this file.

import http from 'node:http';
import path from 'node:path';
import { resolveAddress } from './addressing.mjs';
import { isOssError, ossError } from './errors.mjs';
import { createFaults, DROPPED } from './faults.mjs';
import { createContext, sendEmpty, sendError, setCommonHeaders } from './http-context.mjs';
import { handleAbort, handleComplete, handleInitiate, handleListParts, handleUploadPart } from './multipart.mjs';
import { handleDeleteObject, handleGetObject, handlePutObject } from './object-api.mjs';
import { keyFromPath } from './object-key.mjs';
import { createCredentialStore, V1_SUB_RESOURCES } from './oss-auth.mjs';
import { BUCKET_ACLS } from './request-auth.mjs';
import { handlePostObject } from './post-object.mjs';
import { createStorage, diskError } from './storage.mjs';
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
    bucketAcl: 'public-read', // the demo bucket: anyone may GET, only signed requests write
    maxLogEntries: 10_000,
    headersTimeoutMs: 60_000,
    bodyTimeoutMs: 60_000,
    requestTimeoutMs: 30 * 60_000,
    ...options,
  };
  if (!config.root) throw new TypeError('startBucketServer: options.root (a directory) is required');
  if (!BUCKET_ACLS.has(config.bucketAcl))
    throw new TypeError(`startBucketServer: bucketAcl must be one of ${[...BUCKET_ACLS].join(', ')}`);

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

  const server = createHttpServer(app);
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

// ---------------------------------------------------------------- connections and timeouts

// The request each socket is serving, so a timeout knows what it interrupts.
const active = new WeakMap();

/**
 * Three limits keep slow or silent clients from holding connections: headers within
 * `headersTimeoutMs`, the whole request within `requestTimeoutMs` (both enforced by Node), and no
 * `bodyTimeoutMs` without a byte moving either way. A body cut short is answered like OSS
 * (400 RequestTimeout) and the connection closed; a request being worked on is never cut.
 */
function createHttpServer(app) {
  const { headersTimeoutMs, requestTimeoutMs, bodyTimeoutMs } = app.config;
  // Node refuses a headers timeout longer than the request timeout; it checks both every interval.
  const headersTimeout = requestTimeoutMs > 0 ? Math.min(headersTimeoutMs, requestTimeoutMs) : headersTimeoutMs;
  const shortest = Math.min(...[headersTimeout, requestTimeoutMs].filter((ms) => ms > 0), 120_000);
  const server = http.createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout,
      connectionsCheckingInterval: Math.max(50, Math.min(30_000, shortest / 4)),
    },
    (req, res) => handleRequest(app, req, res),
  );
  // Node would answer `Expect: 100-continue` itself, before any check: body.mjs's acceptBody does.
  server.on('checkContinue', (req, res) => {
    req.ossupContinue = () => res.writeContinue();
    handleRequest(app, req, res);
  });
  if (bodyTimeoutMs > 0) {
    server.setTimeout(bodyTimeoutMs);
    server.on('timeout', (socket) => {
      const ctx = active.get(socket);
      if (!ctx) return socket.destroy(); // between requests, or headers stalled
      if (!ctx.req.complete && !ctx.res.headersSent) return answerTimeout(ctx);
      if (!ctx.req.complete || ctx.res.headersSent) socket.destroy(); // refused and stalled, or not reading
      // Otherwise the request is complete and being worked on: its answer will move the socket again.
    });
  }
  server.on('clientError', (error, socket) => {
    const ctx = active.get(socket);
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT' && ctx && !ctx.res.headersSent) return answerTimeout(ctx);
    // Node's own answers for everything else (it hands them over once a listener exists).
    if (socket.writable && socket.bytesWritten === 0 && error.code !== 'ECONNRESET') {
      const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
    }
    socket.destroy();
  });
  return server;
}

function answerTimeout(ctx) {
  ctx.res.setHeader('Connection', 'close');
  ctx.res.once('finish', () => ctx.req.socket.destroy());
  sendError(ctx, ossError('RequestTimeout'));
}

async function handleRequest(app, req, res) {
  const ctx = createContext(app, req, res);
  active.set(req.socket, ctx);
  res.once('close', () => {
    if (active.get(req.socket) === ctx) active.delete(req.socket);
  });
  try {
    setCommonHeaders(ctx);
    await route(ctx);
  } catch (error) {
    if (error === DROPPED || ctx.aborted || res.destroyed) return;
    if (isOssError(diskError(error))) return sendError(ctx, diskError(error));
    console.error('[ossup bucket] internal error:', error);
    sendError(
      ctx,
      ossError('InternalError', { message: `Internal error in the local bucket server: ${error.message}` }),
    );
  }
}

// ---------------------------------------------------------------- routing

// Sub-resources this server has no handler for (ACL, tagging, append, symlink, response-*
// overrides, …): refused rather than silently served as a plain object call.
const UNHANDLED_SUB_RESOURCES = [...V1_SUB_RESOURCES].filter(
  (name) => !['uploadId', 'uploads', 'partNumber', 'security-token', 'objectMeta'].includes(name),
);

async function route(ctx) {
  const { app, req, pathname, query } = ctx;
  if (req.method === 'OPTIONS') return handlePreflight(ctx);
  if (pathname.startsWith(TEST_API_PREFIX)) return handleTestApi(ctx);
  const address = resolveAddress(ctx, app.config.bucket);
  if (address.path === '/') {
    ctx.entry.op = req.method === 'POST' ? 'PostObject' : 'BucketOperation';
    if (req.method === 'POST') return handlePostObject(ctx);
    throw ossError('NotImplemented', {
      message: 'Bucket-level operations (ListObjects, …) are not implemented by the local bucket server.',
    });
  }
  const key = keyFromPath(address.path);
  ctx.entry.key = key;
  const unhandled = UNHANDLED_SUB_RESOURCES.find((name) => query.has(name));
  if (unhandled === undefined && ctx.headers['x-oss-copy-source'] === undefined) {
    switch (req.method) {
      case 'POST':
        if (query.has('uploads')) return handleInitiate(ctx, key);
        if (query.has('uploadId')) return handleComplete(ctx, key);
        break;
      case 'PUT':
        if (query.has('uploadId') || query.has('partNumber')) return handleUploadPart(ctx, key);
        return handlePutObject(ctx, key);
      case 'DELETE':
        if (query.has('uploadId')) return handleAbort(ctx, key);
        return handleDeleteObject(ctx, key);
      case 'GET':
        if (query.has('uploadId')) return handleListParts(ctx, key);
        if (query.has('objectMeta')) break;
        return handleGetObject(ctx, key);
      case 'HEAD':
        return handleGetObject(ctx, key, { metaOnly: query.has('objectMeta') });
      default:
        throw ossError('MethodNotAllowed');
    }
  }
  ctx.entry.op = 'Unsupported';
  const what = unhandled !== undefined ? `the ?${unhandled} sub-resource` : 'x-oss-copy-source (CopyObject)';
  throw ossError('NotImplemented', {
    message: `${req.method} with ${what} is not implemented by the local bucket server.`,
  });
}

function handlePreflight(ctx) {
  const { req, res } = ctx;
  ctx.entry.op = 'Preflight';
  res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? '*');
  res.setHeader('Access-Control-Max-Age', '600');
  sendEmpty(ctx, 200);
}
