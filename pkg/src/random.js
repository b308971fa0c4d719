// Secure random bytes for object names, on every platform, synchronously.
//
// - browsers, Node ≥ 19, Douyin/WeChat where present: crypto.getRandomValues (synchronous);
// - WeChat / Douyin mini programs: wx/tt.getRandomValues, which are asynchronous (≤ 1 MiB a
//   call), so a pool is filled by `ready()` and topped up ahead of need (DESIGN-NOTES);
// - Alipay has no secure source: names then use Math.random mixed with the time, and
//   `randomSource()` says 'insecure'. Object names are not secrets (the policy decides what
//   may be written), but unguessable names are better: pass `setRandomSource` a function
//   returning server-provided bytes if that matters to you.
import { OssupError } from './errors.js';
import { setRandomHook } from './random-hook.js';

const POOL_SIZE = 512;
let pool = new Uint8Array(0);
let refilling = null;
let source = null;

function webCrypto() {
  if (typeof crypto !== 'undefined' && crypto && typeof crypto.getRandomValues === 'function') return crypto;
  return null;
}

function insecureBytes(length) {
  const out = new Uint8Array(length);
  let seed = Date.now() % 0x100000000;
  for (let i = 0; i < length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    out[i] = (Math.random() * 256) ^ (seed >>> 24);
  }
  return out;
}

/**
 * Chooses the source once. `miniProgramApi` is `wx` or `tt` when running there, `apiName`
 * its name. Returns the name of the source in use.
 */
export function configureRandom(miniProgramApi, apiName = 'wx') {
  const c = webCrypto();
  if (c) {
    source = { name: 'crypto.getRandomValues', sync: (n) => c.getRandomValues(new Uint8Array(n)) };
  } else if (miniProgramApi && typeof miniProgramApi.getRandomValues === 'function') {
    const api = miniProgramApi;
    source = {
      name: `${apiName}.getRandomValues`,
      async: (n) =>
        new Promise((resolve, reject) =>
          api.getRandomValues({
            length: n,
            success: (res) => resolve(new Uint8Array(res.randomValues)),
            fail: (err) => reject(new OssupError('RANDOM_UNAVAILABLE', `getRandomValues failed: ${err && err.errMsg}`)),
          }),
        ),
    };
  } else {
    source = { name: 'insecure', sync: insecureBytes };
  }
  return source.name;
}

/** Uses a function `(length) => Uint8Array` as the source (e.g. bytes from your server). */
export function setRandomSource(bytes, name = 'custom') {
  if (typeof bytes !== 'function')
    throw new OssupError('INVALID_OPTION', 'setRandomSource expects a function (length) => Uint8Array');
  if (typeof name !== 'string') throw new OssupError('INVALID_OPTION', 'setRandomSource: `name` must be a string');
  source = { name, sync: bytes };
  pool = new Uint8Array(0);
}

/** Which source names are drawn from: 'crypto.getRandomValues', 'wx.getRandomValues', 'tt.getRandomValues', 'custom' or 'insecure'. */
export function randomSource() {
  if (!source) configureRandom(null);
  return source.name;
}

function refill() {
  if (refilling || !source.async) return refilling;
  refilling = source
    .async(POOL_SIZE)
    .then((bytes) => {
      const next = new Uint8Array(pool.length + bytes.length);
      next.set(pool);
      next.set(bytes, pool.length);
      pool = next;
    })
    .finally(() => {
      refilling = null;
    });
  return refilling;
}

/** Makes sure `randomBytes` can answer synchronously (fills the pool for async sources). */
export async function prepareRandom() {
  if (!source) configureRandom(null);
  if (source.async && pool.length < POOL_SIZE / 2) await refill();
}

/** `length` secure random bytes, synchronously. */
export function randomBytes(length) {
  if (!source) configureRandom(null);
  if (source.sync) {
    let bytes;
    let enough;
    try {
      bytes = source.sync(length);
      enough = bytes instanceof Uint8Array && bytes.length >= length;
    } catch (error) {
      throw new OssupError('RANDOM_UNAVAILABLE', `the random source (${source.name}) threw`, { cause: error });
    }
    if (!enough) {
      throw new OssupError('RANDOM_UNAVAILABLE', `the random source returned fewer than ${length} bytes`);
    }
    return bytes;
  }
  if (pool.length < length) {
    refill();
    throw new OssupError(
      'RANDOM_UNAVAILABLE',
      'the random pool is empty: `await ready()` before naming files (it fills the pool)',
    );
  }
  const out = pool.slice(0, length);
  pool = pool.slice(length);
  if (pool.length < POOL_SIZE / 2) refill().catch(() => {});
  return out;
}

// The core draws object-key bytes through getrandom, which asks this module.
setRandomHook(randomBytes);
