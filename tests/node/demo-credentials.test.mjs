// The demo's credential API (www/server/credentials.mjs) and app server (www/server/main.mjs):
// tight policies under a per-session prefix, plain-words 400s, forms the bucket server accepts
// (and refuses when tampered with), STS in local mode only, static files, clean shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { startDemo } from '../../www/server/main.mjs';
import { MAX_FILE_SIZE } from '../../www/server/credentials.mjs';
import * as ossup from '../../pkg/dist/node.mjs';
import { startTestDemo } from '../browser/demo-browser.mjs';
import { signedRequest } from './bucket-helpers.mjs';

const MAIN = new URL('../../www/server/main.mjs', import.meta.url).pathname;

/** A client with a cookie jar of one cookie, like one browser tab. */
function client(base) {
  let cookie = '';
  const call = async (pathname, { method = 'POST', body, raw, type = 'application/json' } = {}) => {
    const headers = cookie ? { cookie } : {};
    if (method === 'POST') headers['content-type'] = type;
    const response = await fetch(`${base}${pathname}`, {
      method,
      headers,
      body: method === 'POST' ? (raw ?? JSON.stringify(body ?? {})) : undefined,
    });
    const set = response.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0];
    const text = await response.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: response.status, json, text, headers: response.headers };
  };
  // The cookie is `<session id>.<server's HMAC>`; session() is the id.
  return {
    call,
    session: () => cookie.split('=')[1].split('.')[0],
    cookie: () => cookie,
    setCookie: (value) => (cookie = value),
  };
}

const decodePolicy = (fields) => JSON.parse(Buffer.from(fields.policy, 'base64').toString('utf8'));

async function postForm(url, fields, bytes, { type, filename = 'upload.bin' } = {}) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([bytes], { type: type || fields['Content-Type'] }), filename); // last
  const response = await fetch(`${url}/`, { method: 'POST', body: form });
  return { status: response.status, body: await response.text() };
}

test('a valid request gets a form for one key under the session prefix, pinned tight', async (t) => {
  const demo = await startTestDemo(t);
  const tab = client(demo.url);
  const request = { name: 'holiday photo.JPG', size: 123_456, contentType: 'image/jpeg' };
  const { status, json } = await tab.call('/api/upload-form', { body: request });
  assert.equal(status, 200, JSON.stringify(json));
  assert.match(tab.session(), /^[0-9a-f]{16}$/, 'the first call starts a session');
  assert.equal(json.host, demo.bucketUrl);
  const { key } = json.fields;
  assert.match(key, /^demo\/[0-9a-f]{16}\/\d{4}\/\d{2}\/\d{2}\/\d+-[0-9a-f]{16}\.jpg$/);
  assert.ok(!key.includes(tab.session()), 'the key does not reveal the session cookie');
  const folder = key.split('/')[1];
  assert.equal(json.key, key);

  const policy = decodePolicy(json.fields);
  const conditions = policy.conditions;
  assert.deepEqual(
    conditions.find((c) => c.key),
    { key },
    'the exact key',
  );
  assert.deepEqual(
    conditions.find((c) => Array.isArray(c) && c[0] === 'content-length-range'),
    ['content-length-range', request.size, request.size],
  );
  assert.deepEqual(
    conditions.find((c) => c['Content-Type']),
    { 'Content-Type': 'image/jpeg' },
  );
  assert.deepEqual(
    conditions.find((c) => c.bucket),
    { bucket: 'ossup-local' },
  );
  assert.deepEqual(
    conditions.find((c) => c['x-oss-forbid-overwrite']),
    { 'x-oss-forbid-overwrite': 'true' },
  );
  assert.ok(!conditions.some((c) => Array.isArray(c) && c[0] === 'starts-with'), 'no prefix wildcards');
  const secondsLeft = (Date.parse(policy.expiration) - Date.now()) / 1000;
  assert.ok(secondsLeft > 590 && secondsLeft <= 600, `expires in ≤ 10 minutes (${secondsLeft} s)`);

  // The same tab keeps its folder; another tab gets another one; a forged cookie is replaced.
  const again = await tab.call('/api/upload-form', { body: request });
  assert.ok(again.json.key.startsWith(`demo/${folder}/`));
  const other = client(demo.url);
  const otherKey = (await other.call('/api/upload-form', { body: request })).json.key;
  assert.notEqual(other.session(), tab.session());
  assert.ok(!otherKey.startsWith(`demo/${folder}/`));
  const forged = client(demo.url);
  forged.setCookie('ossup_demo_session=../../etc');
  const forgedKey = (await forged.call('/api/upload-form', { body: request })).json.key;
  assert.match(forgedKey, /^demo\/[0-9a-f]{16}\//);
});

test('only the server mints session cookies: chosen or tampered ones are replaced, never used', async (t) => {
  const demo = await startTestDemo(t);
  const request = { name: 'a.png', size: 10, contentType: 'image/png' };
  const victim = client(demo.url);
  const victimKey = (await victim.call('/api/upload-form', { body: request })).json.key;
  const victimFolder = victimKey.split('/')[1];
  const [, victimMac = ''] = victim.cookie().split('.');
  for (const chosen of [
    '0123456789abcdef', // any 16 hex digits used to be a session
    `${victim.session()}`, // someone else's id without its MAC
    `${victim.session()}.${'A'.repeat(43)}`, // with a made-up MAC
    `${victim.session()}.${victimMac.slice(0, 42)}${victimMac.endsWith('B') ? 'C' : 'B'}`, // one character off
  ]) {
    const attacker = client(demo.url);
    attacker.setCookie(`ossup_demo_session=${chosen}`);
    const answer = await attacker.call('/api/upload-form', { body: request });
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('set-cookie') ?? '', /^ossup_demo_session=[0-9a-f]{16}\.[\w-]{43};/, chosen);
    assert.notEqual(attacker.session(), victim.session(), chosen);
    assert.ok(!answer.json.key.startsWith(`demo/${victimFolder}/`), chosen);
    const sts = await attacker.call('/api/sts', {});
    assert.notEqual(sts.json.keyPrefix, `demo/${victimFolder}/`, chosen);
  }
  // The genuine cookie keeps its folder and is not replaced.
  const again = await victim.call('/api/upload-form', { body: request });
  assert.equal(again.headers.get('set-cookie'), null);
  assert.ok(again.json.key.startsWith(`demo/${victimFolder}/`));
});

