// The demo page in headless Chromium against the demo server (in-process): a mixed batch in both
// credential modes, byte-for-byte in the bucket, progress, thumbnails fetched back from the
// bucket, a phone-sized layout, then cancel and "retry failed" with the bucket's fault hooks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  OUTPUT,
  drawImages,
  fakeVideo,
  mixedFiles,
  openBrowser,
  readRows,
  startTestDemo,
  waitForRows,
  watchProblems,
} from '../browser/demo-browser.mjs';

/** Polls `check` (a Node-side condition) every 20 ms for up to 5 s. */
async function until(check, what) {
  for (const started = Date.now(); !check();) {
    if (Date.now() - started > 5000) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function openPage(context, demo, mode) {
  const page = await context.newPage();
  const problems = watchProblems(page);
  await page.goto(demo.url);
  await page.waitForSelector('body[data-ready=true]', { timeout: 10_000 });
  await page.check(`input[name=mode][value=${mode}]`);
  return { page, problems };
}

async function assertStored(demo, row, file) {
  assert.equal(row.state, 'success', `${row.name}: ${row.status} ${row.error}`);
  const stored = await readFile(demo.bucketServer.objectPath(row.key));
  assert.ok(stored.equals(file.buffer), `${row.name}: the bucket holds different bytes`);
}

async function uploadBatch(page, demo, files, mode) {
  await page.setInputFiles('#file-input', files);
  await waitForRows(page, files.length);
  // The stored copies are shown from the bucket: wait until they decoded.
  await page.waitForFunction(() =>
    [...document.querySelectorAll('img[data-source=bucket]')].every((img) => img.complete && img.naturalWidth > 0),
  );
  const rows = await readRows(page);
  assert.equal(rows.length, files.length);
  const session = rows[0].key.split('/').slice(0, 2).join('/');
  assert.match(session, /^demo\/[0-9a-f]{16}$/, 'keys are under the per-session prefix');
  for (const file of files) {
    const row = rows.find((r) => r.name === file.name);
    assert.ok(row, `a row for ${file.name}`);
    await assertStored(demo, row, file);
    assert.ok(row.key.startsWith(`${session}/`), `${mode}: ${row.key} is under ${session}/`);
    assert.equal(row.percent, 100, `${row.name} progress reached 100%`);
    assert.equal(row.link, row.url);
    assert.ok(row.url.startsWith(`${demo.bucketUrl}/`), `${row.url} points into the bucket`);
    assert.match(row.status, /CRC-64 verified/);
    if (file.mimeType.startsWith('image/')) {
      assert.equal(row.image.source, 'bucket', `${row.name}: the thumbnail now comes from the bucket`);
      assert.equal(row.image.src, row.url);
      assert.ok(row.image.naturalWidth > 0, `${row.name}: the stored image decoded`);
    }
  }
  assert.equal(await page.getAttribute('#total-bar', 'aria-valuenow'), '100');
  assert.match(
    await page.textContent('#total-text'),
    new RegExp(`^${files.length} of ${files.length} uploaded · 100%`),
  );
  return rows;
}

test('the page uploads five mixed files in both modes, shows them back from the bucket, fits a phone', async (t) => {
  const demo = await startTestDemo(t);
  const browser = await openBrowser(t);
  const files = await mixedFiles(browser);
  await mkdir(OUTPUT, { recursive: true });

  const context = await browser.newContext({ viewport: { width: 960, height: 900 }, reducedMotion: 'reduce' });
  for (const mode of ['form', 'sts']) {
    const { page, problems } = await openPage(context, demo, mode);
    await uploadBatch(page, demo, files, mode);
    const footer = await page.textContent('#footer');
    assert.match(footer, /Signing core: WebAssembly · random source: crypto\.getRandomValues/);
    if (mode === 'form')
      await page.screenshot({ path: path.join(OUTPUT, 'demo.png'), fullPage: true, animations: 'disabled' });
    assert.deepEqual(problems, []);
    await page.close();
  }
  const posts = demo.bucketServer.requests.filter((r) => r.op === 'PostObject');
  assert.equal(posts.length, 10, 'one PostObject per file and mode, no retries');
  assert.ok(posts.every((r) => r.status === 200));

  const phone = await browser.newContext({
    viewport: { width: 375, height: 667 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    reducedMotion: 'reduce',
  });
  const { page, problems } = await openPage(phone, demo, 'form');
  await uploadBatch(page, demo, files, 'form');
  await page.screenshot({ path: path.join(OUTPUT, 'demo-mobile.png'), fullPage: true, animations: 'disabled' });
  const layout = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    width: window.innerWidth,
    small: [...document.querySelectorAll('button, label.mode, label.drop, a.link')]
      .filter((el) => getComputedStyle(el).visibility !== 'hidden' && el.getClientRects().length)
      .map((el) => ({ el, box: el.getBoundingClientRect() }))
      .filter(({ el, box }) => box.height < 40 || (el.tagName !== 'A' && box.width < 40))
      .map(({ el, box }) => `${el.tagName}.${el.className} ${Math.round(box.width)}×${Math.round(box.height)}`),
  }));
  assert.ok(layout.scrollWidth <= layout.width, `no horizontal scroll (${layout.scrollWidth} > ${layout.width})`);
  assert.deepEqual(layout.small, [], 'tap targets are at least 40 px');
  assert.deepEqual(problems, []);
  await phone.close();
  await context.close();
});

