// The demo's credential API: the app server that holds the AccessKey and hands each browser
// permission for one upload at a time. It signs with the ossup package itself (pkg/dist/node.mjs),
// the "sign an upload form on your server" recipe from the README.
//
//   POST /api/upload-form  { name, size, contentType } → { host, fields, key, expiration }
//   POST /api/upload-forms { files: [{ name, size, contentType }, …] } → { forms: [one form each, in order] }
//                          (at most MAX_BATCH files; the same checks per file, one token each)
//   POST /api/sts          {}                          → { accessKeyId, accessKeySecret, securityToken,
//                                                          expiration, bucket, region, endpoint, keyPrefix }
//   GET  /api/config                                   → what the page needs to know before uploading
//
// STS credentials carry a session policy (uploadSessionPolicy) that confines them to the
// visitor's prefix and the actions an upload needs; they cannot limit size or type, which only
// a server-signed form does (docs/security.md).
import { bucketUrl, buildPostForm, normalizePrefix, objectKey } from '../../pkg/dist/node.mjs';
import { ensureSession, HttpError, readJson, sendJson, sessionFolder } from './http-util.mjs';
import { createRateLimiter } from './rate-limit.mjs';

export const MAX_FILE_SIZE = 200 * 1024 * 1024;
// Images and videos only. SVG is left out on purpose: served from the bucket it can run script.
export const ALLOWED_TYPES = Object.freeze([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/heic',
  'image/heif',
  'video/mp4',
  'video/quicktime',
  'video/webm',
]);
const MAX_EXPIRES_IN = 600; // seconds: a leaked form is useless after 10 minutes
const STS_DURATION = 900; // seconds: the shortest AssumeRole allows
export const MAX_BATCH = 20; // forms per /api/upload-forms request (the uploader asks for up to 20)

/**
 * The RAM policy an uploader's STS credentials get (AssumeRole's `Policy`): write, abort and
 * list parts under `prefix` only, and read there for the uploader's HEAD after a lost response.
 * oss:PutObject covers PostObject, InitiateMultipartUpload, UploadPart and Complete.
 */
export function uploadSessionPolicy({ bucket, prefix }) {
  const folder = normalizePrefix(prefix);
  if (!folder || /[*?]/.test(folder))
    throw new TypeError(`uploadSessionPolicy: unusable prefix ${JSON.stringify(prefix)}`);
  return {
    Version: '1',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['oss:PutObject', 'oss:AbortMultipartUpload', 'oss:ListParts', 'oss:GetObject'],
        Resource: [`acs:oss:*:*:${bucket}/${folder}*`],
      },
    ],
  };
}

function checkUploadRequest(body, { maxFileSize, allowedTypes }) {
  const { name, size, contentType } = body;
  for (const field of ['name', 'size', 'contentType']) {
    if (body[field] === undefined || body[field] === null || body[field] === '')
      throw new HttpError(400, 'MISSING_FIELD', `Say which file you want to upload: "${field}" is missing.`);
  }
  if (typeof name !== 'string' || name.length > 1024)
    throw new HttpError(400, 'INVALID_NAME', 'The file name must be text of at most 1024 characters.');
  // A lone surrogate cannot become UTF-8, so it cannot be part of an object key.
  if (!name.isWellFormed())
    throw new HttpError(400, 'INVALID_NAME', 'The file name has broken Unicode (half of an emoji or similar).');
  if (!Number.isSafeInteger(size) || size < 1)
    throw new HttpError(400, 'INVALID_SIZE', 'The file size must be a whole number of bytes, at least 1.');
  if (size > maxFileSize) {
    throw new HttpError(
      400,
      'FILE_TOO_LARGE',
      `The file is ${formatMb(size)}; files up to ${formatMb(maxFileSize)} are accepted.`,
    );
  }
  const type = typeof contentType === 'string' ? contentType.trim().toLowerCase() : '';
  if (!allowedTypes.includes(type)) {
    throw new HttpError(
      400,
      'TYPE_NOT_ALLOWED',
      `Only images and videos can be uploaded here (${allowedTypes.join(', ')}); this file is ${JSON.stringify(String(contentType))}.`,
    );
  }
  return { name, size, contentType: type };
}

/**
 * The signing configuration from the environment: a real bucket, or null for a local one; with
 * OSSUP_ROLE_ARN also `sts: { roleArn, roleSessionName, endpoint }` for AssumeRole.
 */
export function bucketFromEnv(env = process.env) {
  if (!env.OSSUP_BUCKET) return null;
  const missing = ['OSSUP_REGION', 'OSSUP_ACCESS_KEY_ID', 'OSSUP_ACCESS_KEY_SECRET'].filter((name) => !env[name]);
  if (missing.length) throw new Error(`OSSUP_BUCKET is set, so ${missing.join(', ')} must be set too`);
  return {
    bucket: env.OSSUP_BUCKET,
    region: env.OSSUP_REGION.replace(/^oss-/, ''),
    endpoint: env.OSSUP_ENDPOINT || undefined,
    accessKeyId: env.OSSUP_ACCESS_KEY_ID,
    accessKeySecret: env.OSSUP_ACCESS_KEY_SECRET,
    // STS for a real bucket: the RAM role AssumeRole hands out (examples/server/assume-role.mjs).
    ...(env.OSSUP_ROLE_ARN && {
      sts: {
        roleArn: env.OSSUP_ROLE_ARN,
        roleSessionName: env.OSSUP_ROLE_SESSION_NAME || 'ossup-upload',
        endpoint: env.OSSUP_STS_ENDPOINT || `sts.${env.OSSUP_REGION.replace(/^oss-/, '')}.aliyuncs.com`,
      },
    }),
  };
}

