// The Chromium runs: the system browser through playwright-core (never downloaded), pages
// served by bench/lib/static-server.mjs from the repository.
import { POST_FORM_INPUT, SIGNING_INPUTS } from './data.js';
import { summary } from './measure.js';

import { launchChromium } from '../../scripts/chromium.mjs';

export { launchChromium };

/**
 * Opens the suite page and returns { signing(options), hashing(options) } running inside it.
 * With `nativePasses` (native-passes.mjs), the page can ask for a native pass between its rounds.
 */
export async function openSuite(browser, baseUrl, versions, nativePasses) {
  const page = await browser.newPage();
  if (nativePasses) await page.exposeFunction('benchNativePass', (metric) => nativePasses.pass(metric));
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(`${baseUrl}/bench/browser/suite.html`);
  await page
    .waitForFunction(() => window.benchLoaded || false, null, { timeout: 30000 })
    .catch(() => {
      throw new Error(`the bench page did not load: ${errors.join('; ') || 'no error reported'}`);
    });
  await page.evaluate(async (v) => {
    window.bench = await window.benchSetup(v);
  }, versions);
  return {
    signing: (options) => page.evaluate((o) => window.bench.signing(o), options),
    hashing: (options) => page.evaluate((o) => window.bench.hashing(o), options),
    close: () => page.close(),
  };
}

export const COLD_CONTENDERS = [
  ['ours', 'ossup: browser.mjs + ossup.wasm (`await ready()` + `signPostPolicyV4`)'],
  [
    'ours-post',
    'ossup/post: post.mjs + ossup-post.wasm (`await ready()` + `buildPostForm`: a whole V4 form, policy built and signed)',
  ],
  [
    'ours-sign',
    'ossup tree-shaken by a bundler to `ready` + the policy signatures (bench/entries/ours-sign.js) + ossup.wasm',
  ],
  ['crypto-js-v4', 'crypto-js (hmac-sha256 + enc-hex subset, esbuild minified)'],
  ['hash-wasm-v4', 'hash-wasm (createSHA256 subset, esbuild minified; wasm embedded as base64)'],
  ['js-sha256-v4', 'js-sha256 (esbuild minified)'],
  ['webcrypto-v4', 'WebCrypto (no library; importKey + sign, awaited)'],
  ['floor', 'floor: importing an empty module (bench/entries/floor.js), no signature'],
];

/**
 * Cold start per contender and mode ('http': the library fetched from the server; 'memory':
 * its bytes fetched before the clock starts): a new browser context (empty cache) and page per
 * repetition, the time from the page module's start to the first V4 policy signature, measured
 * in the page. Repetitions interleave contenders and modes.
 */
export async function coldStart(browser, baseUrl, { reps = 9, expected, expectedPost } = {}) {
  const input = encodeURIComponent(JSON.stringify(SIGNING_INPUTS.v4));
  const postInput = encodeURIComponent(JSON.stringify(POST_FORM_INPUT));
  const modes = ['http', 'memory'];
  const once = async (id, mode) => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${baseUrl}/bench/browser/cold.html?c=${id}&mode=${mode}&input=${input}&post=${postInput}`);
      await page.waitForFunction(() => window.coldResult, null, { timeout: 30000 });
      const result = await page.evaluate(() => window.coldResult);
      if (result.error) throw new Error(`cold start of ${id} (${mode}): ${result.error}`);
      const want = id === 'ours-post' ? expectedPost : expected;
      if (want && id !== 'floor' && result.signature !== want)
        throw new Error(`cold start of ${id} signed ${result.signature}, expected ${want}`);
      return result;
    } finally {
      await context.close();
    }
  };
  const samples = {};
  for (const mode of modes) {
    samples[mode] = Object.fromEntries(COLD_CONTENDERS.map(([id]) => [id, []]));
    for (const [id] of COLD_CONTENDERS) await once(id, mode); // warm-up: browser process, server, disk
  }
  for (let rep = 0; rep < reps; rep++) {
    for (const mode of modes) for (const [id] of COLD_CONTENDERS) samples[mode][id].push(await once(id, mode));
  }
  const med = (list, key) => summary(list.map((s) => s[key])).median;
  return Object.fromEntries(
    modes.map((mode) => [
      mode,
      Object.fromEntries(
        COLD_CONTENDERS.map(([id, name]) => {
          const list = samples[mode][id];
          return [
            id,
            {
              name,
              total: summary(list.map((s) => s.total)),
              // What a mini program pays once its package's JS is evaluated: ready() (the wasm
              // from bytes: compile + instantiate) and the first signature.
              core: summary(list.map((s) => s.init + s.first)),
              load: med(list, 'load'),
              init: med(list, 'init'),
              first: med(list, 'first'),
              network: med(list, 'network'),
            },
          ];
        }),
      ),
    ]),
  );
}
