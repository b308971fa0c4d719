// Pure JavaScript build: the same core compiled by wasm2js, for runtimes without WebAssembly
// (Alipay mini programs, old WebViews). Loaded synchronously; no BigInt anywhere.
import { instantiate } from '../dist/ossup.wasm2js.js';
import { attachInstance, wasmImports } from './core.js';
import { configureRandom } from './random.js';
import { registerTransport, hasXhr } from './platform.js';
import { detectedMiniProgramTransport } from './transports/miniprogram.js';
import { webTransport } from './transports/web.js';
import { OssupError } from './errors.js';

registerTransport(() => {
  const mini = detectedMiniProgramTransport();
  if (mini) return mini;
  if (hasXhr()) return webTransport();
  throw new OssupError(
    'UNSUPPORTED_PLATFORM',
    'no upload API found (my, wx, tt, uni or XMLHttpRequest): pass `transport`',
  );
});

attachInstance(instantiate(wasmImports()), 'wasm2js');
configureRandom(null);
export * from './index.js';
