// ossup/post: PostObject uploads only, for mini-program pages that count every KB. The same
// uploader and core as the full entry, loading the core built without its `full` feature
// (ossup-post.wasm) and without what needs header signatures: multipart, VOD, the HEAD check
// after a lost response (this entry does not import them; header-signing.js). Files go up as
// one PostObject each (at most 5 GB); for multipart, VOD or header signing use `ossup` itself.
//
// `ready()` loads ossup-post.wasm.br from the code package (WXWebAssembly / TTWebAssembly;
// `ready({ wasmPath })` for another path); elsewhere (a WebView, Node, tests) `ready({ wasm })`
// takes a URL, a Response, bytes or a WebAssembly.Module.
import { setLoader } from './core.js';
import { registerTransport } from './platform.js';
import { detectedMiniProgramTransport } from './transports/miniprogram.js';
import { OssupError } from './errors.js';
import { instantiateInPackage, instantiateWeb } from './loaders.js';

registerTransport(() => {
  const transport = detectedMiniProgramTransport();
  if (!transport) throw new OssupError('UNSUPPORTED_PLATFORM', 'ossup/post found no wx, tt, uni or my API');
  return transport;
});

export const DEFAULT_WASM_PATH = '/miniprogram_npm/ossup/ossup-post.wasm.br';

setLoader(async (imports, options) => {
  if (options.wasm) return instantiateWeb(options.wasm, imports, 'ossup-post.wasm');
  const loaded = await instantiateInPackage(options.wasmPath || DEFAULT_WASM_PATH, imports);
  if (!loaded) {
    throw new OssupError(
      'UNSUPPORTED_PLATFORM',
      'ossup/post found neither WXWebAssembly nor TTWebAssembly: pass ready({ wasm }) (a URL, bytes or a WebAssembly.Module of ossup-post.wasm)',
    );
  }
  return loaded;
});

export {
  ready,
  isReady,
  engine,
  now,
  setClockOffset,
  buildPostForm,
  objectKey,
  validateKey,
  normalizePrefix,
  crc64,
  createCrc64,
} from './core.js';
export { OssupError } from './errors.js';
export { randomSource, setRandomSource } from './random.js';
export { createUploader } from './uploader.js';
export { bucketUrl, objectUrl } from './files.js';
