// Where the Rust core's getrandom backend (src/wasm.rs) takes its bytes from: random.js's
// source, which it installs here. No imports, so that wasm-bindgen's test runner can load it as
// is; until random.js is loaded, the Web Crypto API of the page (the wasm tests in Chromium).
let source = null;

/** Called by random.js with its `randomBytes`. */
export function setRandomHook(randomBytes) {
  source = randomBytes;
}

/** `length` random bytes for the core, or a throw that the core hands back to its caller. */
export function ossupRandom(length) {
  return source ? source(length) : globalThis.crypto.getRandomValues(new Uint8Array(length));
}
