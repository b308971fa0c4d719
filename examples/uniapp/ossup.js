// The ossup entry for each target, chosen by uni-app's conditional compilation:
//   mp-weixin / mp-toutiao  ossup/miniprogram: WXWebAssembly / TTWebAssembly, loaded from a path
//                           inside the code package (static/ossup.wasm.br, copied there by
//                           `npm install`: see scripts/copy-ossup-wasm.mjs)
//   mp-alipay               ossup/wasm2js: the same core as plain JavaScript (no WebAssembly there)
//   h5                      ossup: WebAssembly in the browser, ossup.wasm served by Vite
// #ifdef MP-WEIXIN || MP-TOUTIAO
import * as ossup from 'ossup/miniprogram';
const readyOptions = { wasmPath: '/static/ossup.wasm.br' };
// #endif
// #ifdef MP-ALIPAY
import * as ossup from 'ossup/wasm2js';
const readyOptions = {};
// #endif
// #ifdef H5
import * as ossup from 'ossup';
import wasmUrl from 'ossup/ossup.wasm?url';
const readyOptions = { wasm: wasmUrl };
// #endif

export { ossup, readyOptions };
