// Upload callback (oss-spec §4): validate the `callback` field, and after storing, POST the
// substituted body to the app server — only on this machine — then answer 200 with its JSON
// or 203 CallbackFailed (the object stays stored either way).

import { ossError } from './errors.mjs';
import { sendError } from './http-context.mjs';

const MAX_CALLBACK_BYTES = 5 * 1024; // oss-spec §4
const CALLBACK_TIMEOUT_MS = 5000; // oss-spec §4: the callback server has 5 s
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function parseCallback(value) {
  if (value.length > MAX_CALLBACK_BYTES)
    throw ossError('BadCallback', { message: 'The callback configuration is larger than 5 KB.' });
  if (!BASE64.test(value))
    throw ossError('BadCallback', { message: 'The callback configuration is not base64 encoded.' });
  let callback;
  try {
    callback = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch {
    throw ossError('BadCallback', { message: 'The callback configuration is not json format.' });
  }
  if (callback === null || typeof callback !== 'object' || Array.isArray(callback)) {
    throw ossError('BadCallback', { message: 'The callback configuration is not json format.' });
  }
  for (const name of ['callbackUrl', 'callbackBody']) {
    if (typeof callback[name] !== 'string' || callback[name].trim() === '') {
      throw ossError('BadCallback', { message: `The callback configuration must contain ${name}.` });
    }
  }
  const type = callback.callbackBodyType ?? 'application/x-www-form-urlencoded';
  if (type !== 'application/x-www-form-urlencoded' && type !== 'application/json') {
    throw ossError('BadCallback', { message: `Unsupported callbackBodyType: ${type}.` });
  }
  const urls = callback.callbackUrl
    .split(';')
    .map((url) => url.trim())
    .filter(Boolean);
  if (urls.length === 0 || urls.length > 5 || !urls.every(isHttpUrl)) {
    throw ossError('BadCallback', { message: 'callbackUrl must hold 1 to 5 http(s) URLs separated by ";".' });
  }
  return { urls, body: callback.callbackBody, type };
}

function isHttpUrl(text) {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** oss-spec §4: ${bucket} ${object} ${etag} ${size} ${mimeType} ${x:var}, encoded for the body type. */
function callbackBody({ body, type }, { bucket, meta, field }) {
  const system = { bucket, object: meta.key, etag: meta.etag, size: String(meta.size), mimeType: meta.contentType };
  return body.replace(/\$\{([^}]*)\}/g, (_, name) => {
    const value = name in system ? system[name] : name.startsWith('x:') ? (field(name) ?? '') : '';
    return type === 'application/json' ? JSON.stringify(value).slice(1, -1) : encodeURIComponent(value);
  });
}

/** Call back (only to this machine), then answer 200 with its JSON or 203 CallbackFailed. */
export async function answerWithCallback(ctx, callback, { meta, headers, field }) {
  const { bucket } = ctx.app.config;
  const body = callbackBody(callback, { bucket, meta, field });
  let failure = 'The local bucket server only calls back to 127.0.0.1/localhost; the callback was not sent.';
  for (const url of callback.urls) {
    if (!LOCAL_HOSTS.has(new URL(url).hostname)) continue;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': callback.type },
        body,
        signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS),
      });
      const text = await response.text();
      if (!response.ok) {
        failure = `Error status : ${response.status}.`;
        continue;
      }
      JSON.parse(text);
      ctx.res.writeHead(200, {
        ...headers,
        'Content-Type': response.headers.get('content-type') ?? 'application/json',
        'Content-Length': Buffer.byteLength(text),
      });
      return ctx.res.end(text);
    } catch (error) {
      failure =
        error instanceof SyntaxError
          ? 'Response body is not valid json format.'
          : `Callback request failed: ${error.message}.`;
    }
  }
  for (const [name, value] of Object.entries(headers)) ctx.res.setHeader(name, value);
  sendError(ctx, ossError('CallbackFailed', { message: failure })); // §1d: 203, the object stays stored
}
