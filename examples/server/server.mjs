#!/usr/bin/env node
// The app server for the examples: it keeps the AccessKey and, for a signed-in user, signs one
// short-lived PostObject form per file (or issues STS credentials confined to that user's
// folder), so no secret ever ships in a mini program or web page. It is the demo's own
// credential API (www/server/credentials.mjs, built on `buildPostForm` from this package) with
// configuration from the environment:
//
//   POST /api/upload-form  { name, size, contentType } → { host, fields, key, expiration }
//   POST /api/upload-forms { files: [{ name, size, contentType }, …] } → { forms: [one per file] }
//                          (up to 20 files; each checked and rate-limited as if asked for alone)
//   POST /api/sts          {}                          → STS credentials for users/<id>/ only
//
//   APP_JWT_SECRET  who is asking: `Authorization: Bearer <HS256 JWT>` (auth.mjs); required,
//                   unless DEV_GUEST=1 (everyone is "guest"; loopback only)
//   OSSUP_BUCKET, OSSUP_REGION, OSSUP_ACCESS_KEY_ID, OSSUP_ACCESS_KEY_SECRET [, OSSUP_ENDPOINT]
//                   a real bucket; without them a local OSS-compatible bucket is started
//   OSSUP_ROLE_ARN [, OSSUP_ROLE_SESSION_NAME, OSSUP_STS_ENDPOINT]   STS for a real bucket
//   PORT (3000), HOST (127.0.0.1)
//   BUCKET_PORT (9000), BUCKET_ROOT (.data/bucket beside this file): the local bucket
//   BUCKET_ACCESS_KEY_ID, BUCKET_ACCESS_KEY_SECRET: its key, required when HOST is not loopback
//   CORS_ORIGINS    comma-separated origins allowed to call the API from a browser (H5)
//   MAX_FILE_SIZE (bytes), ALLOWED_TYPES (comma-separated), RATE_LIMIT_PER_MINUTE (30 per user)
//
// See README.md beside this file.
import http from 'node:http';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBucketServer, UPLOADER_RAM_USER } from '../../www/server/bucket.mjs';
import { bucketFromEnv, createCredentialServer } from '../../www/server/credentials.mjs';
import { sendJson } from '../../www/server/http-util.mjs';
import { createAssumeRole } from './assume-role.mjs';
import { bearerJwt } from './auth.mjs';

export { bucketFromEnv };

const HERE = path.dirname(fileURLToPath(import.meta.url));
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/; // it becomes a folder name: users/<id>/

export const isLoopback = (host) => host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);

/**
 * A node:http request handler: the signing API for users that `authenticate(req)` recognises
 * (→ a user id of letters, digits, - and _, or null for 401), with CORS for the origins listed
 * (browsers only; mini programs do not send Origin). `signing`: { bucket, region, endpoint?,
 * accessKeyId, accessKeySecret, issueSts? }; `limits`: { maxFileSize, allowedTypes, rateLimit }
 * for createCredentialServer (default: 200 MB, images and videos, 30 a minute per user).
 */
export function createAppHandler({ signing, authenticate, corsOrigins = [], limits = {}, log = () => {} }) {
  if (typeof authenticate !== 'function') throw new TypeError('createAppHandler: `authenticate(req)` is required');
  const api = createCredentialServer({
    rateLimit: { capacity: 30, refillPerSecond: 0.5 },
    ...signing,
    ...limits,
    prefixFor: (req) => `users/${req.userId}`,
    log,
  });
  const allowed = new Set(corsOrigins);
  return async (req, res) => {
    const origin = req.headers.origin;
    if (origin && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          'Access-Control-Allow-Methods': 'POST, GET',
          'Access-Control-Allow-Headers': 'Content-Type, Authorization',
          'Access-Control-Max-Age': '600',
        });
        return res.end();
      }
    }
    if (!req.url.startsWith('/api/'))
      return sendJson(res, 404, {
        code: 'NOT_FOUND',
        message: 'This server only answers /api/upload-form, /api/upload-forms and /api/sts.',
      });
    let userId;
    try {
      userId = await authenticate(req);
      if (userId && !USER_ID.test(userId)) throw new Error(`authenticate returned ${JSON.stringify(userId)}`);
    } catch (error) {
      console.error(`[example server] authenticate(req) failed: ${error.message}`);
      return sendJson(res, 500, { code: 'INTERNAL_ERROR', message: 'The server could not check who you are.' });
    }
    if (!userId) {
      log(`${req.method} ${req.url.split('?')[0]} → 401`);
      return sendJson(
        res,
        401,
        { code: 'UNAUTHENTICATED', message: 'Sign in first.' },
        { 'WWW-Authenticate': 'Bearer' },
      );
    }
    req.userId = userId;
    return api(req, res);
  };
}

