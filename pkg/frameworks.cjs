// What the framework plugins (ossup/uni, ossup/taro) share: which build of this package each
// target gets, and which core files its code package needs. One import in user code
// (`import … from 'ossup'`) then means the right build on every target a project builds for.
'use strict';

const { readFileSync } = require('node:fs');
const path = require('node:path');

const DIST = path.join(__dirname, 'dist');

// Where ossup/miniprogram and ossup/post load their core by default (pkg/src/entry-*.js): the
// plugins put it there, so `ready()` needs no path on any target.
const PACKAGE_WASM_DIR = 'miniprogram_npm/ossup';

/**
 * The kind of runtime a framework target is:
 *  'wasm-in-package'  WeChat / Douyin: WXWebAssembly / TTWebAssembly from a file in the code package
 *  'browser'          H5: WebAssembly, ossup.wasm fetched beside the bundle
 *  'wasm2js'          everything else (Alipay, Baidu, QQ, JD, Kuaishou, apps): no WebAssembly assumed
 */
const KINDS = {
  uni: {
    'mp-weixin': 'wasm-in-package',
    'mp-toutiao': 'wasm-in-package',
    h5: 'browser',
    web: 'browser',
  },
  taro: {
    weapp: 'wasm-in-package',
    tt: 'wasm-in-package',
    h5: 'browser',
  },
};

function kindOf(framework, platform) {
  if (!platform) {
    const variable = framework === 'uni' ? 'UNI_PLATFORM' : 'TARO_ENV';
    throw new Error(`ossup/${framework}: ${variable} is not set: run the build through the ${framework} CLI`);
  }
  return KINDS[framework][platform] || 'wasm2js';
}

const dist = (file) => path.join(DIST, file);

/**
 * The file each ossup specifier resolves to on a target of `kind`, and the core files
 * (package path → file in dist) the code package needs when that file is bundled.
 * `ossup/wasm2js` is left alone: it runs everywhere as it is.
 */
function resolutions(kind) {
  if (kind === 'wasm-in-package') {
    const full = { file: dist('miniprogram.cjs'), core: ['ossup.wasm.br'] };
    const post = { file: dist('post-miniprogram.cjs'), core: ['ossup-post.wasm.br'] };
    return { ossup: full, 'ossup/vod': full, 'ossup/miniprogram': full, 'ossup/post': post };
  }
  // ossup/post's browser build needs `ready({ wasm })`; the full build finds its own .wasm, and
  // Alipay has only the wasm2js core: both take the same options as ossup/post.
  const full = { file: dist(kind === 'browser' ? 'browser.mjs' : 'wasm2js.mjs'), core: [] };
  return { ossup: full, 'ossup/vod': full, 'ossup/miniprogram': full, 'ossup/post': full };
}

/** The bytes to write at `${PACKAGE_WASM_DIR}/${name}` in the output. */
function coreFile(name) {
  return { fileName: `${PACKAGE_WASM_DIR}/${name}`, source: readFileSync(dist(name)) };
}

module.exports = { kindOf, resolutions, coreFile, PACKAGE_WASM_DIR };
