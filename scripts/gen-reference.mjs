#!/usr/bin/env node
// Writes docs/reference.md from the code's own definitions, so the reference cannot drift:
//   (a) every `new OssupError(code, message)` in pkg/src/**/*.js — its code(s), file, line and
//       message text, found by parsing the sources (codes passed through helpers, ternaries and
//       lookup tables are followed to their literals);
//   (b) the Rust core's codes from `Error::code` in src/error.rs, with each variant's doc comment
//       and its Display messages;
//   (c) the uploader options from `interface UploaderOptions` in pkg/index.d.ts.
// What to do about each code is written here (WHAT_TO_DO); a code without an entry, or an entry
// for a code that no longer exists, fails the generation (and tests/node/examples-reference.test.mjs).
//
//   node scripts/gen-reference.mjs           write docs/reference.md
//   node scripts/gen-reference.mjs --check   exit 1 if docs/reference.md is not what it would write
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as babel from 'prettier/plugins/babel';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const REFERENCE_PATH = path.join(ROOT, 'docs', 'reference.md');

// ---------------------------------------------------------------- what to do, per code

const GROUPS = [
  'Configuration',
  'Credentials and signing',
  'Files and restrictions',
  'Network and platform',
  'Integrity',
  'Loading the core',
  'Object keys, dates and checksums (core)',
  'ApsaraVideo VOD',
];

