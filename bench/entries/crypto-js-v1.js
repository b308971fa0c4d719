// The snippet many mini-program OSS guides paste: PostObject V1 with crypto-js's HMAC-SHA1 + Base64.
import hmacSHA1 from 'crypto-js/hmac-sha1';
import Base64 from 'crypto-js/enc-base64';

export async function init() {}

export function signPostPolicyV1({ accessKeySecret, policy }) {
  return Base64.stringify(hmacSHA1(policy, accessKeySecret));
}