const formatMb = (bytes) => `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 0)} MB`;

/**
 * A node:http handler for the routes above. `prefixFor(req)` chooses the folder a visitor may
 * upload into (default `demo/<folder derived from the signed session cookie>`);
 * `issueSts({ policy, durationSeconds, sessionName })` returns temporary credentials limited by
 * `policy` (the local bucket's issueSts, or AssumeRole: examples/server/assume-role.mjs).
 * `rateLimit`: { capacity, refillPerSecond } per prefix for the two POST routes (429 past it).
 * `log`: a function receiving one line per request — never fields, keys or secrets.
 */
export function createCredentialServer(options) {
  const {
    bucket,
    region,
    endpoint,
    accessKeyId,
    accessKeySecret,
    issueSts,
    prefixFor = (req) => `demo/${sessionFolder(req.ossupSession)}`,
    maxFileSize = MAX_FILE_SIZE,
    allowedTypes = ALLOWED_TYPES,
    expiresIn = MAX_EXPIRES_IN,
    rateLimit = { capacity: 60, refillPerSecond: 1 },
    local = false,
    log = () => {},
  } = options;
  for (const [name, value] of Object.entries({ bucket, region, accessKeyId, accessKeySecret })) {
    if (!value) throw new TypeError(`createCredentialServer: \`${name}\` is required`);
  }
  const host = bucketUrl({ bucket, region, endpoint });
  const limits = { maxFileSize, allowedTypes };
  const take = createRateLimiter(rateLimit);

  function limitRate(req, count = 1) {
    const wait = take(prefixFor(req), count);
    if (wait > 0) {
      throw new HttpError(429, 'TOO_MANY_REQUESTS', `Too many upload requests; try again in ${wait} s.`, {
        'Retry-After': String(wait),
      });
    }
  }

  async function uploadForm(req) {
    const request = checkUploadRequest(await readJson(req), limits);
    limitRate(req);
    return signedForm(req, request);
  }

  // Every file checked and counted as if asked for alone: a batch gets no more than single requests.
  async function uploadForms(req) {
    const body = await readJson(req, 64 * 1024);
    const files = body && body.files;
    if (!Array.isArray(files) || !files.length || files.length > MAX_BATCH)
      throw new HttpError(400, 'INVALID_BATCH', `Send "files": a list of 1 to ${MAX_BATCH} files.`);
    const requests = files.map((file) => checkUploadRequest(file && typeof file === 'object' ? file : {}, limits));
    limitRate(req, requests.length);
    return { forms: requests.map((request) => signedForm(req, request)) };
  }

  function signedForm(req, request) {
    // The extension comes from the type the form pins, never from the client's file name
    // (`a.html` sent as image/png is stored as ….png).
    const key = objectKey({ prefix: prefixFor(req), name: request.name, contentType: request.contentType });
    const { fields, expiration } = buildPostForm({
      accessKeyId,
      accessKeySecret,
      region,
      bucket,
      key,
      contentType: request.contentType,
      contentLengthRange: [request.size, request.size],
      expiresIn: Math.min(expiresIn, MAX_EXPIRES_IN),
    });
    return { host, fields, key, expiration };
  }

  async function sts(req) {
    await readJson(req);
    if (!issueSts) {
      throw new HttpError(
        501,
        'STS_NOT_AVAILABLE',
        'STS is not configured: with a real bucket set OSSUP_ROLE_ARN so the server can call AssumeRole (see docs/demo.md), or use "server-signed form".',
      );
    }
    limitRate(req);
    const keyPrefix = normalizePrefix(prefixFor(req));
    const credentials = await issueSts({
      policy: uploadSessionPolicy({ bucket, prefix: keyPrefix }),
      durationSeconds: STS_DURATION,
      sessionName: keyPrefix,
    });
    return {
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      securityToken: credentials.securityToken,
      expiration: credentials.expiration,
      bucket,
      region,
      endpoint: host,
      keyPrefix,
    };
  }

  const config = () => ({
    bucket,
    region,
    host,
    local,
    sts: Boolean(issueSts),
    maxFileSize,
    allowedTypes,
  });

  const routes = {
    'POST /api/upload-form': uploadForm,
    'POST /api/upload-forms': uploadForms,
    'POST /api/sts': sts,
    'GET /api/config': async () => config(),
  };

  return async function handleApi(req, res) {
    const path = new URL(req.url, 'http://localhost').pathname;
    const route = `${req.method} ${path}`;
    let status = 200;
    let code;
    try {
      if (!options.prefixFor) ensureSession(req, res); // the demo's visitors; an app server has its own login
      const handler = routes[route];
      if (!handler) {
        const known = Object.keys(routes).find((r) => r.endsWith(` ${path}`));
        if (known) throw new HttpError(405, 'METHOD_NOT_ALLOWED', `Use ${known.split(' ')[0]} for ${path}.`);
        throw new HttpError(404, 'NOT_FOUND', `There is no API at ${path}.`);
      }
      sendJson(res, 200, await handler(req));
    } catch (error) {
      if (!(error instanceof HttpError)) {
        // An OssupError from signing means our own configuration is wrong (e.g. a bad bucket name).
        console.error(`[ossup demo] ${route} failed: ${error.code || ''} ${error.message}`);
        error = new HttpError(500, error.code || 'INTERNAL_ERROR', 'The server could not sign this upload.');
      }
      status = error.status;
      code = error.code;
      if (!res.headersSent) sendJson(res, error.status, { code: error.code, message: error.message }, error.headers);
    }
    log(`${route} → ${status}${code ? ` ${code}` : ''}`);
  };
}
