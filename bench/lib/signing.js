// Signing ops/s: ours against JS/wasm/native-crypto contenders doing the same work, in Node
// and Chromium. Each contender gets a small, faithful JS implementation of the OSS algorithms
// (oss-spec §1b V1 policy, §1c V4 policy, §3 V4 header) around its own hash primitives, and
// must produce the same signature as ours on the fixed inputs before it is timed.
import { SIGNING_INPUTS } from './data.js';
import { opsPerSecond, summary } from './measure.js';

const utf8 = new TextEncoder();

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
export function toHex(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]];
  return out;
}

export function toBase64(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}

// ---- V4 header: the canonical request, the same rules as src/sign/v4.rs ----

const isDefaultSigned = (name) => name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-');

/** Keep A–Z a–z 0–9 - _ . ~ (and / for the path), %XX the rest of the UTF-8. */
function percentEncode(text, keepSlash) {
  const encoded = encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return keepSlash ? encoded.replace(/%2F/g, '/') : encoded;
}

const byFirst = (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);

/** Everything of a V4 header signature except the hashing: canonical request, scope, prefix. */
export function v4Canonical(o) {
  const headers = Object.keys(o.headers)
    .map((name) => [name.trim().toLowerCase(), String(o.headers[name]).trim()])
    .sort(byFirst);
  const header = (name) => {
    for (const [n, v] of headers) if (n === name) return v;
    return undefined;
  };
  const dateTime = header('x-oss-date');
  const date = dateTime.slice(0, 8);
  const additional = [
    ...new Set(
      (o.additionalHeaders || [])
        .map((n) => n.trim().toLowerCase())
        .filter((n) => !isDefaultSigned(n) && header(n) !== undefined),
    ),
  ].sort();
  const query = Object.keys(o.query || {})
    .map((k) => [percentEncode(k, false), o.query[k] == null ? '' : percentEncode(String(o.query[k]), false)])
    .sort(byFirst)
    .map(([k, v]) => (v ? `${k}=${v}` : k))
    .join('&');
  let canonical = `${o.method.toUpperCase()}\n${percentEncode(`/${o.bucket}/${o.key}`, true)}\n${query}\n`;
  for (const [name, value] of headers) {
    if (isDefaultSigned(name) || additional.includes(name)) canonical += `${name}:${value}\n`;
  }
  canonical += `\n${additional.join(';')}\n${header('x-oss-content-sha256')}`;
  const scope = `${date}/${o.region}/oss/aliyun_v4_request`;
  return { canonical, date, scope, additional, prefix: `OSS4-HMAC-SHA256\n${dateTime}\n${scope}\n` };
}

export function v4Authorization(o, c, signature) {
  const extra = c.additional.length ? `,AdditionalHeaders=${c.additional.join(';')}` : '';
  return `OSS4-HMAC-SHA256 Credential=${o.accessKeyId}/${c.scope}${extra},Signature=${signature}`;
}

// ---- contenders ----
// Each: { id, name, version, sign: { v1, v4, v4Header }, async? }. `prepare` work (instances,
// as their docs advise) happens once, outside the timing.

/** `wrap` turns each of our sign calls into the one timed (identity: the call as users make it). */
function ours(id, name, version, mod, wrap = (fn) => fn) {
  return {
    id,
    name,
    version,
    sign: {
      v1: wrap((o) => mod.signPostPolicyV1(o)),
      v4: wrap((o) => mod.signPostPolicyV4(o)),
      v4Header: wrap((o) => mod.signRequestV4(o)),
    },
  };
}

/**
 * Ours with the signing-key cache missed on every call: five secrets in turn (the V4 cache
 * holds four keys, the V1 cache one), the fixed input's own secret first, so the verification
 * call signs the fixed input. Costs one object spread per call besides.
 */
function rotatingSecrets(fn) {
  let i = -1;
  return (o) => {
    i = (i + 1) % 5;
    return fn(i === 0 ? o : { ...o, accessKeySecret: `${o.accessKeySecret}${i}` });
  };
}

