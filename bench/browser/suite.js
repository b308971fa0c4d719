// The Chromium side of the signing and checksum suites: the same code as in Node
// (bench/lib/signing.js, hashing.js) with the contenders as a web page loads them. Bundled by
// bench/lib/builds.mjs into target/bench/browser-suite.mjs; suite.html passes in our package.
import CryptoJS from 'crypto-js';
import * as hashWasm from 'hash-wasm';
import sha1 from 'js-sha1';
import { sha256 } from 'js-sha256';
import SparkMD5 from 'spark-md5';
import * as glue from 'ossup-pkg/dist/glue.js';
import { createCrc64 as jsCrc64 } from '../../www/server/crc64.mjs';
import { runSigning } from '../lib/signing.js';
import { runHashing } from '../lib/hashing.js';

export async function setup({ ours, oursWasm2js, wasm2js, versions }) {
  await ours.ready();
  const wasm = await (await fetch('/pkg/dist/ossup.wasm')).arrayBuffer();
  const { instance } = await WebAssembly.instantiate(wasm, glue.__wbg_get_imports());
  glue.__ossup_instantiated(instance);
  const libs = {
    versions: { ...versions, webcrypto: navigator.userAgent.match(/Chrome\/[\d.]+/)?.[0] || 'Chromium' },
    ours,
    oursWasm2js,
    wasm2js,
    glue,
    glueO3: null,
    exports: instance.exports,
    exportsO3: null,
    CryptoJS,
    hashWasm,
    hashWasmInstances: { crc64: await hashWasm.createCRC64(), md5: await hashWasm.createMD5() },
    sha1,
    sha256,
    SparkMD5,
    jsCrc64,
    crc64Ecma182: null, // Node only (fs, Buffer)
    subtle: crypto.subtle,
    nodeCrypto: null,
    // The native ceiling, run by the harness in its own process (bench/lib/native-passes.mjs).
    nativePass: typeof window.benchNativePass === 'function' ? (metric) => window.benchNativePass(metric) : null,
  };
  return {
    signing: (options) => runSigning(libs, options),
    hashing: (options) => runHashing(libs, options),
  };
}
