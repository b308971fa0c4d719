// The test data in tests/vectors/ (copied into the repository with its source: see its README).
import { readFileSync } from 'node:fs';

/** The text of a file of tests/vectors/. */
export function testData(name) {
  return readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8');
}

/** Every vector of oss-vectors.json (oss-spec §8). */
export function loadVectors() {
  return JSON.parse(testData('oss-vectors.json')).vectors;
}