/** Every code the package throws: its group and what to do. Kept in step by the test. */
export const WHAT_TO_DO = {
  MISSING_OPTION: [
    'Configuration',
    'Pass the option the message names. `createUploader` needs `bucket` and `region` (or `endpoint`) unless `signForm` or `vodCredentials` supplies the destination; header-signed requests (multipart, the HEAD after a lost response) need `signRequest` in server-signed mode.',
  ],
  INVALID_OPTION: [
    'Configuration',
    'Fix the option the message names: it has the wrong type or a value OSS would reject (e.g. `concurrency` must be a whole number ≥ 1, `endpoint` a host such as `oss-cn-hangzhou.aliyuncs.com`, `expiresIn` at most 7 days for V4). Pass exactly one of `signForm`, `credentials` or `accessKeyId`/`accessKeySecret`.',
  ],
  INVALID_STATE: [
    'Configuration',
    'A method was called at the wrong time (for example `VODUpload` methods before `addFile`, or after `cleanList`). Follow the order the message gives.',
  ],
  MISSING_CREDENTIALS: [
    'Credentials and signing',
    'Give the uploader a way to sign: `signForm` (your server signs each form; recommended) or `credentials` (an async function returning STS credentials).',
  ],
  PERMANENT_KEY_REFUSED: [
    'Credentials and signing',
    'Do not ship a permanent AccessKey in a client: anyone who unpacks the app can read it. Sign forms on your server (`signForm`) or hand out scoped STS credentials (`credentials`); see docs/security.md. Only internal tools and tests should pass `dangerouslyAllowPermanentKey: true`.',
  ],
  SIGN_FORM_FAILED: [
    'Credentials and signing',
    'Your `signForm` threw or returned something that is not a signed form. It must resolve to the form fields (`key`, `policy`, `x-oss-signature` or `Signature`, …) or `{ host, fields }`. Network errors and 5xx answers are retried; a 4xx from your server is final (put its `status` on the error you throw so the uploader can tell). `error.cause` holds what your function threw.',
  ],
  INVALID_CREDENTIALS: [
    'Credentials and signing',
    "`credentials()` must resolve to `{ accessKeyId, accessKeySecret, securityToken, expiration }` (STS's own `AccessKeyId`, … names are accepted) with an `expiration` in the future. Credentials that look expired by the device clock are judged by the server's (asked with a HEAD of the bucket) and asked for once more; this code means the server agrees they are expired: check your STS endpoint.",
  ],
  CREDENTIALS_FAILED: [
    'Credentials and signing',
    'Your `credentials()` function threw (network, server error): the upload is retried; if it keeps failing, check your STS endpoint. `error.cause` holds what it threw.',
  ],
  NO_FILES: [
    'Files and restrictions',
    'Pass at least one file to `upload()` (an empty picker result is not an upload).',
  ],
  TOO_MANY_FILES: [
    'Files and restrictions',
    'Pass at most `maxFiles` files to one `upload()` call, or raise `maxFiles`.',
  ],
  FILE_EMPTY: [
    'Files and restrictions',
    'The file has 0 bytes, which is almost always a failed capture or a broken path; `minFileSize` (default 1) refuses it before any request. Pass `minFileSize: 0` if empty files are meant.',
  ],
  FILE_TOO_SMALL: [
    'Files and restrictions',
    'The file is smaller than `minFileSize`: tell the user, or lower `minFileSize`.',
  ],
  FILE_TOO_LARGE: [
    'Files and restrictions',
    'The file is bigger than `maxFileSize`: tell the user, or raise `maxFileSize` (and the size your server is willing to sign).',
  ],
  FILE_TYPE_NOT_ALLOWED: [
    'Files and restrictions',
    "The file's type or extension is not in `accept` (`['image/*', 'video/mp4', '.heic']`): tell the user, or widen `accept`.",
  ],
  INVALID_FILE: [
    'Files and restrictions',
    'Pass a path, a `chooseImage`/`chooseMedia`/`chooseVideo` entry, a `File`/`Blob` or bytes. Mini programs upload by path; when the platform cannot stat a file, pass `{ path, size }`.',
  ],
  FILE_NOT_FOUND: [
    'Files and restrictions',
    'The local file is gone. On Alipay the path must come from `my.chooseImage`/`my.chooseVideo` (a `my.saveFile` path is not allowed); temporary paths also expire when the app restarts.',
  ],
  FILE_READ_FAILED: [
    'Files and restrictions',
    'The file could not be read (permissions, removed, or the platform refused the range read). Choose the file again; the message carries the platform error.',
  ],
  ABORTED: [
    'Network and platform',
    'The upload or request was canceled (`task.cancel()`, `task.files[i].cancel()`, `stopUpload()`, or the platform aborted it). Nothing to fix; canceled files are reported with `status: "canceled"`.',
  ],
  TIMEOUT: [
    'Network and platform',
    'No answer within `timeout` (mini programs: 60 s on WeChat/Douyin, 30 s on Alipay). The uploader retries; big files go up in parts, each with its own timeout. Raise `timeout` (within the platform maximum) for slow networks.',
  ],
  STALLED: [
    'Network and platform',
    'A request sent no bytes for `stallTimeout` ms (default 15 s): the connection went silent (an outage, a dead NAT mapping). It was aborted and is retried on a new connection, counting as a retry; raise `stallTimeout` or pass 0 to turn the watchdog off.',
  ],
  NETWORK_ERROR: [
    'Network and platform',
    'The request never got an HTTP answer (offline, DNS, TLS, connection reset, or the app went to the background). It is retried; `error.cause` holds the platform error. In browsers this is also what a CORS refusal looks like: check the bucket CORS rule (docs/security.md).',
  ],
  TOO_MANY_REQUESTS: [
    'Network and platform',
    'The platform refused another simultaneous request (WeChat allows 10 request/uploadFile/downloadFile in total, shared with your own calls). It is retried; the uploader keeps to 8 by default (`maxConcurrency`): lower it if your page makes more requests of its own.',
  ],
  DOMAIN_NOT_ALLOWED: [
    'Network and platform',
    "Add the bucket host (e.g. `https://my-bucket.oss-cn-hangzhou.aliyuncs.com`) to the mini program's legal domains for uploadFile and request in the admin console (开发管理 → 服务器域名); in the developer tools you can skip the check while developing.",
  ],
  PERMISSION_DENIED: [
    'Network and platform',
    'Alipay error 4 or 13: add the bucket host to the mini program server whitelist, and make sure the app has the upload API package.',
  ],
  UPLOAD_FAILED: [
    'Network and platform',
    'Alipay error 12: the file is too large, the upload took over 30 s, or `filePath` is not a normal file (it must come from `my.chooseImage`/`my.chooseVideo`). It is retried; for big files use STS credentials or `signRequest` so they go up in parts.',
  ],
  HTTPS_REQUIRED: ['Network and platform', 'Alipay error 20: use an `https://` endpoint.'],
  UNSUPPORTED_PLATFORM: [
    'Network and platform',
    'No upload API was found for this runtime. Import the entry for your platform (`ossup/miniprogram` for WeChat/Douyin, `ossup/wasm2js` for Alipay, `ossup` for browsers and Node), or pass `transport`.',
  ],
  NOT_OSS_RESPONSE: [
    'Network and platform',
    "A 2xx answer came without OSS's evidence (`ETag` and `x-oss-request-id`; for Initiate and Complete, their XML): a proxy or captive portal answered instead of OSS, so nothing is reported stored and a multipart checkpoint is kept. It is retried. In a browser the bucket's CORS rule must expose `ETag`, `x-oss-request-id` and `x-oss-hash-crc64ecma`.",
  ],
  CRC64_MISMATCH: [
    'Integrity',
    "The CRC-64 OSS computed for the stored bytes differs from the file's: the bytes were changed on the way. Nothing was silently accepted; upload the file again (under a new key, since overwrite is forbidden by default).",
  ],
  INTEGRITY_MISMATCH: [
    'Integrity',
    "The CRC-64 header was hidden (a browser bucket's CORS), and the stored object's ETag (the MD5 of its bytes) differs from the file's MD5: the bytes were changed on the way. Upload the file again under a new key; expose `x-oss-hash-crc64ecma` in the bucket's CORS rule.",
  ],
  COMPLETE_UNCONFIRMED: [
    'Integrity',
    'The answer to CompleteMultipartUpload was lost, and a retry found the upload gone, but a HEAD of the key could not confirm the object is this file (size and CRC-64). Check the object the message names before uploading again; in a browser, expose `x-oss-hash-crc64ecma`.',
  ],
  CHECKPOINT_DIR_UNSAFE: [
    'Configuration',
    'Node: no checkpoint folder of this user could be used (the folder is a symlink, belongs to another user, or cannot be created). Uploads still work but cannot resume after a restart; pass `checkpointDir` (a folder you own).',
  ],
  NOT_READY: [
    'Loading the core',
    '`await ready()` before calling the synchronous functions (`buildPostForm`, `objectKey`, `crc64`, …). Node loads the core on import; browsers and mini programs need `ready()`.',
  ],
  WASM_LOAD_FAILED: [
    'Loading the core',
    "The core could not be loaded. Browsers: serve `ossup.wasm` (with `application/wasm`) or pass `ready({ wasm })`, and allow `'wasm-unsafe-eval'` in a CSP. WeChat/Douyin: the file must be in the code package at `wasmPath` (default `/miniprogram_npm/ossup/ossup.wasm.br`: run 构建 npm / Build npm). Runtimes without WebAssembly: use `ossup/wasm2js`.",
  ],
  CORE_FAILURE: [
    'Loading the core',
    'The core failed in a way it should not (a trap, not a checked error). This is a bug: please report it with the inputs that caused it.',
  ],
  NOT_IN_POST_ENTRY: [
    'Configuration',
    '`ossup/post` uploads with PostObject only (its small core makes no header signatures): multipart, VOD (`vodCredentials`) and header signing need the full entry. Import `ossup/miniprogram` (or `ossup`) instead.',
  ],
  OUT_OF_MEMORY: [
    'Loading the core',
    "A core's linear memory could not grow for a call (a CRC-64 chunk, a form or a signature's strings larger than the runtime allows). Pass smaller inputs; on a phone, free memory held elsewhere. The core stays usable.",
  ],
  INPUT_TOO_LARGE: [
    'Configuration',
    'A call was given more than 8 Mi characters of strings (or of options as JSON), refused before the core: OSS accepts at most 8 MB of form fields, so no policy, form or signed request it takes is that long. Check which argument the message names; bytes to hash have no such limit (they go in pieces).',
  ],
  RANDOM_UNAVAILABLE: [
    'Loading the core',
    'No random bytes for object names yet: `await ready()` first (it fills the pool from `wx/tt.getRandomValues`), or call `setRandomSource()` with bytes from your server on platforms without a secure source.',
  ],
  INVALID_OBJECT_KEY: [
    'Object keys, dates and checksums (core)',
    "The object key (or prefix) breaks OSS's rules: 1–1023 bytes of UTF-8, no leading `/` or `\\`, no `.`/`..` segment, no control characters. Use `objectKey()` to make keys from user file names.",
  ],
  KEY_TYPE_MISMATCH: [
    'Object keys, dates and checksums (core)',
    '`buildPostForm` was given a fixed `key` whose extension belongs to another content type than the one the form pins (`a.html` as `image/png`): a browser or server could treat the object as what its name says. Name the key with `objectKey({ prefix, name, contentType })`, which takes the extension from the type; `.html`, `.svg`, `.js`, `.php` and the other active-content extensions pass only with their own type.',
  ],
  INVALID_DATE: [
    'Object keys, dates and checksums (core)',
    'Pass `expiration` as ISO-8601 UTC (`2030-01-01T00:00:00Z`) or milliseconds, and V4 dates as `yyyymmdd`; V4 forms expire within 7 days.',
  ],
  INVALID_CRC64: [
    'Object keys, dates and checksums (core)',
    'A CRC-64 must be the decimal text of an unsigned 64-bit integer, as OSS sends it in `x-oss-hash-crc64ecma` (64-bit values are strings, never numbers or BigInt).',
  ],
  NOT_ENOUGH_ENTROPY: [
    'Object keys, dates and checksums (core)',
    'Object names take 8 random bytes; a custom `setRandomSource` returned fewer. Return as many bytes as asked for.',
  ],
  VOD_INVALID_UPLOAD_ADDRESS: [
    'ApsaraVideo VOD',
    'Pass `UploadAddress` exactly as CreateUploadVideo/CreateUploadImage returned it (base64 JSON with Endpoint, Bucket and FileName).',
  ],
  VOD_UPLOAD_AUTH_EXPIRED: [
    'ApsaraVideo VOD',
    'The UploadAuth expired (VOD credentials live about 3,000 s). Give the uploader `refreshVodCredentials` (your server calls RefreshUploadVideo) or, with `VODUpload`, answer `onUploadTokenExpired` with `resumeUploadWithAuth`.',
  ],
  VOD_INVALID_UPLOAD_AUTH: [
    'ApsaraVideo VOD',
    'Pass `UploadAuth` exactly as CreateUploadVideo/CreateUploadImage/RefreshUploadVideo returned it (base64 JSON with AccessKeyId, AccessKeySecret, SecurityToken, ExpireUTCTime).',
  ],
};