/**
 * Starts the app server (and a local bucket when `signing` is null); resolves to
 * `{ url, bucketUrl, bucketServer, close() }`. Refuses to start without `authenticate`, and off
 * loopback with the local bucket's fixed development key (pass `bucketKeys: { id: secret }`).
 */
export async function startAppServer({
  port = 3000,
  host = '127.0.0.1',
  signing = null,
  bucketPort = 9000,
  bucketRoot = path.join(HERE, '.data', 'bucket'),
  bucketKeys = null,
  corsOrigins = [],
  authenticate,
  limits,
  log = () => {},
} = {}) {
  if (typeof authenticate !== 'function')
    throw new TypeError('startAppServer: pass `authenticate(req)` → user id or null (see README.md)');
  let bucketServer = null;
  if (!signing) {
    if (!isLoopback(host) && !bucketKeys) {
      throw new Error(
        `HOST=${host} would put the local bucket on your network with its fixed development key: set BUCKET_ACCESS_KEY_ID and BUCKET_ACCESS_KEY_SECRET, or use a real bucket`,
      );
    }
    await mkdir(bucketRoot, { recursive: true });
    // Your own keys replace the fixed development ones (also its upload-only RAM user's); by
    // default forms are signed with that upload-only key, as production should be.
    bucketServer = await startBucketServer({
      root: bucketRoot,
      host,
      port: bucketPort,
      ...(bucketKeys ? { accessKeys: bucketKeys, ramUsers: {} } : {}),
    });
    const [accessKeyId, accessKeySecret] = bucketKeys
      ? Object.entries(bucketKeys)[0]
      : [UPLOADER_RAM_USER.accessKeyId, UPLOADER_RAM_USER.accessKeySecret];
    signing = {
      bucket: bucketServer.bucket,
      region: bucketServer.region,
      endpoint: bucketServer.url,
      accessKeyId,
      accessKeySecret,
      issueSts: (options) => bucketServer.issueSts(options),
      local: true,
    };
  } else if (signing.sts && !signing.issueSts) {
    signing = { ...signing, issueSts: createAssumeRole({ ...signing, ...signing.sts }) };
  }
  const server = http.createServer(createAppHandler({ signing, authenticate, corsOrigins, limits, log }));
  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
  } catch (error) {
    if (bucketServer) await bucketServer.close();
    throw error;
  }
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${server.address().port}`,
    bucketUrl: bucketServer ? bucketServer.url : null,
    bucketServer,
    async close() {
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (bucketServer) await bucketServer.close();
    },
  };
}

/** startAppServer's options from the environment (see the top of this file). */
export function optionsFromEnv(env) {
  const host = env.HOST || '127.0.0.1';
  let authenticate;
  if (env.APP_JWT_SECRET) authenticate = bearerJwt(env.APP_JWT_SECRET);
  else if (env.DEV_GUEST === '1' && isLoopback(host)) authenticate = () => 'guest';
  else if (env.DEV_GUEST === '1')
    throw new Error(`DEV_GUEST=1 is for loopback only, not HOST=${host}: set APP_JWT_SECRET`);
  else throw new Error('set APP_JWT_SECRET (or DEV_GUEST=1 to try the examples on this machine): see README.md');
  const limits = {};
  if (env.MAX_FILE_SIZE) limits.maxFileSize = Number(env.MAX_FILE_SIZE);
  if (env.ALLOWED_TYPES) limits.allowedTypes = env.ALLOWED_TYPES.split(',').map((type) => type.trim());
  if (env.RATE_LIMIT_PER_MINUTE) {
    const perMinute = Number(env.RATE_LIMIT_PER_MINUTE);
    limits.rateLimit = { capacity: perMinute, refillPerSecond: perMinute / 60 };
  }
  const bucketKeys =
    env.BUCKET_ACCESS_KEY_ID && env.BUCKET_ACCESS_KEY_SECRET
      ? { [env.BUCKET_ACCESS_KEY_ID]: env.BUCKET_ACCESS_KEY_SECRET }
      : null;
  return {
    port: Number(env.PORT || 3000),
    host,
    bucketPort: Number(env.BUCKET_PORT || 9000),
    bucketRoot: env.BUCKET_ROOT || undefined,
    bucketKeys,
    signing: bucketFromEnv(env),
    corsOrigins: (env.CORS_ORIGINS || '').split(',').filter(Boolean),
    authenticate,
    limits,
  };
}

async function main() {
  const app = await startAppServer({
    ...optionsFromEnv(process.env),
    log: (line) => console.log(`[example server] ${line}`),
  });
  console.log(`[example server] signing uploads at ${app.url}/api/upload-form`);
  if (app.bucketUrl)
    console.log(`[example server] local bucket at ${app.bucketUrl} (set OSSUP_BUCKET … for a real one)`);
  const stop = () => app.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(`[example server] ${error.message}`);
    process.exit(1);
  });
}