test('cancel one upload midway, cancel all, and retry a failed upload from the page', async (t) => {
  const demo = await startTestDemo(t);
  const browser = await openBrowser(t);
  await mkdir(OUTPUT, { recursive: true });
  const faults = demo.bucketServer.faults;
  const { page, problems } = await openPage(await browser.newContext(), demo, 'form');
  const row = (i) => page.locator('#files li').nth(i);

  // 1. A slow answer (stored, then held for 4 s) is canceled while the page still waits.
  faults.add({ op: 'PostObject', action: 'delay', delayMs: 4000 });
  const slow = fakeVideo('slow.mp4', 300 * 1024, 3);
  await page.setInputFiles('#file-input', [slow]);
  await page.waitForFunction(() => {
    const li = document.querySelector('#files li');
    return li.dataset.state === 'uploading' && li.querySelector('.bar').getAttribute('aria-valuenow') === '100';
  });
  await until(() => faults.list().length === 0, 'the delayed request reached the bucket');
  await row(0).getByRole('button', { name: 'Cancel slow.mp4' }).click();
  await waitForRows(page, 1, ['canceled'], 5000);
  assert.equal(await row(0).locator('.status').textContent(), 'Canceled');

  // 2. "Cancel all" stops two uploads in flight.
  faults.add({ op: 'PostObject', action: 'delay', delayMs: 4000, times: 2 });
  await page.setInputFiles('#file-input', [fakeVideo('a.mp4', 150 * 1024, 4), fakeVideo('b.mp4', 160 * 1024, 5)]);
  await page.waitForFunction(
    () => [...document.querySelectorAll('#files li[data-state=uploading] .bar[aria-valuenow="100"]')].length === 2,
  );
  await until(() => faults.list().length === 0, 'both requests reached the bucket');
  await page.click('#cancel-all');
  await waitForRows(page, 3, ['canceled'], 5000);
  assert.ok(await page.isDisabled('#cancel-all'));

  // 3. A 403 is not retried by the uploader; "Retry failed" uploads the file again.
  faults.add({
    op: 'PostObject',
    action: 'status',
    status: 403,
    code: 'AccessDenied',
    message: 'Injected by the test: the bucket said no once.',
  });
  const denied = fakeVideo('denied.mp4', 120 * 1024, 6);
  await page.setInputFiles('#file-input', [denied]);
  await waitForRows(page, 1, ['error']);
  const failed = (await readRows(page))[3];
  assert.equal(failed.name, 'denied.mp4');
  assert.match(failed.error, /403 AccessDenied: Injected by the test/);
  const posts = demo.bucketServer.requests.filter((r) => r.op === 'PostObject' && r.bytes === denied.buffer.length);
  assert.deepEqual(
    posts.map((r) => r.status),
    [403],
    'a 4xx is not retried',
  );
  assert.equal(await page.textContent('#total-text'), '1 failed · 3 canceled');
  await page.screenshot({ path: path.join(OUTPUT, 'demo-states.png'), fullPage: true, animations: 'disabled' });
  await page.click('#retry-failed');
  await waitForRows(page, 1, ['success']);
  const retried = (await readRows(page))[3];
  await assertStored(demo, retried, denied);
  assert.ok(await page.isDisabled('#retry-failed'));

  // 4. Drag and drop: an image is uploaded; a text file is refused before any request.
  const [image] = await drawImages(browser, [
    { name: 'dropped.png', type: 'image/png', width: 80, height: 60, hue: 300, label: '' },
  ]);
  const postCount = demo.bucketServer.requests.filter((r) => r.op === 'PostObject').length;
  const dataTransfer = await page.evaluateHandle(
    ([png]) => {
      const transfer = new DataTransfer();
      const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
      transfer.items.add(new File(['just text'], 'notes.txt', { type: 'text/plain' }));
      return transfer;
    },
    [image.buffer.toString('base64')],
  );
  await page.dispatchEvent('#drop', 'drop', { dataTransfer });
  await waitForRows(page, 2, ['success']);
  await waitForRows(page, 1, ['error']);
  const [dropped, notes] = (await readRows(page)).slice(4);
  await assertStored(demo, dropped, image);
  assert.equal(notes.name, 'notes.txt');
  assert.match(notes.error, /not an allowed type/);
  const newPosts = demo.bucketServer.requests.filter((r) => r.op === 'PostObject').length - postCount;
  assert.equal(newPosts, 1, 'only the image reached the bucket');
  assert.deepEqual(
    problems.filter((p) => !/status of 403/.test(p)),
    [],
  );
});
