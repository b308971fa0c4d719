// Per-request plumbing shared by the handlers: the request context (parsed path, query,
// headers, request log entry), common and CORS headers, and the ways to answer.

import { randomBytes } from 'node:crypto';
import { percentDecodeBytes } from './object-key.mjs';
import { xmlDocument } from './xml.mjs';

// DESIGN-NOTES "CORS for H5": without these the browser hides the headers from scripts.
export const EXPOSE_HEADERS = 'ETag, x-oss-request-id, x-oss-hash-crc64ecma, Date, x-oss-ec';
export const ALLOW_METHODS = 'GET, PUT, POST, DELETE, HEAD';

/**
 * Everything a handler needs about one request: the path, the query both as raw bytes (V4
 * canonical query, oss-spec §3) and as UTF-8 strings, UTF-8 headers, and its request-log entry.
 */
export function createContext(app, req, res) {
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
  const queryList = queryBytes.map(([name, value]) => [
    name.toString('utf8'),
    value === null ? '' : value.toString('utf8'),
  ]);
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
    // Signatures, clock skew and STS expiry are judged at arrival (a slow body must not turn a
    // valid request stale); policy expiry is judged after the body (oss-spec §1a).
    receivedAt: app.now(),
    entry: {
      op: 'Unknown',
      method: req.method,
      key: null,
      partNumber: null,
      uploadId: null,
      status: 0,
      code: null,
      bytes: 0,
      fault: null,
    },
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
export function headerValue(text) {
  return Buffer.from(String(text), 'utf8').toString('latin1');
}

export function record(ctx, status) {
  if (ctx.recorded || ctx.skipLog) return;
  ctx.recorded = true;
  ctx.entry.status = status;
  ctx.entry.requestId = ctx.requestId;
  const { requests } = ctx.app;
  requests.push(ctx.entry);
  // A ring: the oldest entries go, so a long-running server's log stays bounded.
  if (requests.length > ctx.app.config.maxLogEntries)
    requests.splice(0, requests.length - ctx.app.config.maxLogEntries);
  const { log } = ctx.app.config;
  if (typeof log === 'function') log(ctx.entry);
  else if (log) {
    const { method, op, key, status: code, code: errorCode } = ctx.entry;
    console.log(
      `[ossup bucket] ${method} ${ctx.req.url} ${op}${key ? ` ${key}` : ''} → ${code}${errorCode ? ` ${errorCode}` : ''}`,
    );
  }
}

export function setCommonHeaders({ app, req, res, requestId }) {
  res.setHeader('x-oss-request-id', requestId);
  res.setHeader('Date', new Date(app.now()).toUTCString()); // the server clock, offset included
  res.setHeader('Server', 'ossup-local-bucket');
  res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*');
  res.setHeader('Access-Control-Allow-Methods', ALLOW_METHODS);
  res.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS);
  res.setHeader('Vary', 'Origin');
}

export function sendError(ctx, error) {
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
  // A HEAD answer has no body: OSS puts the error document, base64, in x-oss-err (oss2 and
  // alibabacloud-oss-v2 read the Code from there).
  if (req.method === 'HEAD') res.setHeader('x-oss-err', Buffer.from(body).toString('base64'));
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function sendXml({ res }, status, name, content, headers = {}) {
  const body = xmlDocument(name, content);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendEmpty({ res }, status, headers = {}) {
  res.writeHead(status, { ...headers, 'Content-Length': 0 });
  res.end();
}

export function sendJson({ res }, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
