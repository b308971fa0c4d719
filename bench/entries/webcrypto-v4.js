// PostObject V4 with WebCrypto: no library, every step async.
export async function init() {}

const utf8 = new TextEncoder();

async function hmac(key, message) {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, utf8.encode(message)));
}

export async function signPostPolicyV4({ accessKeySecret, region, date, policy }) {
  let key = await hmac(utf8.encode(`aliyun_v4${accessKeySecret}`), date);
  key = await hmac(key, region);
  key = await hmac(key, 'oss');
  key = await hmac(key, 'aliyun_v4_request');
  return Array.from(await hmac(key, policy), (b) => b.toString(16).padStart(2, '0')).join('');
}