/** Uploader options index.d.ts leaves undocumented: a line each (a doc comment there replaces it). */
export const OPTION_NOTES = {
  bucket: 'The bucket name (e.g. `my-bucket`). Not needed with `signForm` when your server returns `host`.',
  region: 'The Region ID (e.g. `cn-hangzhou`; an `oss-` prefix is accepted).',
  cname: 'The endpoint is your own domain bound to the bucket: use it as given, without the bucket subdomain.',
  secure: 'Use https (default true) when `endpoint` has no scheme.',
  keyPrefix: 'The folder object keys are made in (`objectKey({ prefix })`); with STS, the prefix the role allows.',
  refreshVodCredentials:
    'ApsaraVideo VOD: called when an UploadAuth expires; your server calls RefreshUploadVideo and returns the new UploadAuth.',
  accessKeySecret:
    'The secret of a permanent key: refused unless `dangerouslyAllowPermanentKey` is true (docs/security.md).',
  dangerouslyAllowPermanentKey:
    'Accept a permanent AccessKey in the client (internal tools, tests). Anyone who opens the app can read it.',
  retry:
    'Retries on network errors, timeouts, 408/429/5xx: a number (the limit), `false`, or `{ limit: 3, delay: 500, backoffLimit: 10000, jitter: true, statusCodes, shouldRetry }`.',
  signatureVersion: "Signature version for forms and requests the client signs: `'v4'` (default) or `'v1'`.",
  minFileSize: 'Smallest file accepted, in bytes (default 1: empty files are refused before any request).',
  maxFileSize: 'Largest file accepted, in bytes (no default).',
  maxFiles: 'Most files one `upload()` call takes.',
  forbidOverwrite:
    'Default true: forms carry `x-oss-forbid-overwrite: true`, so a second upload to a key fails with 409.',
  resume: 'Keep a checkpoint so an interrupted multipart upload resumes (default true).',
  checkpointStorage: 'Where checkpoints live (default: the platform storage — `wx.setStorageSync`, `localStorage`, …).',
  checkpointMaxAge: 'Checkpoints older than this (ms; default 7 days) are forgotten.',
  meta: 'User metadata for every file: `{ name: value }` becomes `x-oss-meta-name`.',
  headers: 'Object headers for every file (Cache-Control, Content-Disposition, x-oss-object-acl …).',
  callback: 'An OSS upload callback (URL and body) for every file.',
  callbackVar: "Callback variables such as `{ 'x:uid': '42' }`.",
  transport: 'A custom transport (tests, unusual runtimes); default: the platform’s own.',
};

