// PostObject V4 with js-sha256.
import { sha256 } from 'js-sha256';

export async function init() {}

export function signPostPolicyV4({ accessKeySecret, region, date, policy }) {
  let key = sha256.hmac.array(`aliyun_v4${accessKeySecret}`, date);
  key = sha256.hmac.array(key, region);
  key = sha256.hmac.array(key, 'oss');
  key = sha256.hmac.array(key, 'aliyun_v4_request');
  return sha256.hmac.hex(key, policy);
}
