// Diagnostic: our browser entry tree-shaken to loading + the two policy signatures (the .wasm is
// the same file either way).
export { ready, signPostPolicyV1, signPostPolicyV4 } from 'ossup-pkg/src/entry-browser.js';