function cryptoJs(C, version) {
  const key = (secret, date, region) => {
    let k = C.HmacSHA256(date, `aliyun_v4${secret}`);
    k = C.HmacSHA256(region, k);
    k = C.HmacSHA256('oss', k);
    return C.HmacSHA256('aliyun_v4_request', k);
  };
  return {
    id: 'crypto-js',
    name: 'crypto-js',
    version,
    sign: {
      v1: (o) => C.HmacSHA1(o.policy, o.accessKeySecret).toString(C.enc.Base64),
      v4: (o) => C.HmacSHA256(o.policy, key(o.accessKeySecret, o.date, o.region)).toString(C.enc.Hex),
      v4Header: (o) => {
        const c = v4Canonical(o);
        const toSign = c.prefix + C.SHA256(c.canonical).toString(C.enc.Hex);
        const signature = C.HmacSHA256(toSign, key(o.accessKeySecret, c.date, o.region)).toString(C.enc.Hex);
        return v4Authorization(o, c, signature);
      },
    },
  };
}

async function hashWasm(hw, version) {
  // V1: one createHMAC instance for the (fixed) secret, reused with init/update/digest — the
  // pattern hash-wasm's README advises. V4 re-keys at every step of the key derivation, which
  // createHMAC cannot do without a new (async) instance, so HMAC is written out over one
  // reused SHA-256 instance: H((K⊕opad) ‖ H((K⊕ipad) ‖ m)).
  const v1Secret = SIGNING_INPUTS.v1.accessKeySecret;
  const hmacSha1 = await hw.createHMAC(hw.createSHA1(), v1Secret);
  const sha256 = await hw.createSHA256();
  const ipad = new Uint8Array(64);
  const opad = new Uint8Array(64);
  const hmac = (key, message, hex) => {
    if (key.length > 64) {
      sha256.init();
      sha256.update(key);
      key = sha256.digest('binary');
    }
    ipad.fill(0x36);
    opad.fill(0x5c);
    for (let i = 0; i < key.length; i++) {
      ipad[i] ^= key[i];
      opad[i] ^= key[i];
    }
    sha256.init();
    sha256.update(ipad);
    sha256.update(message);
    const inner = sha256.digest('binary');
    sha256.init();
    sha256.update(opad);
    sha256.update(inner);
    return sha256.digest(hex ? 'hex' : 'binary');
  };
  const key = (secret, date, region) => {
    let k = hmac(utf8.encode(`aliyun_v4${secret}`), date);
    k = hmac(k, region);
    k = hmac(k, 'oss');
    return hmac(k, 'aliyun_v4_request');
  };
  return {
    id: 'hash-wasm',
    name: 'hash-wasm',
    version,
    note: 'V1: one `createHMAC(createSHA1(), secret)` instance reused (init/update/digest); V4: HMAC over one reused `createSHA256()` instance (createHMAC is bound to one key).',
    sign: {
      v1: (o) => {
        if (o.accessKeySecret !== v1Secret) throw new Error('hash-wasm HMAC instance is bound to another secret');
        hmacSha1.init();
        hmacSha1.update(o.policy);
        return toBase64(hmacSha1.digest('binary'));
      },
      v4: (o) => hmac(key(o.accessKeySecret, o.date, o.region), o.policy, true),
      v4Header: (o) => {
        const c = v4Canonical(o);
        sha256.init();
        sha256.update(c.canonical);
        const toSign = c.prefix + sha256.digest('hex');
        return v4Authorization(o, c, hmac(key(o.accessKeySecret, c.date, o.region), toSign, true));
      },
    },
  };
}

function jsSha(sha1, sha256, versions) {
  const key = (secret, date, region) => {
    let k = sha256.hmac.array(`aliyun_v4${secret}`, date);
    k = sha256.hmac.array(k, region);
    k = sha256.hmac.array(k, 'oss');
    return sha256.hmac.array(k, 'aliyun_v4_request');
  };
  return {
    id: 'js-sha',
    name: 'js-sha1 / js-sha256',
    version: versions,
    sign: {
      v1: (o) => toBase64(sha1.hmac.array(o.accessKeySecret, o.policy)),
      v4: (o) => sha256.hmac.hex(key(o.accessKeySecret, o.date, o.region), o.policy),
      v4Header: (o) => {
        const c = v4Canonical(o);
        const toSign = c.prefix + sha256.hex(c.canonical);
        return v4Authorization(o, c, sha256.hmac.hex(key(o.accessKeySecret, c.date, o.region), toSign));
      },
    },
  };
}