// ---------------------------------------------------------------- (a) OssupError in pkg/src

function listJs(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listJs(full));
    else if (entry.name.endsWith('.js')) out.push(full);
  }
  return out.sort();
}

function walk(node, visit, parent = null) {
  if (!node || typeof node.type !== 'string') return;
  node.parentNode = parent;
  visit(node);
  for (const key of Object.keys(node)) {
    if (key === 'parentNode' || key === 'loc' || key === 'comments' || key.endsWith('Comments')) continue;
    const value = node[key];
    if (Array.isArray(value)) value.forEach((child) => walk(child, visit, node));
    else if (value && typeof value.type === 'string') walk(value, visit, node);
  }
}

const isFunction = (node) =>
  ['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'ObjectMethod', 'ClassMethod'].includes(
    node.type,
  );

function functionName(fn) {
  if (fn.id) return fn.id.name;
  const parent = fn.parentNode;
  if (parent && parent.type === 'VariableDeclarator' && parent.id.type === 'Identifier') return parent.id.name;
  return null;
}

/** Where `name` is bound as seen from `node`: { kind: 'const', init } | { kind: 'param', fn, index } | null. */
function binding(name, node) {
  for (let scope = node.parentNode; scope; scope = scope.parentNode) {
    if (isFunction(scope)) {
      const index = scope.params.findIndex((p) => p.type === 'Identifier' && p.name === name);
      if (index >= 0) return { kind: 'param', fn: scope, index };
    }
    const body = scope.type === 'Program' || scope.type === 'BlockStatement' ? scope.body : null;
    if (!body) continue;
    for (const statement of body) {
      const declaration =
        statement.type === 'VariableDeclaration'
          ? statement
          : statement.type === 'ExportNamedDeclaration' && statement.declaration?.type === 'VariableDeclaration'
            ? statement.declaration
            : null;
      if (!declaration) continue;
      for (const d of declaration.declarations) {
        if (d.id.type === 'Identifier' && d.id.name === name && d.init) return { kind: 'const', init: d.init };
      }
    }
  }
  return null;
}

/**
 * The leaves an expression can evaluate to, following identifiers to their declarations,
 * function parameters to the arguments of every call in the file, `a ? b : c`, `a || b`, and
 * lookups into literal arrays and objects. Each leaf carries `env`: the choices made on the
 * way (a parameter's argument, a table's row), so a message is rendered with the same ones.
 */