test('bad requests get a 400 (or 404/405/415) with { code, message } in plain words', async (t) => {
  const demo = await startTestDemo(t);
  const tab = client(demo.url);
  const ok = { name: 'a.png', size: 10, contentType: 'image/png' };
  const cases = [
    ['oversize', { body: { ...ok, size: MAX_FILE_SIZE + 1 } }, 400, 'FILE_TOO_LARGE', /up to 200 MB/],
    ['disallowed type', { body: { ...ok, contentType: 'text/html' } }, 400, 'TYPE_NOT_ALLOWED', /images and videos/],
    ['svg', { body: { ...ok, contentType: 'image/svg+xml' } }, 400, 'TYPE_NOT_ALLOWED', /images and videos/],
    ['malformed JSON', { raw: '{"name": "a.png", ' }, 400, 'INVALID_JSON', /not valid JSON/],
    ['not an object', { raw: '[1, 2]' }, 400, 'INVALID_JSON', /JSON object/],
    ['missing name', { body: { size: 10, contentType: 'image/png' } }, 400, 'MISSING_FIELD', /"name" is missing/],
    ['missing size', { body: { name: 'a.png', contentType: 'image/png' } }, 400, 'MISSING_FIELD', /"size"/],
    ['missing type', { body: { name: 'a.png', size: 10 } }, 400, 'MISSING_FIELD', /"contentType"/],
    ['empty body', { raw: '' }, 400, 'MISSING_FIELD', /missing/],
    ['size 0', { body: { ...ok, size: 0 } }, 400, 'INVALID_SIZE', /at least 1/],
    ['fractional size', { body: { ...ok, size: 1.5 } }, 400, 'INVALID_SIZE', /whole number/],
    ['size as text', { body: { ...ok, size: '10' } }, 400, 'INVALID_SIZE', /whole number/],
    ['name not text', { body: { ...ok, name: { x: 1 } } }, 400, 'INVALID_NAME', /text/],
    [
      'form-encoded',
      { raw: 'name=a.png', type: 'application/x-www-form-urlencoded' },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      /JSON/,
    ],
    ['huge body', { raw: JSON.stringify({ ...ok, pad: 'x'.repeat(20_000) }) }, 400, 'BODY_TOO_LARGE', /bytes/],
  ];
  for (const [label, request, status, code, message] of cases) {
    const answer = await tab.call('/api/upload-form', request);
    assert.equal(answer.status, status, `${label}: ${answer.text}`);
    assert.equal(answer.json.code, code, label);
    assert.match(answer.json.message, message, label);
    assert.doesNotMatch(answer.json.message, /undefined|\[object/, label);
  }
  const get = await tab.call('/api/upload-form', { method: 'GET' });
  assert.equal(get.status, 405);
  assert.equal(get.json.code, 'METHOD_NOT_ALLOWED');
  const missing = await tab.call('/api/nothing-here', {});
  assert.equal(missing.status, 404);
  assert.equal(missing.json.code, 'NOT_FOUND');
  assert.equal(demo.bucketServer.requests.length, 0, 'nothing reached the bucket');
});

test('the signed fields upload to the bucket server; tampering is refused', async (t) => {
  const demo = await startTestDemo(t);
  const tab = client(demo.url);
  const bytes = Buffer.from('not really a PNG, but 40 bytes of bytes!');
  const sign = async (request) => (await tab.call('/api/upload-form', { body: request })).json;

  const good = await sign({ name: 'x.png', size: bytes.length, contentType: 'image/png' });
  const stored = await postForm(good.host, good.fields, bytes);
  assert.equal(stored.status, 200, stored.body);
  assert.deepEqual(await readFile(demo.bucketServer.objectPath(good.fields.key)), bytes);
  const replay = await postForm(good.host, good.fields, bytes);
  assert.equal(replay.status, 409, 'a form uploads once: x-oss-forbid-overwrite');
  assert.match(replay.body, /FileAlreadyExists/);

  const size = await sign({ name: 'x.png', size: bytes.length - 1, contentType: 'image/png' });
  const tooBig = await postForm(size.host, size.fields, bytes);
  assert.ok([400, 403].includes(tooBig.status), `size ${tooBig.status}`);
  assert.match(tooBig.body, /EntityTooLarge/);

  const typed = await sign({ name: 'x.png', size: bytes.length, contentType: 'image/png' });
  const html = await postForm(typed.host, { ...typed.fields, 'Content-Type': 'text/html' }, bytes);
  assert.equal(html.status, 403, 'the content type is pinned');
  const elsewhere = await postForm(typed.host, { ...typed.fields, key: 'demo/someone-else/x.png' }, bytes);
  assert.equal(elsewhere.status, 403, 'the key is pinned');
  const policy = decodePolicy(typed.fields);
  policy.conditions = policy.conditions.map((c) =>
    Array.isArray(c) && c[0] === 'content-length-range' ? ['content-length-range', 1, 1e9] : c,
  );
  const widened = { ...typed.fields, policy: Buffer.from(JSON.stringify(policy)).toString('base64') };
  const rewritten = await postForm(typed.host, widened, bytes);
  assert.equal(rewritten.status, 403, 'a rewritten policy no longer matches its signature');
  assert.match(rewritten.body, /SignatureDoesNotMatch/);
});

test('STS (local mode) gives temporary credentials for the session folder that upload', async (t) => {
  const demo = await startTestDemo(t);
  const tab = client(demo.url);
  const { status, json } = await tab.call('/api/sts', {});
  assert.equal(status, 200, JSON.stringify(json));
  assert.match(json.accessKeyId, /^STS\./);
  assert.ok(json.accessKeySecret && json.securityToken);
  assert.ok(Date.parse(json.expiration) > Date.now());
  assert.deepEqual(
    { bucket: json.bucket, region: json.region, endpoint: json.endpoint, keyPrefix: json.keyPrefix },
    { bucket: 'ossup-local', region: 'cn-hangzhou', endpoint: demo.bucketUrl, keyPrefix: json.keyPrefix },
  );
  const form = await tab.call('/api/upload-form', { body: { name: 'a.png', size: 10, contentType: 'image/png' } });
  assert.ok(form.json.key.startsWith(json.keyPrefix), 'the same folder as its forms');
  const { bucket, region, endpoint, keyPrefix } = json;
  const uploader = ossup.createUploader({ bucket, region, endpoint, keyPrefix, credentials: async () => json });
  const bytes = new Uint8Array(5000).fill(7);
  const [result] = await uploader.upload([{ name: 'clip.mp4', data: bytes, type: 'video/mp4' }]);
  assert.equal(result.status, 'success', result.error && result.error.message);
  assert.ok(result.key.startsWith(json.keyPrefix));
  assert.deepEqual(new Uint8Array(await readFile(demo.bucketServer.objectPath(result.key))), bytes);

  // The keyPrefix is enforced, not advisory: another visitor's folder, the root, other reads → 403.
  const other = client(demo.url);
  const otherPrefix = (await other.call('/api/sts', {})).json.keyPrefix;
  for (const [method, key, query] of [
    ['POST', `${otherPrefix}overwrite.jpg`, { uploads: null }],
    ['POST', 'index.html', { uploads: null }],
    ['GET', result.key.replace(json.keyPrefix, otherPrefix), {}],
  ]) {
    const answer = await signedRequest(demo.bucketServer, { method, key, query, credentials: json });
    assert.equal(answer.status, 403, `${method} ${key}`);
    assert.match(await answer.text(), /<Code>AccessDenied<\/Code>[\s\S]*<EC>0003-00000301<\/EC>/);
  }
});

test('real-bucket mode signs for the bucket, answers 501 for STS, and never reveals the secret', async (t) => {
  const secret = 'real-secret-never-shown-0123456789';
  const lines = [];
  const demo = await startDemo({
    port: 0,
    realBucket: {
      bucket: 'my-demo-bucket',
      region: 'cn-shanghai',
      accessKeyId: 'LTAI5tDemoDemoDemo',
      accessKeySecret: secret,
    },
    log: (line) => lines.push(line),
  });
  t.after(() => demo.close());
  assert.equal(demo.bucketServer, null);
  assert.equal(demo.bucketUrl, 'https://my-demo-bucket.oss-cn-shanghai.aliyuncs.com');
  const tab = client(demo.url);
  const form = await tab.call('/api/upload-form', { body: { name: 'a.webm', size: 99, contentType: 'video/webm' } });
  assert.equal(form.status, 200);
  assert.equal(form.json.host, 'https://my-demo-bucket.oss-cn-shanghai.aliyuncs.com');
  assert.match(
    form.json.fields['x-oss-credential'],
    /^LTAI5tDemoDemoDemo\/\d{8}\/cn-shanghai\/oss\/aliyun_v4_request$/,
  );
  const sts = await tab.call('/api/sts', {});
  assert.equal(sts.status, 501);
  assert.equal(sts.json.code, 'STS_NOT_AVAILABLE');
  assert.match(sts.json.message, /AssumeRole/);
  const config = await tab.call('/api/config', { method: 'GET' });
  assert.deepEqual(
    { sts: config.json.sts, local: config.json.local, host: config.json.host },
    { sts: false, local: false, host: 'https://my-demo-bucket.oss-cn-shanghai.aliyuncs.com' },
  );
  const page = await fetch(demo.url);
  assert.match(
    page.headers.get('content-security-policy'),
    /connect-src 'self' https:\/\/my-demo-bucket\.oss-cn-shanghai\.aliyuncs\.com/,
  );
  for (const text of [form.text, sts.text, config.text, await page.text(), ...lines]) {
    assert.ok(!text.includes(secret), 'the secret stays on the server');
    assert.ok(!text.includes(form.json.fields['x-oss-signature']) || text === form.text, 'signatures are not logged');
  }
  assert.ok(lines.some((line) => line.startsWith('POST /api/upload-form → 200')));
});

test('main.mjs serves the page and the package with the right types, and exits 0 on SIGTERM', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'ossup-demo-cli-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const env = { ...process.env, OSSUP_BUCKET: '' };
  const child = spawn(process.execPath, [MAIN, '--port', '0', '--root', root, '--quiet'], { env });
  t.after(() => child.exitCode === null && child.kill('SIGKILL'));
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${output}`)), 10_000);
    child.stdout.on('data', () => {
      const match = /ossup demo: (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  const types = {
    '/': 'text/html; charset=utf-8',
    '/app.js': 'text/javascript; charset=utf-8',
    '/style.css': 'text/css; charset=utf-8',
    '/pkg/dist/browser.mjs': 'text/javascript; charset=utf-8',
    '/pkg/dist/ossup.wasm': 'application/wasm',
  };
  for (const [pathname, type] of Object.entries(types)) {
    const response = await fetch(`${url}${pathname}`);
    assert.equal(response.status, 200, pathname);
    assert.equal(response.headers.get('content-type'), type, pathname);
    await response.arrayBuffer();
  }
  const page = await fetch(url);
  assert.match(
    page.headers.get('set-cookie'),
    /^ossup_demo_session=[0-9a-f]{16}\.[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict/,
  );
  assert.match(page.headers.get('content-security-policy'), /script-src 'self' 'wasm-unsafe-eval'/);
  for (const hidden of ['/server/main.mjs', '/server/credentials.mjs', '/%2e%2e/package.json', '/pkg/src/index.js']) {
    const response = await fetch(`${url}${hidden}`);
    assert.equal(response.status, 404, hidden);
    await response.arrayBuffer();
  }
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, output);
  assert.match(output, /local bucket "ossup-local" at http:\/\/127\.0\.0\.1:\d+/);
});
