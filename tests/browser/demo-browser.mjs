// Helpers for the demo page tests: the system Chromium (never downloaded), the demo server in a
// temp directory, test files, and reading the page's rows.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDemo } from '../../www/server/main.mjs';

export const OUTPUT = new URL('../../test-output/', import.meta.url).pathname;

import { launchChromium } from '../../scripts/chromium.mjs';

export const launchBrowser = launchChromium;

/** The demo on free ports with a fresh bucket directory; closed and removed after `t`. */
export async function startTestDemo(t) {
  const root = await mkdtemp(path.join(tmpdir(), 'ossup-demo-'));
  const demo = await startDemo({ port: 0, root, testMode: true });
  t.after(async () => {
    await demo.close();
    await rm(root, { recursive: true, force: true });
  });
  return demo;
}

/** A browser closed after `t`. */
export async function openBrowser(t) {
  const browser = await launchBrowser();
  t.after(() => browser.close());
  return browser;
}

/** Real PNG and JPEG images, drawn and encoded by the browser: `{ name, mimeType, buffer }`. */
export async function drawImages(browser, specs) {
  const page = await browser.newPage();
  try {
    const encoded = await page.evaluate(async (list) => {
      const out = [];
      for (const { width, height, type, hue, label } of list) {
        const canvas = new OffscreenCanvas(width, height);
        const g = canvas.getContext('2d');
        const gradient = g.createLinearGradient(0, 0, width, height);
        gradient.addColorStop(0, `hsl(${hue} 85% 62%)`);
        gradient.addColorStop(1, `hsl(${(hue + 60) % 360} 75% 40%)`);
        g.fillStyle = gradient;
        g.fillRect(0, 0, width, height);
        g.fillStyle = 'rgba(255,255,255,0.85)';
        g.beginPath();
        g.arc(width * 0.7, height * 0.35, Math.min(width, height) * 0.18, 0, Math.PI * 2);
        g.fill();
        g.font = `bold ${Math.round(height / 6)}px sans-serif`;
        g.fillText(label, width * 0.08, height * 0.85);
        const blob = await canvas.convertToBlob({ type, quality: 0.9 });
        const bytes = new Uint8Array(await blob.arrayBuffer());
        let binary = '';
        for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        out.push(btoa(binary));
      }
      return out;
    }, specs);
    return specs.map((spec, i) => ({
      name: spec.name,
      mimeType: spec.type,
      buffer: Buffer.from(encoded[i], 'base64'),
    }));
  } finally {
    await page.close();
  }
}

/** Deterministic bytes standing in for a video (the bucket does not care what is inside). */
export function fakeVideo(name, size, seed = 1) {
  const buffer = Buffer.alloc(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    buffer[i] = x >>> 24;
  }
  return { name, mimeType: 'video/mp4', buffer };
}

/** The five files of mixed types and sizes the page tests upload. */
export async function mixedFiles(browser) {
  const images = await drawImages(browser, [
    { name: 'sunrise.png', type: 'image/png', width: 320, height: 240, hue: 20, label: 'PNG' },
    { name: 'tiny icon.png', type: 'image/png', width: 48, height: 48, hue: 200, label: '' },
    { name: 'Plage à Sanya.jpg', type: 'image/jpeg', width: 640, height: 480, hue: 170, label: 'JPEG' },
  ]);
  return [...images, fakeVideo('holiday.mp4', 3 * 1024 * 1024, 7), fakeVideo('clip.mp4', 200 * 1024, 9)];
}

/** Every row of the page as data. */
export function readRows(page) {
  return page.$$eval('#files li', (rows) =>
    rows.map((li) => {
      const img = li.querySelector('img');
      return {
        name: li.querySelector('.name').textContent,
        state: li.dataset.state,
        key: li.dataset.key,
        url: li.dataset.url,
        percent: Number(li.querySelector('.bar').getAttribute('aria-valuenow')),
        status: li.querySelector('.status').textContent,
        error: li.querySelector('.error').hidden ? '' : li.querySelector('.error').textContent,
        link: li.querySelector('.link').hidden ? null : li.querySelector('.link').href,
        image: img.hidden
          ? null
          : { source: img.dataset.source, src: img.src, complete: img.complete, naturalWidth: img.naturalWidth },
      };
    }),
  );
}

/** Waits until `count` rows are in one of `states`. */
export function waitForRows(page, count, states = ['success'], timeout = 20_000) {
  return page.waitForFunction(
    ([n, wanted]) =>
      [...document.querySelectorAll('#files li')].filter((li) => wanted.includes(li.dataset.state)).length >= n,
    [count, states],
    { timeout },
  );
}

/** Collects uncaught page errors and console errors (CSP violations show up there). */
export function watchProblems(page) {
  const problems = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  return problems;
}