function leaves(node, file, env = new Map(), depth = 0) {
  if (depth > 12) return [{ node, env }];
  switch (node.type) {
    case 'ConditionalExpression':
      return [...leaves(node.consequent, file, env, depth + 1), ...leaves(node.alternate, file, env, depth + 1)];
    case 'LogicalExpression':
      return [...leaves(node.left, file, env, depth + 1), ...leaves(node.right, file, env, depth + 1)];
    case 'Identifier': {
      // A binding is { node, env }: evaluated where it was made, so `f(`${what}…`)` inside a
      // function whose own parameter is `what` cannot loop.
      if (env.has(node.name)) {
        const bound = env.get(node.name);
        return leaves(bound.node, file, bound.env, depth + 1);
      }
      const bound = binding(node.name, node);
      if (!bound) return [{ node, env }];
      if (bound.kind === 'const') return leaves(bound.init, file, env, depth + 1);
      const name = functionName(bound.fn);
      const calls = name ? file.calls.filter((call) => call.callee.name === name) : [];
      if (!calls.length) return [{ node, env }];
      return calls.flatMap((call) => {
        const next = new Map(env);
        bound.fn.params.forEach((param, i) => {
          if (param.type === 'Identifier' && call.arguments[i])
            next.set(param.name, { node: call.arguments[i], env: new Map() });
        });
        const argument = call.arguments[bound.index];
        if (!argument) return [{ node, env }];
        return leaves(argument, file, new Map(), depth + 1).map((r) => ({ node: r.node, env: merged(next, r.env) }));
      });
    }
    case 'MemberExpression': {
      if (!node.computed) return [{ node, env }];
      const containers = leaves(node.object, file, env, depth + 1);
      const out = [];
      for (const { node: container, env: inner } of containers) {
        if (node.property.type === 'NumericLiteral' && container.type === 'ArrayExpression') {
          const element = container.elements[node.property.value];
          if (element) out.push(...leaves(element, file, inner, depth + 1));
        } else if (container.type === 'ObjectExpression') {
          // A lookup by a runtime value: any row of the table. Remember the row for the message.
          for (const property of container.properties) {
            const next = new Map(inner);
            if (node.parentNode?.type === 'VariableDeclarator' && node.parentNode.id.type === 'Identifier') {
              next.set(node.parentNode.id.name, { node: property.value, env: new Map() });
            }
            out.push(...leaves(property.value, file, next, depth + 1));
          }
        } else {
          out.push({ node, env });
        }
      }
      return out;
    }
    default:
      return [{ node, env }];
  }
}

const merged = (a, b) => new Map([...a, ...b]);
const sourceOf = (node, file) => file.text.slice(node.start, node.end);

/** Message text: literals as written, `${expr}` as ‹expr› unless it resolves to one literal. */
function render(node, file, env, depth = 0) {
  const found = depth < 8 ? leaves(node, file, env) : [{ node, env }];
  if (found.length !== 1) return `‹${sourceOf(node, file)}›`;
  const { node: leaf, env: inner } = found[0];
  switch (leaf.type) {
    case 'StringLiteral':
      return leaf.value;
    case 'TemplateLiteral':
      return leaf.quasis
        .map(
          (quasi, i) =>
            quasi.value.cooked + (leaf.expressions[i] ? render(leaf.expressions[i], file, inner, depth + 1) : ''),
        )
        .join('');
    case 'BinaryExpression': {
      // Text joined with `+`; arithmetic (`index + 1`) stays a placeholder.
      const textual = (side) =>
        leaves(side, file, inner).every((r) => r.node.type === 'StringLiteral' || r.node.type === 'TemplateLiteral');
      if (leaf.operator === '+' && (textual(leaf.left) || textual(leaf.right)))
        return render(leaf.left, file, inner, depth + 1) + render(leaf.right, file, inner, depth + 1);
      return `‹${sourceOf(leaf, file)}›`;
    }
    default:
      return `‹${sourceOf(leaf, file)}›`;
  }
}

/**
 * Codes that are not literals in pkg/src, by file and expression: where they come from.
 * A new non-literal code fails the generation until it is listed here.
 */
const DYNAMIC_CODES = {
  'pkg/src/errors.js error.code': 'core',
  'pkg/src/responses.js oss.code': 'oss',
  'pkg/src/responses.js `HTTP_${status}`': 'http',
};

function parseJs(text, relative) {
  try {
    return babel.parsers.babel.parse(text, { filepath: relative });
  } catch (error) {
    throw new Error(`gen-reference: cannot parse ${relative}: ${error.message}`);
  }
}

/** `[{ code, file, line, message }]` for literal codes, and `dynamic: [{ source, kind, file, line }]`. */
export async function collectJsErrors(root = ROOT) {
  const thrown = [];
  const dynamic = [];
  const problems = [];
  for (const full of listJs(path.join(root, 'pkg', 'src'))) {
    const relative = path.relative(root, full).split(path.sep).join('/');
    const text = readFileSync(full, 'utf8');
    const ast = await parseJs(text, relative);
    const file = { text, calls: [], constructions: [] };
    walk(ast.program, (node) => {
      if (node.type === 'CallExpression' && node.callee.type === 'Identifier') file.calls.push(node);
      if (node.type === 'NewExpression' && node.callee.type === 'Identifier' && node.callee.name === 'OssupError')
        file.constructions.push(node);
    });
    for (const construction of file.constructions) {
      const [codeNode, messageNode] = construction.arguments;
      const line = construction.loc.start.line;
      if (!codeNode) {
        problems.push(`${relative}:${line}: new OssupError() without a code`);
        continue;
      }
      for (const { node, env } of leaves(codeNode, file)) {
        const message = messageNode ? render(messageNode, file, env) : '';
        if (node.type === 'StringLiteral') {
          thrown.push({ code: node.value, file: relative, line, message });
          continue;
        }
        const source = sourceOf(node, file);
        const kind = DYNAMIC_CODES[`${relative} ${source}`];
        if (kind) dynamic.push({ kind, source, file: relative, line, message });
        else
          problems.push(
            `${relative}:${line}: cannot tell which code \`${source}\` is: use a string literal (or list it in DYNAMIC_CODES in scripts/gen-reference.mjs)`,
          );
      }
    }
  }
  return { thrown, dynamic, problems };
}

