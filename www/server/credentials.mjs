// The demo's credential API: the app server that holds the AccessKey and hands each browser
// permission for one upload at a time. It signs with the ossup package itself (pkg/dist/node.mjs),
// the "sign an upload form on your server" recipe from the README.
//
//   POST /api/upload-form  { name, size, contentType } → { host, fields, key, expiration }
//   POST /api/sts          {}                          → { accessKeyId, accessKeySecret, securityToken,
//                                                          expiration, bucket, region, endpoint, keyPrefix }
//   GET  /api/config                                   → what the page needs to know before uploading
import { bucketUrl, buildPostForm, normalizePrefix, objectKey } from '../../pkg/dist/node.mjs';
import { ensureSession, HttpError, readJson, sendJson } from './http-util.mjs';

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

function checkUploadRequest(body, { maxFileSize, allowedTypes }) {
  const { name, size, contentType } = body;
  for (const field of ['name', 'size', 'contentType']) {
    if (body[field] === undefined || body[field] === null || body[field] === '')
      throw new HttpError(400, 'MISSING_FIELD', `Say which file you want to upload: "${field}" is missing.`);
  }
  if (typeof name !== 'string' || name.length > 1024)
    throw new HttpError(400, 'INVALID_NAME', 'The file name must be text of at most 1024 characters.');
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

/** The signing configuration from the environment: a real bucket, or null for a local one. */
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
  };
}

const formatMb = (bytes) => `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 0)} MB`;

/**
 * A node:http handler for the routes above. `prefixFor(req)` chooses the folder a visitor may
 * upload into (default `demo/<session id>`); `issueSts()` returns temporary credentials (the
 * local bucket server's; real Aliyun needs an AssumeRole call, which this demo does not make).
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
    prefixFor = (req) => `demo/${req.ossupSession}`,
    maxFileSize = MAX_FILE_SIZE,
    allowedTypes = ALLOWED_TYPES,
    expiresIn = MAX_EXPIRES_IN,
    log = () => {},
  } = options;
  for (const [name, value] of Object.entries({ bucket, region, accessKeyId, accessKeySecret })) {
    if (!value) throw new TypeError(`createCredentialServer: \`${name}\` is required`);
  }
  const host = bucketUrl({ bucket, region, endpoint });
  const limits = { maxFileSize, allowedTypes };

  async function uploadForm(req) {
    const request = checkUploadRequest(await readJson(req), limits);
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
        'STS mode is only available with the local bucket. For a real bucket your server would call Aliyun STS AssumeRole, which this demo does not do: use "server-signed form" instead (see docs/demo.md).',
      );
    }
    const credentials = await issueSts();
    return {
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      securityToken: credentials.securityToken,
      expiration: credentials.expiration,
      bucket,
      region,
      endpoint: host,
      keyPrefix: normalizePrefix(prefixFor(req)),
    };
  }

  const config = () => ({
    bucket,
    region,
    host,
    local: Boolean(issueSts),
    sts: Boolean(issueSts),
    maxFileSize,
    allowedTypes,
  });

  const routes = {
    'POST /api/upload-form': uploadForm,
    'POST /api/sts': sts,
    'GET /api/config': async () => config(),
  };

  return async function handleApi(req, res) {
    const path = new URL(req.url, 'http://localhost').pathname;
    const route = `${req.method} ${path}`;
    let status = 200;
    let code;
    try {
      ensureSession(req, res);
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
      if (!res.headersSent) sendJson(res, error.status, { code: error.code, message: error.message });
    }
    log(`${route} → ${status}${code ? ` ${code}` : ''}`);
  };
}
