#!/usr/bin/env node
// The demo (`make demo`): the H5 page, the credential API and the package build on one origin,
// uploading to the local bucket server on a second port (so CORS is exercised, as with real OSS).
//
//   node www/server/main.mjs [--port 8080] [--root .data/bucket] [--bucket-port 0] [--test-mode] [--quiet]
//
// With OSSUP_BUCKET, OSSUP_REGION, OSSUP_ACCESS_KEY_ID and OSSUP_ACCESS_KEY_SECRET set (and
// optionally OSSUP_ENDPOINT) the page uploads to that real bucket instead, and with OSSUP_ROLE_ARN
// its STS mode calls AssumeRole (examples/server/assume-role.mjs); see docs/demo.md.
import http from 'node:http';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startBucketServer, UPLOADER_RAM_USER } from './bucket.mjs';
import { bucketFromEnv, createCredentialServer } from './credentials.mjs';
import { bucketUrl as bucketUrlOf } from '../../pkg/dist/node.mjs';
import { ensureSession, sendJson } from './http-util.mjs';
import { createStaticHandler } from './static.mjs';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const WWW = path.join(REPO, 'www');
const DIST = path.join(REPO, 'pkg', 'dist');

function logger(log) {
  if (typeof log === 'function') return log;
  return log ? (line) => console.log(`[ossup demo] ${line}`) : () => {};
}

function contentSecurityPolicy(bucketOrigin) {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'", // WebAssembly.instantiate needs it under a CSP
    `img-src 'self' data: blob: ${bucketOrigin}`,
    `media-src 'self' blob: ${bucketOrigin}`,
    `connect-src 'self' ${bucketOrigin}`,
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Starts everything; resolves to `{ url, bucketUrl, bucketServer, close() }`. `bucketServer` is
 * null with `realBucket: { bucket, region, accessKeyId, accessKeySecret, endpoint? }`.
 */
export async function startDemo({
  port = 8080,
  host = '127.0.0.1',
  root = path.join(REPO, '.data', 'bucket'),
  bucketPort = 0,
  testMode = false,
  realBucket = null,
  log = false,
} = {}) {
  const write = logger(log);
  let bucketServer = null;
  let signing;
  if (realBucket) {
    signing = { ...realBucket };
    if (realBucket.sts) {
      const { createAssumeRole } = await import('../../examples/server/assume-role.mjs');
      signing.issueSts = createAssumeRole({ ...realBucket, ...realBucket.sts });
    }
  } else {
    await mkdir(root, { recursive: true });
    bucketServer = await startBucketServer({ root, host, port: bucketPort, testMode, log: log === true });
    // Forms are signed with an upload-only RAM user's key, as production should be (bucket.mjs).
    const { accessKeyId, accessKeySecret } = UPLOADER_RAM_USER;
    signing = {
      bucket: bucketServer.bucket,
      region: bucketServer.region,
      endpoint: bucketServer.url,
      accessKeyId,
      accessKeySecret,
      issueSts: (options) => bucketServer.issueSts(options),
      local: true,
    };
  }

  const api = createCredentialServer({ ...signing, log: write });
  const bucketUrl = bucketServer ? bucketServer.url : bucketUrlOf(signing);
  const serveStatic = createStaticHandler(
    [
      ['/pkg/dist/', DIST],
      ['/', WWW, { exclude: ['server'] }],
    ],
    { htmlHeaders: { 'Content-Security-Policy': contentSecurityPolicy(new URL(bucketUrl).origin) } },
  );

  const server = http.createServer(async (req, res) => {
    try {
      if (req.url.startsWith('/api/')) return await api(req, res);
      ensureSession(req, res); // the page gets its cookie before it asks for anything
      if (await serveStatic(req, res)) return;
      sendJson(res, 404, { code: 'NOT_FOUND', message: `Nothing at ${req.url.split('?')[0]}.` });
    } catch (error) {
      console.error(`[ossup demo] ${req.method} ${req.url.split('?')[0]} failed: ${error.message}`);
      if (!res.headersSent) sendJson(res, 500, { code: 'INTERNAL_ERROR', message: 'The demo server failed.' });
      else res.destroy();
    }
  });
  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
  } catch (error) {
    if (bucketServer) await bucketServer.close();
    throw error;
  }

  let closing = null;
  return {
    url: `http://${host}:${server.address().port}`,
    bucketUrl,
    bucketServer,
    close() {
      closing ??= (async () => {
        await new Promise((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        if (bucketServer) await bucketServer.close();
      })();
      return closing;
    },
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.PORT || '8080' },
      'bucket-port': { type: 'string', default: process.env.BUCKET_PORT || '0' },
      root: { type: 'string', default: path.join(REPO, '.data', 'bucket') },
      'test-mode': { type: 'boolean', default: process.env.OSSUP_TEST_MODE === '1' },
      quiet: { type: 'boolean', default: false },
    },
  });
  let realBucket;
  try {
    realBucket = bucketFromEnv(process.env);
  } catch (error) {
    console.error(`ossup demo: ${error.message}`);
    process.exit(2);
  }
  const demo = await startDemo({
    port: Number(values.port),
    bucketPort: Number(values['bucket-port']),
    root: path.resolve(values.root),
    testMode: values['test-mode'],
    realBucket,
    log: !values.quiet,
  });
  console.log(`ossup demo: ${demo.url}`);
  if (demo.bucketServer) {
    const mode = values['test-mode'] ? ', test mode: fault hooks at /__ossup_test/' : '';
    console.log(
      `  local bucket "${demo.bucketServer.bucket}" at ${demo.bucketUrl} (files in ${demo.bucketServer.root}${mode})`,
    );
  } else {
    const sts = realBucket.sts ? `STS through AssumeRole on ${realBucket.sts.roleArn}` : 'no STS (set OSSUP_ROLE_ARN)';
    console.log(`  real bucket ${demo.bucketUrl}: server-signed forms, ${sts}`);
  }
  console.log('  Ctrl-C to stop');
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, async () => {
      await demo.close();
      process.exit(0);
    });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(`ossup demo: ${error.message}`);
    process.exit(1);
  });
}
