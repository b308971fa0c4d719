// Inside the client namespace, one process per run (no connection or TCP state carried between
// runs): uploads `job.files` with one contender and prints `RESULT {ms, keys}` (keys in file
// order, for the harness's byte-for-byte check). The job comes in OSSUP_NET_JOB (JSON).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const job = JSON.parse(process.env.OSSUP_NET_JOB);
const { files, server, sts, stateDir, runId } = job;
const ossup = await import(job.package || path.join(ROOT, 'pkg/dist/node.mjs'));

const postJson = async (url, body) => {
  const answer = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!answer.ok) throw new Error(`${url}: HTTP ${answer.status} ${await answer.text()}`);
  return answer.json();
};

const keyFor = (prefix, file) => `bench/${prefix}/${runId}/${file.name}`;

function checkResults(results) {
  const failed = results.filter((r) => r.status !== 'success');
  if (failed.length) throw new Error(`${failed.length} failed: ${failed[0].error && failed[0].error.message}`);
  return results.map((r) => r.key);
}

async function ossupNode(extra) {
  const uploader = ossup.createUploader({
    bucket: server.bucket,
    region: server.region,
    endpoint: server.url,
    keyPrefix: `bench/ossup/${runId}`,
    credentials: async () => sts,
    checkpointDir: path.join(stateDir, 'ossup-checkpoints'),
    ...extra,
  });
  return checkResults(await uploader.upload(files.map((f) => ({ path: f.path, name: f.name, type: f.type }))));
}

async function ossupSigned() {
  const uploader = ossup.createUploader({
    // Big files go up in parts, each request's headers signed by the app server.
    bucket: server.bucket,
    region: server.region,
    endpoint: server.url,
    signRequest: (request) => postJson(`${server.app}/api/sign`, request),
    signForm: (request) => postJson(`${server.app}/api/upload-form`, request),
    // Many forms in one request where the uploader and the app server know how (issue #26);
    // an uploader without signForms ignores it and asks one form per file.
    signForms: async (files) => (await postJson(`${server.app}/api/upload-forms`, { files })).forms,
    checkpointDir: path.join(stateDir, 'ossup-checkpoints'),
  });
  return checkResults(await uploader.upload(files.map((f) => ({ path: f.path, name: f.name, type: f.type }))));
}

// The WeChat logic layer of tests/node/sandbox (wx.* over real HTTP): the mini-program
// transport with its platform's request cap, fed the picker's result.
async function ossupWechat() {
  const { createSandbox } = await import(path.join(ROOT, 'tests/node/sandbox/index.mjs'));
  const sandbox = createSandbox('wechat');
  try {
    const paths = files.map((f) => sandbox.addFile(f.name, readFileSync(f.path)));
    const picked = sandbox.chooseResult(paths);
    await sandbox.run("const o = require('ossup'); await o.ready(); return 1;");
    const page = `
      const ossup = require('ossup');
      await ossup.ready();
      const uploader = ossup.createUploader({ bucket: cfg.bucket, region: cfg.region, endpoint: cfg.url,
        keyPrefix: cfg.prefix, credentials: async () => sts });
      const results = await uploader.upload(picked);
      return results.map((r) => ({ status: r.status, key: r.key, error: r.error && { message: r.error.message } }));
    `;
    const started = performance.now();
    const out = sandbox.toHost(
      await sandbox.run(page, { cfg: { ...server, prefix: `bench/wechat/${runId}` }, sts, picked }),
    );
    return { keys: checkResults(out), ms: performance.now() - started };
  } finally {
    await sandbox.close();
  }
}

function aliClient() {
  const require = createRequire(path.join(ROOT, 'package.json'));
  const OSS = require('ali-oss');
  // Its advice to set refreshSTSToken is noise here: the credentials outlive the run.
  const warn = console.warn;
  console.warn = () => {};
  try {
    return construct(OSS);
  } finally {
    console.warn = warn;
  }
}

function construct(OSS) {
  return new OSS({
    accessKeyId: sts.accessKeyId,
    accessKeySecret: sts.accessKeySecret,
    stsToken: sts.securityToken,
    bucket: server.bucket,
    endpoint: server.url,
    cname: true,
    secure: false,
    region: `oss-${server.region}`,
  });
}

async function aliPut() {
  const client = aliClient();
  const keys = files.map((f) => keyFor('ali-put', f));
  await Promise.all(files.map((f, i) => client.put(keys[i], f.path, { mime: f.type })));
  return keys;
}

// multipartUpload with its defaults; its checkpoint saved on every part, as an app that resumes
// would, and handed back on the next run.
async function aliMultipart() {
  const client = aliClient();
  const keys = files.map((f) => keyFor('ali-multipart', f));
  const saved = path.join(stateDir, 'ali-checkpoints.json');
  const checkpoints = existsSync(saved) ? JSON.parse(readFileSync(saved, 'utf8')) : {};
  await Promise.all(
    files.map((f, i) =>
      client.multipartUpload(keys[i], f.path, {
        mime: f.type,
        checkpoint: checkpoints[keys[i]],
        progress: (_, checkpoint) => {
          if (!checkpoint) return;
          checkpoints[keys[i]] = { ...checkpoint, file: f.path };
          writeFileSync(saved, JSON.stringify(checkpoints));
        },
      }),
    ),
  );
  return keys;
}

// The ceiling without an SDK: one PostObject per file signed with our buildPostForm, no retries.
async function post(concurrency) {
  const keys = files.map((f) => keyFor(`post-${concurrency}`, f));
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      const file = files[i];
      const bytes = await readFile(file.path);
      const { fields } = ossup.buildPostForm({
        accessKeyId: sts.accessKeyId,
        accessKeySecret: sts.accessKeySecret,
        securityToken: sts.securityToken,
        region: server.region,
        bucket: server.bucket,
        key: keys[i],
        contentType: file.type,
        contentLengthRange: [bytes.length, bytes.length],
      });
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      form.append('file', new Blob([bytes], { type: file.type }), file.name);
      const answer = await fetch(`${server.url}/`, { method: 'POST', body: form });
      await answer.arrayBuffer();
      if (!answer.ok) throw new Error(`HTTP ${answer.status} for ${file.name}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  return keys;
}

export const CONTENDERS = {
  ossup: () => ossupNode({}),
  'ossup-wechat': ossupWechat,
  'ossup-signed': ossupSigned,
  'ali-put': aliPut,
  'ali-multipart': aliMultipart,
  'post-all': () => post(files.length),
  'post-serial': () => post(1),
};

try {
  const started = performance.now();
  const out = await CONTENDERS[job.contender]();
  const result = Array.isArray(out) ? { keys: out, ms: performance.now() - started } : out;
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
} catch (error) {
  process.stdout.write(`RESULT ${JSON.stringify({ error: String((error && error.stack) || error) })}\n`);
  process.exit(1);
}
