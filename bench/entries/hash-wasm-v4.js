// PostObject V4 with hash-wasm: HMAC written over one reused SHA-256 instance (createHMAC is
// bound to one key; the V4 key derivation re-keys four times).
import { createSHA256 } from 'hash-wasm';

let sha256 = null;

export async function init() {
  sha256 = await createSHA256();
}

function hmac(key, message, encoding) {
  const ipad = new Uint8Array(64).fill(0x36);
  const opad = new Uint8Array(64).fill(0x5c);
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
  return sha256.digest(encoding);
}

export function signPostPolicyV4({ accessKeySecret, region, date, policy }) {
  let key = hmac(new TextEncoder().encode(`aliyun_v4${accessKeySecret}`), date, 'binary');
  key = hmac(key, region, 'binary');
  key = hmac(key, 'oss', 'binary');
  key = hmac(key, 'aliyun_v4_request', 'binary');
  return hmac(key, policy, 'hex');
}
