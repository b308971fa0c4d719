// WeChat, Douyin (and uni-app compiled to them): WXWebAssembly / TTWebAssembly load only
// from a path inside the code package (DESIGN-NOTES), so `ready({ wasmPath })` takes that
// path; the default is where the WeChat npm build puts this package.
import { setLoader } from './core.js';
import { configureRandom } from './random.js';
import { registerTransport } from './platform.js';
import { detectedMiniProgramTransport } from './transports/miniprogram.js';
import { OssupError } from './errors.js';

registerTransport(() => {
  const transport = detectedMiniProgramTransport();
  if (!transport) throw new OssupError('UNSUPPORTED_PLATFORM', 'ossup/miniprogram found no wx, tt, uni or my API');
  return transport;
});

export const DEFAULT_WASM_PATH = '/miniprogram_npm/ossup/ossup.wasm.br';

setLoader(async (imports, options) => {
  const path = options.wasmPath || DEFAULT_WASM_PATH;
  if (typeof WXWebAssembly !== 'undefined') {
    configureRandom(typeof wx !== 'undefined' ? wx : null, 'wx');
    const result = await WXWebAssembly.instantiate(path, imports);
    return { instance: result.instance || result, engine: 'WXWebAssembly' };
  }
  if (typeof TTWebAssembly !== 'undefined') {
    configureRandom(typeof tt !== 'undefined' ? tt : null, 'tt');
    const result = await TTWebAssembly.instantiate(path, imports);
    return { instance: result.instance || result, engine: 'TTWebAssembly' };
  }
  throw new Error('this runtime has neither WXWebAssembly nor TTWebAssembly: use the ossup/wasm2js entry');
});
export * from './index.js';