/** OSS codes the package explains itself (pkg/src/responses.js: HINTS and hintFor's special cases). */
export async function collectOssHints(root = ROOT) {
  const relative = 'pkg/src/responses.js';
  const text = readFileSync(path.join(root, relative), 'utf8');
  const ast = await parseJs(text, relative);
  const hints = [];
  walk(ast.program, (node) => {
    if (node.type === 'VariableDeclarator' && node.id.name === 'HINTS' && node.init?.type === 'ObjectExpression') {
      for (const property of node.init.properties) {
        const name = property.key.name || property.key.value;
        const value = property.value.type === 'StringLiteral' ? property.value.value : null;
        if (value) hints.push({ code: name, when: '', hint: value });
      }
    }
    if (node.type === 'IfStatement' && node.consequent.type === 'BlockStatement') {
      const test = text.slice(node.test.start, node.test.end);
      const code = /code === '([^']+)'/.exec(test);
      const pattern = /\/([^/]+)\/i?\.test/.exec(test);
      const returned = node.consequent.body.find(
        (s) => s.type === 'ReturnStatement' && s.argument?.type === 'StringLiteral',
      );
      if (code && returned)
        hints.push({ code: code[1], when: pattern ? pattern[1] : '', hint: returned.argument.value });
    }
  });
  return hints;
}

/** What the uploader does with OSS answers by itself (pkg/src/uploader.js): retried statuses, token codes. */
export async function collectRetryRules(root = ROOT) {
  const relative = 'pkg/src/uploader.js';
  const text = readFileSync(path.join(root, relative), 'utf8');
  const ast = await parseJs(text, relative);
  const rules = { statusCodes: null, tokenCodes: null };
  const values = (array) => array.elements.map((e) => e.value);
  walk(ast.program, (node) => {
    if (node.type !== 'VariableDeclarator' || !node.init) return;
    if (node.id.name === 'TOKEN_CODES' && node.init.type === 'ArrayExpression') rules.tokenCodes = values(node.init);
    if (node.id.name === 'DEFAULT_RETRY' && node.init.type === 'ObjectExpression') {
      const property = node.init.properties.find((p) => p.key.name === 'statusCodes');
      if (property && property.value.type === 'ArrayExpression') rules.statusCodes = values(property.value);
    }
  });
  if (!rules.statusCodes || !rules.tokenCodes)
    throw new Error('gen-reference: DEFAULT_RETRY.statusCodes or TOKEN_CODES not found in pkg/src/uploader.js');
  return rules;
}

// ---------------------------------------------------------------- (b) the Rust core

/** `[{ code, variant, doc, messages }]` from src/error.rs. */
export function collectCoreErrors(root = ROOT) {
  const text = readFileSync(path.join(root, 'src', 'error.rs'), 'utf8');
  const codeFn = /pub fn code\(&self\) -> &'static str \{([\s\S]*?)\n {4}\}/.exec(text);
  if (!codeFn) throw new Error('gen-reference: no `fn code` in src/error.rs');
  const arms = [...codeFn[1].matchAll(/Error::(\w+)[^=]*=>\s*"([A-Z0-9_]+)"/g)];
  if (!arms.length) throw new Error('gen-reference: `fn code` in src/error.rs has no arms');
  const enumBody = /pub enum Error \{([\s\S]*?)\n\}/.exec(text);
  const body = /pub fn message\(&self\) -> String \{([\s\S]*?)\n {4}\}/.exec(text);
  if (!body) throw new Error('gen-reference: no `fn message` in src/error.rs');
  return arms.map(([, variant, code]) => {
    const doc = enumBody ? new RegExp(`((?:\\s*///.*\\n)+)\\s*${variant}\\b`).exec(enumBody[1]) : null;
    const arm = new RegExp(`Error::${variant}\\b[\\s\\S]*?(?=\\n {12}Error::|$)`).exec(body[1]);
    // As Rust writes them: `\"` is a quote, `\\` a backslash.
    const unescape = (m) => m.replace(/\\\\/g, '\\').replace(/\\"/g, '"');
    const literal = /^"((?:[^"\\]|\\.)*)"$/;
    let messages = [];
    if (arm) {
      // `[piece, …].concat()`: literals as written, anything else as `{its variable}`.
      const pieces = /\[([\s\S]*?)\]\s*\.concat\(\)/.exec(arm[0]);
      if (pieces) {
        const parts = pieces[1].match(/"(?:[^"\\]|\\.)*"|[^,"]+/g).map((p) => p.trim());
        messages = [
          parts
            .filter(Boolean)
            .map((p) =>
              literal.test(p) ? unescape(literal.exec(p)[1]) : `{${/\*?(\w+)(?: as \w+\))?$/.exec(p)?.[1] ?? p}}`,
            )
            .join(''),
        ];
      } else {
        messages = [...arm[0].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => unescape(m[1]));
      }
    }
    return {
      code,
      variant,
      doc: doc
        ? doc[1]
            .split('\n')
            .map((l) => l.replace(/^\s*\/\/\/\s?/, ''))
            .filter(Boolean)
            .join(' ')
        : '',
      messages,
    };
  });
}

// ---------------------------------------------------------------- (c) uploader options