function webCrypto(subtle, version) {
  const hmac = async (hash, key, message) => {
    const k = await subtle.importKey('raw', key, { name: 'HMAC', hash }, false, ['sign']);
    return new Uint8Array(await subtle.sign('HMAC', k, typeof message === 'string' ? utf8.encode(message) : message));
  };
  const key = async (secret, date, region) => {
    let k = await hmac('SHA-256', utf8.encode(`aliyun_v4${secret}`), date);
    k = await hmac('SHA-256', k, region);
    k = await hmac('SHA-256', k, 'oss');
    return hmac('SHA-256', k, 'aliyun_v4_request');
  };
  return {
    id: 'webcrypto',
    name: 'WebCrypto (crypto.subtle)',
    version,
    async: true,
    note: 'importKey + sign per HMAC (the secret arrives with each call, as in our API), every step awaited.',
    sign: {
      v1: async (o) => toBase64(await hmac('SHA-1', utf8.encode(o.accessKeySecret), o.policy)),
      v4: async (o) => toHex(await hmac('SHA-256', await key(o.accessKeySecret, o.date, o.region), o.policy)),
      v4Header: async (o) => {
        const c = v4Canonical(o);
        const digest = new Uint8Array(await subtle.digest('SHA-256', utf8.encode(c.canonical)));
        const toSign = c.prefix + toHex(digest);
        const signature = toHex(await hmac('SHA-256', await key(o.accessKeySecret, c.date, o.region), toSign));
        return v4Authorization(o, c, signature);
      },
    },
  };
}

function nodeCrypto(crypto, version) {
  const hmac = (key, message) => crypto.createHmac('sha256', key).update(message).digest();
  const key = (secret, date, region) =>
    hmac(hmac(hmac(hmac(`aliyun_v4${secret}`, date), region), 'oss'), 'aliyun_v4_request');
  return {
    id: 'node-crypto',
    name: 'node:crypto',
    version,
    sign: {
      v1: (o) => crypto.createHmac('sha1', o.accessKeySecret).update(o.policy).digest('base64'),
      v4: (o) =>
        crypto
          .createHmac('sha256', key(o.accessKeySecret, o.date, o.region))
          .update(o.policy)
          .digest('hex'),
      v4Header: (o) => {
        const c = v4Canonical(o);
        const toSign = c.prefix + crypto.createHash('sha256').update(c.canonical).digest('hex');
        const signature = crypto
          .createHmac('sha256', key(o.accessKeySecret, c.date, o.region))
          .update(toSign)
          .digest('hex');
        return v4Authorization(o, c, signature);
      },
    },
  };
}

/**
 * The contenders available in this runtime. `libs`: { ours, oursWasm2js, oursO3?, CryptoJS,
 * hashWasm, sha1, sha256, subtle, nodeCrypto?, versions }.
 */
export async function signingContenders(libs) {
  const v = libs.versions;
  const list = [ours('ours', 'ossup (wasm)', v.ossup, libs.ours)];
  list.push(
    ours(
      'ours-cold-key',
      'ossup (wasm), a new secret every call (signing-key cache missed)',
      v.ossup,
      libs.ours,
      rotatingSecrets,
    ),
  );
  if (libs.oursWasm2js) list.push(ours('ours-wasm2js', 'ossup (wasm2js build)', v.ossup, libs.oursWasm2js));
  list.push(cryptoJs(libs.CryptoJS, v['crypto-js']));
  list.push(await hashWasm(libs.hashWasm, v['hash-wasm']));
  list.push(jsSha(libs.sha1, libs.sha256, `${v['js-sha1']} / ${v['js-sha256']}`));
  if (libs.subtle) list.push(webCrypto(libs.subtle, v.webcrypto));
  if (libs.nodeCrypto) list.push(nodeCrypto(libs.nodeCrypto, v.node));
  return list;
}

