// WeChat, Douyin (and uni-app compiled to them): WXWebAssembly / TTWebAssembly load only
// from a path inside the code package (DESIGN-NOTES), so `ready({ wasmPath })` takes that
// path; the default is where the WeChat npm build puts this package.
import { setLoader } from './core.js';
import { registerTransport } from './platform.js';
import { detectedMiniProgramTransport } from './transports/miniprogram.js';
import { OssupError } from './errors.js';
import { instantiateInPackage } from './loaders.js';

registerTransport(() => {
  const transport = detectedMiniProgramTransport();
  if (!transport) throw new OssupError('UNSUPPORTED_PLATFORM', 'ossup/miniprogram found no wx, tt, uni or my API');
  return transport;
});

export const DEFAULT_WASM_PATH = '/miniprogram_npm/ossup/ossup.wasm.br';

setLoader(async (imports, options) => {
  const loaded = await instantiateInPackage(options.wasmPath || DEFAULT_WASM_PATH, imports);
  if (!loaded) throw new Error('this runtime has neither WXWebAssembly nor TTWebAssembly: use the ossup/wasm2js entry');
  return loaded;
});
export * from './index.js';