/** `[{ name, optional, type, doc }]` from `interface UploaderOptions` in pkg/index.d.ts. */
export function collectUploaderOptions(root = ROOT) {
  const text = readFileSync(path.join(root, 'pkg', 'index.d.ts'), 'utf8');
  const start = text.indexOf('export interface UploaderOptions {');
  if (start < 0) throw new Error('gen-reference: no `export interface UploaderOptions` in pkg/index.d.ts');
  let i = text.indexOf('{', start) + 1;
  const members = [];
  let depth = 0;
  let current = '';
  let doc = '';
  for (; i < text.length; i++) {
    const c = text[i];
    if (depth === 0 && text.startsWith('/**', i)) {
      const end = text.indexOf('*/', i);
      doc = text
        .slice(i + 3, end)
        .split('\n')
        .map((l) => l.replace(/^\s*\*\s?/, '').trim())
        .filter(Boolean)
        .join(' ');
      i = end + 1;
      continue;
    }
    if (depth === 0 && text.startsWith('//', i)) {
      i = text.indexOf('\n', i);
      continue;
    }
    if (c === '}' && depth === 0) break;
    if ('({[<'.includes(c)) depth++;
    if (')}]'.includes(c) || (c === '>' && text[i - 1] !== '=')) depth--;
    if (c === ';' && depth === 0) {
      const match = /^\s*(\w+)(\??):\s*([\s\S]+)$/.exec(current);
      if (!match) throw new Error(`gen-reference: cannot read UploaderOptions member: ${current.trim()}`);
      members.push({ name: match[1], optional: match[2] === '?', type: match[3].replace(/\s+/g, ' ').trim(), doc });
      current = '';
      doc = '';
      continue;
    }
    current += c;
  }
  return members;
}

/** Files where `options` is the uploader's options object. */
const OPTION_READERS = ['pkg/src/uploader.js', 'pkg/src/credentials.js', 'pkg/src/multipart.js', 'pkg/src/vod.js'];

/** `[{ name, files }]`: `options.<name>` the code reads that UploaderOptions does not declare. */
export function collectUndeclaredOptions(root = ROOT, declared = collectUploaderOptions(root)) {
  const names = new Set(declared.map((o) => o.name));
  const found = new Map();
  for (const relative of OPTION_READERS) {
    const text = readFileSync(path.join(root, relative), 'utf8');
    for (const [, name] of text.matchAll(/\boptions\.([A-Za-z_$][\w$]*)/g)) {
      if (names.has(name)) continue;
      if (!found.has(name)) found.set(name, new Set());
      found.get(name).add(relative);
    }
  }
  return [...found].map(([name, files]) => ({ name, files: [...files] })).sort((a, b) => a.name.localeCompare(b.name));
}

// ---------------------------------------------------------------- the document

const code = (text) => {
  const fence = text.includes('`') ? '``' : '`';
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
};
const cell = (text) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * Everything the reference is made of, and the document. `missing`: codes thrown without a
 * WHAT_TO_DO entry; `stale`: entries (and option notes) for things that no longer exist;
 * `problems`: constructions the generator could not read.
 */
