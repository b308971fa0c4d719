// The contenders as Node loads them, plus a second instance of our .wasm behind the glue (for
// the per-call breakdown) and, when built, the opt-level 3 diagnostic core.
import { createRequire } from 'node:module';
import { readFileSync, existsSync } from 'node:fs';
import * as nodeCrypto from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { ROOT, BUILD, PKG } from './paths.mjs';

const require = createRequire(import.meta.url);

const CONTENDER_PACKAGES = [
  'crypto-js',
  'hash-wasm',
  'js-sha1',
  'js-sha256',
  'spark-md5',
  'crc64-ecma182.js',
  'cos-wx-sdk-v5',
  'ali-oss',
  'esbuild',
  'playwright-core',
];

/** Installed versions of the contenders and tools (`null` when a package is missing). */
export function packageVersions() {
  const out = {};
  for (const name of CONTENDER_PACKAGES) {
    try {
      out[name] = JSON.parse(readFileSync(`${ROOT}/node_modules/${name}/package.json`, 'utf8')).version;
    } catch {
      out[name] = null;
    }
  }
  out.ossup = JSON.parse(readFileSync(`${ROOT}/pkg/package.json`, 'utf8')).version;
  out.node = process.version;
  out.webcrypto = `Node ${process.version}`;
  return out;
}

/** Instantiates `wasmBytes` behind a glue module namespace (pkg/dist/glue.js, bundled). */
export async function attachGlue(glue, wasmBytes) {
  const { instance } = await WebAssembly.instantiate(wasmBytes, glue.__wbg_get_imports());
  glue.__ossup_instantiated(instance);
  return { glue, exports: instance.exports };
}

async function optionalImport(file) {
  return existsSync(file) ? import(pathToFileURL(file).href) : null;
}

export async function loadNodeLibs() {
  const versions = packageVersions();
  const ours = await import(pathToFileURL(`${PKG}/dist/node.mjs`).href);
  // Fresh wasm2js instances per suite (see probeWasm2jsGrowth in hashing.js).
  const wasm2jsUrl = pathToFileURL(`${PKG}/dist/wasm2js.mjs`).href;
  const wasm2js = async (tag) => import(`${wasm2jsUrl}?instance=${tag}`);
  const oursWasm2js = await wasm2js('signing');
  const glueModule = await import(pathToFileURL(`${BUILD}/glue.mjs`).href);
  const { glue, exports } = await attachGlue(glueModule, readFileSync(`${PKG}/dist/ossup.wasm`));
  let glueO3 = null;
  let exportsO3 = null;
  const o3 = await optionalImport(`${BUILD}/wasm-o3/ossup.js`);
  if (o3) {
    exportsO3 = o3.initSync({ module: readFileSync(`${BUILD}/wasm-o3/ossup_bg.wasm`) });
    glueO3 = o3;
  }
  const hashWasm = await import('hash-wasm');
  // js-sha1 and js-sha256 hand their work to node:crypto when they detect Node: measure the
  // libraries themselves (their browser code) instead.
  globalThis.JS_SHA1_NO_NODE_JS = true;
  const sha1 = require('js-sha1');
  const { sha256 } = await import('js-sha256/build/sha256.min.mjs');
  const { createCrc64: jsCrc64 } = await import('../../www/server/crc64.mjs');
  let crc64Ecma182 = null;
  try {
    crc64Ecma182 = require('crc64-ecma182.js');
  } catch {
    crc64Ecma182 = null;
  }
  return {
    versions,
    ours,
    oursWasm2js,
    wasm2js: { crc64: await wasm2js('crc64'), md5: await wasm2js('md5'), probe: await wasm2js('probe') },
    glue,
    glueO3,
    exports,
    exportsO3,
    CryptoJS: require('crypto-js'),
    hashWasm,
    hashWasmInstances: { crc64: await hashWasm.createCRC64(), md5: await hashWasm.createMD5() },
    sha1,
    sha256,
    SparkMD5: require('spark-md5'),
    jsCrc64,
    crc64Ecma182,
    toBuffer: (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    subtle: globalThis.crypto.subtle,
    nodeCrypto,
  };
}
