import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Generated bench artefacts (bundles, diagnostic wasm builds, results.json); git-ignored. */
export const BUILD = path.join(ROOT, 'target', 'bench');
/**
 * A copy of pkg/ (src, dist, package.json) taken when the run starts: every measurement of a
 * run uses the same build even if `make build` runs meanwhile (it empties pkg/dist first).
 */
export const PKG = path.join(BUILD, 'pkg');
/** Where the report goes. */
export const RESULTS = path.join(ROOT, 'bench', 'RESULTS.md');
