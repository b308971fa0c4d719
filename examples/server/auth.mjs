// Who is asking: a bearer JWT (HS256) that your login endpoint issued, checked with node:crypto
// alone. Swap in your own check (a session store, WeChat code2Session, …): startAppServer only
// needs `authenticate(req)` → a user id, or null for 401.
import { createHmac, timingSafeEqual } from 'node:crypto';

const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (text) => JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));

/** Signs `{ sub, exp }` (exp in seconds since 1970): what your login endpoint hands out. */
export function signJwt(claims, secret) {
  const signed = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
}

/** The `sub` of a well-signed, unexpired HS256 token, else null. */
export function verifyJwt(token, secret, nowSeconds = Date.now() / 1000) {
  const [header, payload, signature, extra] = String(token).split('.');
  if (!signature || extra !== undefined) return null;
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    // The algorithm is ours to choose, never the token's ("alg": "none" attacks).
    if (decode(header).alg !== 'HS256') return null;
    const { sub, exp } = decode(payload);
    return typeof sub === 'string' && exp > nowSeconds ? sub : null;
  } catch {
    return null;
  }
}

/** An authenticate(req) hook: `Authorization: Bearer <JWT>` → the user id, or null. */
export function bearerJwt(secret) {
  if (typeof secret !== 'string' || secret.length < 32)
    throw new TypeError('bearerJwt: use a random secret of at least 32 characters');
  return (req) => {
    const match = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(req.headers.authorization ?? '');
    return match ? verifyJwt(match[1], secret) : null;
  };
}
