#!/usr/bin/env node
// The app server for the examples: it keeps the AccessKey and signs one short-lived PostObject
// form per file, so no secret ever ships in a mini program or web page. It is the demo's own
// credential API (www/server/credentials.mjs, built on `buildPostForm` from this package) with
// configuration from the environment:
//
//   POST /api/upload-form  { name, size, contentType } → { host, fields, key, expiration }
//
//   OSSUP_BUCKET, OSSUP_REGION, OSSUP_ACCESS_KEY_ID, OSSUP_ACCESS_KEY_SECRET [, OSSUP_ENDPOINT]
//                   a real bucket; without them a local OSS-compatible bucket is started
//   PORT (3000), HOST (127.0.0.1)
//   BUCKET_PORT (9000), BUCKET_ROOT (.data/bucket beside this file): the local bucket
//   CORS_ORIGINS    comma-separated origins allowed to call the API from a browser (H5)
//
// See README.md beside this file.
import http from 'node:http';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_ACCESS_KEYS, startBucketServer } from '../../www/server/bucket.mjs';
import { bucketFromEnv, createCredentialServer } from '../../www/server/credentials.mjs';

export { bucketFromEnv };
import { sendJson } from '../../www/server/http-util.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/**
 * Who is asking. Replace this with your own login: e.g. the mini program sends the session
 * token your server issued after wx.login → code2Session, and you look the user up here.
 * Every upload of a user then lands under `users/<id>/yyyy/mm/dd/…` and nowhere else.
 */
export function guestUser() {
  return 'guest';
}

/**
 * A node:http request handler: the signing API, with CORS for the origins listed (browsers
 * only; mini programs do not send Origin). `signing`: { bucket, region, endpoint?,
 * accessKeyId, accessKeySecret }; `userIdOf(req)`: the signed-in user (default: guestUser);
 * `limits`: { maxFileSize, allowedTypes } for createCredentialServer (default: 200 MB, images and videos).
 */
export function createAppHandler({ signing, userIdOf = guestUser, corsOrigins = [], limits = {}, log = () => {} }) {
  const api = createCredentialServer({
    ...signing,
    ...limits,
    prefixFor: (req) => `users/${userIdOf(req)}`,
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
    if (req.url.startsWith('/api/')) return api(req, res);
    sendJson(res, 404, { code: 'NOT_FOUND', message: 'This server only answers /api/upload-form.' });
  };
}

/**
 * Starts the app server (and a local bucket when `signing` is null); resolves to
 * `{ url, bucketUrl, bucketServer, close() }`.
 */
export async function startAppServer({
  port = 3000,
  host = '127.0.0.1',
  signing = null,
  bucketPort = 9000,
  bucketRoot = path.join(HERE, '.data', 'bucket'),
  corsOrigins = [],
  userIdOf,
  limits,
  log = () => {},
} = {}) {
  let bucketServer = null;
  if (!signing) {
    await mkdir(bucketRoot, { recursive: true });
    bucketServer = await startBucketServer({ root: bucketRoot, host, port: bucketPort });
    const [accessKeyId, accessKeySecret] = Object.entries(DEFAULT_ACCESS_KEYS)[0];
    signing = {
      bucket: bucketServer.bucket,
      region: bucketServer.region,
      endpoint: bucketServer.url,
      accessKeyId,
      accessKeySecret,
    };
  }
  const server = http.createServer(createAppHandler({ signing, userIdOf, corsOrigins, limits, log }));
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
    url: `http://${host}:${server.address().port}`,
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

async function main() {
  const env = process.env;
  const app = await startAppServer({
    port: Number(env.PORT || 3000),
    host: env.HOST || '127.0.0.1',
    bucketPort: Number(env.BUCKET_PORT || 9000),
    bucketRoot: env.BUCKET_ROOT || undefined,
    signing: bucketFromEnv(env),
    corsOrigins: (env.CORS_ORIGINS || '').split(',').filter(Boolean),
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