export const SIGNING_CASES = [
  ['v1', 'PostObject V1 policy signature (HMAC-SHA1, base64)'],
  ['v4', 'PostObject V4 policy signature (4 chained HMAC-SHA256 for the key + 1, hex)'],
  ['v4Header', 'V4 header signature (canonical request + SHA-256 + signing key + HMAC-SHA256)'],
];

/** Each contender's output on the fixed inputs; throws unless it equals ours. */
export async function verifySigning(contenders) {
  const reference = contenders[0];
  const outputs = {};
  for (const [caseId] of SIGNING_CASES) {
    const expected = await reference.sign[caseId](SIGNING_INPUTS[caseId]);
    outputs[caseId] = expected;
    for (const c of contenders) {
      const got = await c.sign[caseId](SIGNING_INPUTS[caseId]);
      if (got !== expected) {
        throw new Error(`${c.name} signs ${caseId} differently from ours:\n  ours: ${expected}\n  this: ${got}`);
      }
    }
  }
  return outputs;
}

/**
 * Where one call of ours spends its time (µs/call, each step timed on its own). The policy
 * signatures pass their strings through wasm-bindgen (the JS layer checks the options object
 * first); the header signature passes `JSON.stringify(options)` and gets the Authorization
 * value back. `glue` is a second instance of the same .wasm; `glueO3` the same core built at
 * opt-level 3 (diagnostic, Node only).
 */
function breakdownSteps(caseId, libs) {
  const input = SIGNING_INPUTS[caseId];
  const json = JSON.stringify(input);
  const steps = [];
  let call;
  if (caseId === 'v4Header') {
    steps.push(['stringify', 'JSON.stringify(options)', () => JSON.stringify(input)]);
    call = (g) => () => g.signRequest(4, false, json);
    steps.push(['glue', 'wasm call with the JSON prepared (copy in, parse, sign, copy out)', call(libs.glue)]);
  } else {
    const { accessKeySecret, region, date, policy } = input;
    call = (g) =>
      caseId === 'v1'
        ? () => g.signPostPolicyV1(accessKeySecret, policy)
        : () => g.signPostPolicyV4(accessKeySecret, region, date, policy);
    steps.push([
      'glue',
      'wasm call with the strings ready (copy in, check the policy, sign, copy out)',
      call(libs.glue),
    ]);
  }
  steps.push([
    'roundtrip',
    'minimal wasm string round trip: normalizePrefix("a/")',
    () => libs.glue.normalizePrefix('a/'),
  ]);
  if (libs.glueO3)
    steps.push(['glueO3', 'the same wasm call, the core at opt-level 3 (diagnostic build)', call(libs.glueO3)]);
  return steps;
}

/** Runs the whole signing suite; returns { contenders, outputs, cases: { id: { ops, breakdown } } }. */
export async function runSigning(libs, { reps = 7, targetMs = 100, log = () => {} } = {}) {
  const contenders = await signingContenders(libs);
  const outputs = await verifySigning(contenders);
  const cases = {};
  for (const [caseId] of SIGNING_CASES) {
    log(`signing ${caseId}`);
    const input = SIGNING_INPUTS[caseId];
    const ops = await opsPerSecond(
      contenders.map((c) => ({ id: c.id, async: Boolean(c.async), fn: () => c.sign[caseId](input) })),
      { reps, targetMs },
    );
    const steps = breakdownSteps(caseId, libs);
    const stepOps = await opsPerSecond(
      steps.map(([id, , fn]) => ({ id, fn, async: false })),
      { reps, targetMs: targetMs / 2 },
    );
    const breakdown = steps.map(([id, label]) => ({
      id,
      label,
      microseconds: 1e6 / stepOps[id].median,
      spread: summary(stepOps[id].samples.map((s) => 1e6 / s)),
    }));
    cases[caseId] = { ops, breakdown };
  }
  return {
    contenders: contenders.map(({ id, name, version, note, async }) => ({ id, name, version, note, async: !!async })),
    outputs,
    cases,
  };
}
