// Which platform this is and which transport to use. Each entry registers the transports its
// bundle carries (so a browser bundle holds no mini-program code and the reverse); the runtime
// checks live here and only here (STYLE: "a platform `if` belongs in exactly one place").
import { OssupError } from './errors.js';

let factory = null;

/** Called once by the package entry with `() => transport`. */
export function registerTransport(create) {
  factory = create;
}

/** The transport for this runtime (`createUploader({ transport })` overrides it). */
export function chooseTransport() {
  if (factory) return factory();
  throw new OssupError(
    'UNSUPPORTED_PLATFORM',
    'no upload API found for this runtime: pass `transport` to createUploader',
  );
}

/**
 * The mini-program API object of this runtime and its flavor, or null. Alipay's own `my` first,
 * under uni-app too: uni.uploadFile there leaves out the `fileType` my.uploadFile requires
 * (DESIGN-NOTES). Then uni-app: on mp-weixin both `uni` and `wx` exist, and uni.uploadFile is
 * what its docs prescribe.
 */
export function miniProgramApi() {
  if (typeof my !== 'undefined' && my && typeof my.uploadFile === 'function') return { api: my, flavor: 'alipay' };
  if (typeof uni !== 'undefined' && uni && typeof uni.uploadFile === 'function') return { api: uni, flavor: 'uni' };
  if (typeof wx !== 'undefined' && wx && typeof wx.uploadFile === 'function') return { api: wx, flavor: 'wechat' };
  if (typeof tt !== 'undefined' && tt && typeof tt.uploadFile === 'function') return { api: tt, flavor: 'douyin' };
  return null;
}

/** Whether this runtime is a browser/WebView with XMLHttpRequest and FormData. */
export function hasXhr() {
  return typeof XMLHttpRequest !== 'undefined' && typeof FormData !== 'undefined';
}
