// Small HTTP helpers for the demo's app server (credential API and static files): JSON answers,
// bounded JSON bodies, and the per-browser session cookie that picks each visitor's key prefix.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'ossup_demo_session';
const SESSION_ID = /^[0-9a-f]{16}$/;
// Made at start: the server alone can mint a session cookie, and cookies of an earlier run are replaced.
const SESSION_SECRET = randomBytes(32);
const sessionMac = (label, id) => createHmac('sha256', SESSION_SECRET).update(`${label}\n${id}`).digest();

export class HttpError extends Error {
  constructor(status, code, message, headers = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export function sendJson(res, status, value, headers = {}) {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/** The body as a JSON object; 415 unless it says it is JSON (a cross-site form cannot), 400 if it is not one. */
export async function readJson(req, maxBytes = 16 * 1024) {
  const type = String(req.headers['content-type'] || '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size <= maxBytes) chunks.push(chunk);
  }
  if (type !== 'application/json')
    throw new HttpError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'Send the request body as JSON (Content-Type: application/json).',
    );
  if (size > maxBytes) throw new HttpError(400, 'BODY_TOO_LARGE', `The request body is over ${maxBytes} bytes.`);
  const text = Buffer.concat(chunks).toString('utf8');
  let value;
  try {
    value = text.trim() ? JSON.parse(text) : {};
  } catch {
    throw new HttpError(400, 'INVALID_JSON', 'The request body is not valid JSON.');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new HttpError(400, 'INVALID_JSON', 'The request body must be a JSON object.');
  return value;
}

/**
 * This browser's session id (16 hex digits) from its cookie `<id>.<HMAC>`, or a new one announced
 * with Set-Cookie: a cookie the server did not sign is replaced, so nobody picks their session.
 * Remembered on `req` so every handler of one request sees the same id.
 */
export function ensureSession(req, res) {
  if (req.ossupSession) return req.ossupSession;
  const cookies = String(req.headers.cookie || '').split(';');
  const found = cookies.map((c) => c.trim().split('=')).find(([name]) => name === SESSION_COOKIE);
  const [id, mac] = String(found?.[1] ?? '').split('.');
  let valid = false;
  if (SESSION_ID.test(id ?? '') && mac) {
    // Compared as text: base64url has several spellings of the same bytes, the cookie only one.
    const expected = Buffer.from(sessionMac('cookie', id).toString('base64url'));
    const given = Buffer.from(mac);
    valid = given.length === expected.length && timingSafeEqual(given, expected);
  }
  let session = valid ? id : null;
  if (!session) {
    session = randomBytes(8).toString('hex');
    const value = `${session}.${sessionMac('cookie', session).toString('base64url')}`;
    res.appendHeader('Set-Cookie', `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=86400`);
  }
  req.ossupSession = session;
  return session;
}

/**
 * The session's folder name (16 hex digits), derived one-way from the session id: object keys
 * are shared in URLs, and must not reveal the cookie that acts as that visitor.
 */
export function sessionFolder(sessionId) {
  return sessionMac('folder', sessionId).toString('hex').slice(0, 16);
}
