// PostObject V4 with crypto-js: the signing key (4 chained HMAC-SHA256) + HMAC of the policy, hex.
import hmacSHA256 from 'crypto-js/hmac-sha256';
import Hex from 'crypto-js/enc-hex';

export async function init() {}

export function signPostPolicyV4({ accessKeySecret, region, date, policy }) {
  let key = hmacSHA256(date, `aliyun_v4${accessKeySecret}`);
  key = hmacSHA256(region, key);
  key = hmacSHA256('oss', key);
  key = hmacSHA256('aliyun_v4_request', key);
  return Hex.stringify(hmacSHA256(policy, key));
}