export async function generateReference(root = ROOT) {
  const { thrown, dynamic, problems } = await collectJsErrors(root);
  const core = collectCoreErrors(root);
  const hints = await collectOssHints(root);
  const retryRules = await collectRetryRules(root);
  const options = collectUploaderOptions(root);
  const undeclared = collectUndeclaredOptions(root, options);

  const byCode = new Map();
  const note = (codeName) => {
    if (!byCode.has(codeName)) byCode.set(codeName, { code: codeName, sites: [], core: null });
    return byCode.get(codeName);
  };
  for (const site of thrown) note(site.code).sites.push(site);
  // The core's codes reach JS through fromCore (errors.js: `error.code`).
  const coreReached = dynamic.some((d) => d.kind === 'core');
  if (coreReached) for (const entry of core) note(entry.code).core = entry;

  const codes = [...byCode.keys()];
  const missing = codes.filter((c) => !WHAT_TO_DO[c]).sort();
  const stale = Object.keys(WHAT_TO_DO).filter((c) => !byCode.has(c));
  for (const [c, [group]] of Object.entries(WHAT_TO_DO)) {
    if (!GROUPS.includes(group)) problems.push(`WHAT_TO_DO.${c}: unknown group ${group}`);
  }
  const optionNames = new Set(options.map((o) => o.name));
  for (const name of Object.keys(OPTION_NOTES)) {
    if (!optionNames.has(name)) stale.push(`OPTION_NOTES.${name} (no such option)`);
    else if (options.find((o) => o.name === name).doc)
      stale.push(`OPTION_NOTES.${name} (index.d.ts documents it now: delete the note)`);
  }
  const undocumented = options.filter((o) => !o.doc && !OPTION_NOTES[o.name]).map((o) => o.name);

  const lines = [];
  const push = (...more) => lines.push(...more);
  push(
    '# Reference: uploader options and error codes',
    '',
    '<!-- Generated by scripts/gen-reference.mjs from pkg/index.d.ts, pkg/src/**/*.js and src/error.rs. Do not edit: run `node scripts/gen-reference.mjs`. -->',
    '',
    'Generated from the code, so it lists exactly what the package accepts and throws. Types and',
    'the rest of the API: [pkg/index.d.ts](../pkg/index.d.ts); the guide: [README](../README.md).',
    '',
    '- [Uploader options](#uploader-options)',
    '- [Error codes](#error-codes)',
    ...GROUPS.map(
      (g) =>
        `  - [${g}](#${g
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-')})`,
    ),
    '  - [OSS answers](#oss-answers)',
    '- [Codes from the Rust core](#codes-from-the-rust-core)',
    '',
    '## Uploader options',
    '',
    '`createUploader(options)`; every option is optional unless the text says otherwise.',
    '',
    '| Option | Type | What it does |',
    '|---|---|---|',
  );
  for (const option of options) {
    const text = option.doc || OPTION_NOTES[option.name] || '';
    push(`| \`${option.name}\` | ${cell(code(option.type))} | ${cell(text)} |`);
  }
  if (undeclared.length) {
    push(
      '',
      'Also read by the code but not declared in `UploaderOptions` (so not part of the typed API yet):',
      '',
      ...undeclared.map((o) => `${code(o.name)} (${o.files.map((f) => code(f)).join(', ')})`).map((l) => `- ${l}`),
    );
  }
  push(
    '',
    '## Error codes',
    '',
    'Every failure is an `OssupError` with a stable `code` (and `status`, `requestId`, `ec`, `hint`,',
    '`retryable`, `cause` where they apply). Below: each code the package throws, what to do about',
    'it, and where it is thrown with its message (`‹…›` is filled in at run time).',
  );
  for (const group of GROUPS) {
    const inGroup = codes.filter((c) => WHAT_TO_DO[c] && WHAT_TO_DO[c][0] === group).sort();
    if (!inGroup.length) continue;
    push('', `### ${group}`);
    for (const c of inGroup) {
      const entry = byCode.get(c);
      push('', `#### \`${c}\``, '', WHAT_TO_DO[c][1], '');
      const seen = new Set();
      for (const site of entry.sites) {
        const line = `- \`${site.file}\`${site.message ? ` — ${code(site.message)}` : ''}`;
        if (!seen.has(line)) push(line);
        seen.add(line);
      }
      if (entry.core)
        push(`- the Rust core: \`Error::${entry.core.variant}\` (see [below](#codes-from-the-rust-core))`);
    }
  }
  push(
    '',
    '### OSS answers',
    '',
    "An answer from OSS that is not a success keeps OSS's own `<Code>` as `code` (and `ossCode`,",
    '`ossMessage`, `requestId`, `ec`, `status`); an answer without an XML error body gets',
    `\`HTTP_<status>\`. By itself the uploader retries statuses ${retryRules.statusCodes.join(', ')} (\`retry.statusCodes\`),`,
    `refreshes STS credentials once on ${retryRules.tokenCodes.map((c) => `\`${c}\``).join(', ')} and corrects the clock once`,
    'when OSS says the request time is skewed (`pkg/src/uploader.js`). These codes come with a `hint`',
    '(`pkg/src/responses.js`):',
    '',
    '| OSS code | When | Hint |',
    '|---|---|---|',
  );
  for (const hint of hints)
    push(`| \`${hint.code}\` | ${cell(hint.when ? `message matches /${hint.when}/i` : '')} | ${cell(hint.hint)} |`);
  push(
    '',
    'Sources of these codes:',
    '',
    ...dynamic.map(
      (d) => `- \`${d.file}\` — code \`${d.source}\`${d.kind === 'core' ? ' (the Rust core, below)' : ''}`,
    ),
    '',
    '## Codes from the Rust core',
    '',
    'The signing core (`src/error.rs`, `Error::code`) throws these; the JS layer passes them on',
    'unchanged (`pkg/src/errors.js`, `fromCore`). What to do is under each code above.',
    '',
    '| Code | Variant | Meaning | Messages |',
    '|---|---|---|---|',
  );
  for (const entry of core) {
    push(
      `| [\`${entry.code}\`](#${entry.code.toLowerCase()}) | \`${entry.variant}\` | ${cell(entry.doc)} | ${cell(entry.messages.map((m) => code(m)).join('<br>'))} |`,
    );
  }
  push('');
  return {
    markdown: lines.join('\n'),
    undeclared,
    codes,
    missing,
    stale,
    undocumented,
    problems,
    thrown,
    dynamic,
    core,
    options,
  };
}

async function main() {
  const result = await generateReference();
  const failures = [
    ...result.problems,
    ...result.missing.map((c) => `${c} is thrown but has no WHAT_TO_DO entry in scripts/gen-reference.mjs`),
    ...result.stale.map((c) => `stale entry: ${c}`),
    ...result.undocumented.map(
      (o) => `UploaderOptions.${o} has no doc comment in pkg/index.d.ts and no OPTION_NOTES entry`,
    ),
  ];
  if (failures.length) {
    console.error(`gen-reference:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  if (process.argv.includes('--check')) {
    const current = readFileSync(REFERENCE_PATH, 'utf8');
    if (current !== result.markdown) {
      console.error('docs/reference.md is out of date: run `node scripts/gen-reference.mjs`');
      process.exit(1);
    }
    return;
  }
  writeFileSync(REFERENCE_PATH, result.markdown);
  console.log(
    `wrote ${path.relative(process.cwd(), REFERENCE_PATH)}: ${result.codes.length} codes, ${result.options.length} options`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
