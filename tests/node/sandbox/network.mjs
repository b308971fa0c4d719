// request / uploadFile as the platforms do them: real HTTP with node:http, multipart bodies
// built like the platforms build them (formData fields in object order, the file last), tasks
// with abort / progress / headers events, timeouts, the shared concurrency cap and the
// "interrupted" failure when the app goes to the background (DESIGN-NOTES).

import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { guessContentType } from './files.mjs';

const CHUNK_BYTES = 64 * 1024;
// Headers the platforms set themselves and ignore when the app passes them.
const RESERVED_HEADERS = new Set(['referer', 'user-agent', 'content-length', 'host', 'connection']);

function isArrayBuffer(value) {
  return Object.prototype.toString.call(value) === '[object ArrayBuffer]';
}

function querystring(data) {
  return Object.keys(data)
    .map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(data[key] === undefined ? '' : data[key])}`)
    .join('&');
}

function headerValue(headers, name) {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/** Response headers with the server's spelling (rawHeaders), repeated ones joined. */
function responseHeaders(res) {
  const out = {};
  for (let i = 0; i < res.rawHeaders.length; i += 2) {
    const name = res.rawHeaders[i];
    const value = res.rawHeaders[i + 1];
    out[name] = out[name] === undefined ? value : `${out[name]}, ${value}`;
  }
  return out;
}

function escapeFormName(value) {
  // The HTML form-data encoding: quotes and line breaks percent-encoded in names.
  return String(value).replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/**
 * The body wx.uploadFile & co. send: every formData field (object order), then the file.
 * Returns `{ boundary, parts, length, fields }` where parts are Buffers or `{ hostPath, size }`.
 */
export function multipartBody({ formData, fieldName, fileName, contentType, file }) {
  const boundary = `----ossupSandboxBoundary${randomBytes(12).toString('hex')}`;
  const parts = [];
  const fields = [];
  for (const key of Object.keys(formData || {})) {
    const raw = formData[key];
    const value = raw === null || raw === undefined ? '' : String(raw);
    fields.push(key);
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${escapeFormName(key)}"\r\n\r\n${value}\r\n`,
        'utf8',
      ),
    );
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${escapeFormName(fieldName)}"; filename="${escapeFormName(fileName)}"\r\nContent-Type: ${contentType}\r\n\r\n`,
      'utf8',
    ),
  );
  parts.push({ hostPath: file.hostPath, size: file.size });
  parts.push(Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8'));
  const length = parts.reduce((sum, part) => sum + (Buffer.isBuffer(part) ? part.length : part.size), 0);
  return { boundary, parts, length, fields };
}

/**
 * One HTTP exchange. `done(failure, response)` is called once: failure is
 * `{ kind: 'timeout' | 'abort' | 'network' | 'interrupted', detail }`; response is
 * `{ status, headers, body }`.
 */
function exchange({ method, url, headers, parts, length, timeoutMs, onProgress, onHeaders }, done) {
  let finished = false;
  let response = null;
  let sent = 0;
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  const req = client.request(target, { method, headers: { ...headers, 'Content-Length': length }, agent: false });
  const closed = new Promise((resolve) => req.once('close', resolve));
  const timer = setTimeout(() => finish({ kind: 'timeout', detail: 'timeout' }), timeoutMs);

  function finish(failure, result) {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    if (failure) req.destroy();
    done(failure, result);
  }

  req.on('error', (error) => finish({ kind: 'network', detail: error.message }));
  req.on('response', (res) => {
    response = res;
    const header = responseHeaders(res);
    if (!finished) onHeaders(header, res.statusCode);
    const chunks = [];
    res.on('data', (chunk) => chunks.push(chunk));
    res.on('end', () => finish(null, { status: res.statusCode, headers: header, body: Buffer.concat(chunks) }));
    res.on('aborted', () => finish({ kind: 'network', detail: 'the connection was closed before the response ended' }));
    res.on('error', (error) => finish({ kind: 'network', detail: error.message }));
  });

  const write = (chunk) =>
    Promise.race([
      closed,
      new Promise((resolve) =>
        req.write(chunk, (error) => {
          if (!error) {
            sent += chunk.length;
            if (!finished && !response) onProgress(sent, length);
          }
          resolve();
        }),
      ),
    ]);

  (async () => {
    for (const part of parts) {
      if (finished || req.destroyed) return;
      if (Buffer.isBuffer(part)) {
        if (part.length) await write(part);
        continue;
      }
      const stream = createReadStream(part.hostPath, { highWaterMark: CHUNK_BYTES, end: part.size - 1 });
      try {
        if (part.size > 0) {
          for await (const chunk of stream) {
            if (finished || req.destroyed) return;
            await write(chunk);
          }
        }
      } finally {
        stream.destroy();
      }
    }
    if (!finished && !req.destroyed) req.end();
  })().catch((error) => finish({ kind: 'network', detail: error.message }));

  return {
    abort: () => finish({ kind: 'abort', detail: 'abort' }),
    interrupt: () => finish({ kind: 'interrupted', detail: 'interrupted' }),
    get sent() {
      return sent;
    },
  };
}

/**
 * The network layer shared by one sandbox's APIs. `settings`:
 * `{ platform, dialect, adopt, invoke, record, store, timeoutMs, maxConcurrent, overflow,
 *    requireHttps, referer, userAgent, alipayDataTypeDefault }`.
 */
export function createNetwork(settings) {
  const { platform, dialect, adopt, invoke, record, store } = settings;
  const state = { active: 0, maxConcurrent: 0, background: false, closed: false };
  const running = new Set(); // live exchanges
  const queue = []; // starts waiting for a slot (overflow: 'queue')
  const log = []; // sandbox.http

  const capacity = settings.maxConcurrent > 0 ? settings.maxConcurrent : Infinity;

  function baseHeaders(userHeaders) {
    const headers = {};
    for (const [name, value] of Object.entries(userHeaders || {})) {
      if (RESERVED_HEADERS.has(name.toLowerCase())) continue;
      headers[name] = String(value);
    }
    headers.Referer = settings.referer;
    headers['User-Agent'] = settings.userAgent;
    return headers;
  }

  function timeoutFor(requested) {
    const limit = settings.timeoutMs;
    if (typeof requested === 'number' && requested > 0) return Math.min(requested, limit);
    return limit;
  }

  /** Starts `job` when a slot is free; `job.fail(kind, detail)` when it cannot start. */
  function schedule(job) {
    if (state.closed) return job.fail('abort', 'abort');
    if (state.background) return job.fail('interrupted', 'interrupted');
    if (state.active >= capacity) {
      if (settings.overflow === 'queue') return queue.push(job);
      return job.fail(
        'overflow',
        `exceed max ${job.kind === 'upload' ? 'upload' : 'request'} connection count ${capacity}`,
      );
    }
    run(job);
  }

  function run(job) {
    state.active++;
    state.maxConcurrent = Math.max(state.maxConcurrent, state.active);
    const entry = job.entry;
    entry.startedAt = Date.now();
    const handle = exchange(
      {
        method: job.method,
        url: job.url,
        headers: job.headers,
        parts: job.parts,
        length: job.length,
        timeoutMs: job.timeoutMs,
        onProgress: job.onProgress,
        onHeaders: job.onHeaders,
      },
      (failure, response) => {
        running.delete(handle);
        state.active--;
        entry.endedAt = Date.now();
        entry.bytesSent = handle.sent;
        if (failure) {
          entry.error = failure.kind;
          entry.errorDetail = failure.detail;
        } else {
          entry.status = response.status;
          entry.responseHeaders = response.headers;
          entry.responseBytes = response.body.length;
        }
        job.settle(failure, response);
        while (queue.length && state.active < capacity && !state.background) run(queue.shift());
      },
    );
    job.handle = handle;
    running.add(handle);
  }

  /** A task object with listener lists; `extra` adds methods. */
  function makeTask(job, { headersEvent }) {
    const progressListeners = new Set();
    const headerListeners = new Set();
    job.onProgress = (sent, total) => {
      const progress = total === 0 ? 100 : Math.floor((sent * 100) / total);
      const event = dialect.progressEvent(progress, sent, total);
      for (const listener of progressListeners) invoke(listener, adopt(event));
    };
    job.onHeaders = (header) => {
      for (const listener of headerListeners) invoke(listener, adopt({ header }));
    };
    const task = {
      abort() {
        record(`${job.api}Task.abort`, {});
        if (job.handle) return job.handle.abort();
        const queued = queue.indexOf(job);
        if (queued >= 0) {
          queue.splice(queued, 1);
          job.fail('abort', 'abort');
        }
      },
    };
    if (job.kind === 'upload') {
      task.onProgressUpdate = (listener) => progressListeners.add(listener);
      task.offProgressUpdate = (listener) => progressListeners.delete(listener);
    }
    if (headersEvent) {
      task.onHeadersReceived = (listener) => headerListeners.add(listener);
      task.offHeadersReceived = (listener) => headerListeners.delete(listener);
    }
    return task;
  }

  function finishWith(opts, failure, success) {
    if (state.closed) return; // the sandbox is gone: nobody is listening
    if (failure) {
      const res = adopt(failure);
      invoke(opts.fail, res);
      invoke(opts.complete, res);
    } else {
      const res = adopt(success);
      invoke(opts.success, res);
      invoke(opts.complete, res);
    }
  }

  function newEntry(api, fields) {
    const entry = {
      api,
      method: null,
      url: null,
      status: null,
      error: null,
      errorDetail: null,
      fields: [],
      file: null,
      bodyBytes: 0,
      bytesSent: 0,
      responseBytes: 0,
      requestHeaders: null,
      responseHeaders: null,
      startedAt: null,
      endedAt: null,
      ...fields,
    };
    log.push(entry);
    return entry;
  }

  /** Fails a call that never reached the network (bad options, missing file, …), asynchronously. */
  function failLater(api, opts, kind, detail, entry) {
    if (entry) {
      entry.error = kind;
      entry.errorDetail = detail;
    }
    setTimeout(() => finishWith(opts, dialect.failure(api, kind, detail)), 0);
  }

  function checkUrl(api, url) {
    if (typeof url !== 'string' || !url) return ['param', `parameter error: parameter.url should be String`];
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      return ['param', `invalid url "${url}"`];
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return ['param', `invalid url "${url}"`];
    if (settings.requireHttps && parsed.protocol !== 'https:') return ['https', 'url not in domain list'];
    return null;
  }

  function uploadFile(prefix, opts = {}) {
    const api = 'uploadFile';
    const fieldName = platform === 'alipay' ? (opts.fileName ?? opts.name) : opts.name;
    const entry = newEntry(`${prefix}.${api}`, { method: 'POST', url: opts.url ?? null });
    const job = { api: `${prefix}.${api}`, kind: 'upload', entry };
    const task = makeTask(job, { headersEvent: platform !== 'alipay' });

    const urlProblem = checkUrl(api, opts.url);
    if (urlProblem) {
      failLater(api, opts, ...urlProblem, entry);
      return task;
    }
    if (typeof fieldName !== 'string' || !fieldName) {
      failLater(
        api,
        opts,
        'param',
        `parameter error: parameter.${platform === 'alipay' ? 'fileName' : 'name'} should be String`,
        entry,
      );
      return task;
    }
    if (platform === 'alipay' && !['image', 'video', 'audio'].includes(opts.fileType)) {
      failLater(api, opts, 'param', 'fileType must be one of image, video, audio', entry);
      return task;
    }
    const file = store.resolve(opts.filePath);
    if (!file) {
      failLater(api, opts, 'fileNotFound', `file not found: ${opts.filePath}`, entry);
      return task;
    }
    const fileName = String(opts.filePath).split('/').pop();
    const contentType = guessContentType(fileName);
    const body = multipartBody({ formData: opts.formData, fieldName, fileName, contentType, file });
    const headers = baseHeaders(opts.header);
    for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-type') delete headers[name];
    headers['Content-Type'] = `multipart/form-data; boundary=${body.boundary}`;
    Object.assign(entry, {
      fields: body.fields,
      file: { field: fieldName, fileName, contentType, size: file.size },
      bodyBytes: body.length,
      requestHeaders: headers,
    });
    Object.assign(job, {
      method: 'POST',
      url: opts.url,
      headers,
      parts: body.parts,
      length: body.length,
      timeoutMs: timeoutFor(opts.timeout),
      fail: (kind, detail) => failLater(api, opts, kind, detail, entry),
      settle: (failure, response) => {
        if (failure) return finishWith(opts, dialect.failure(api, failure.kind, failure.detail));
        finishWith(opts, null, dialect.uploadSuccess(api, response));
      },
    });
    schedule(job);
    return task;
  }

  function requestBody(method, headers, data) {
    if (data === undefined || data === null) return { query: '', body: Buffer.alloc(0) };
    if (isArrayBuffer(data)) return { query: '', body: Buffer.from(data.slice(0)) };
    if (typeof data === 'string') {
      return method === 'GET' ? { query: data, body: Buffer.alloc(0) } : { query: '', body: Buffer.from(data, 'utf8') };
    }
    if (typeof data === 'object') {
      // Objects (typed arrays included: only ArrayBuffer is binary to the platforms).
      if (method === 'GET') return { query: querystring(data), body: Buffer.alloc(0) };
      const type = String(headerValue(headers, 'content-type') || '').toLowerCase();
      if (type.includes('application/x-www-form-urlencoded'))
        return { query: '', body: Buffer.from(querystring(data)) };
      return { query: '', body: Buffer.from(JSON.stringify(data), 'utf8') };
    }
    return { query: '', body: Buffer.from(String(data), 'utf8') };
  }

  function request(prefix, opts = {}) {
    const api = 'request';
    const method = String(opts.method || 'GET').toUpperCase();
    const entry = newEntry(`${prefix}.${api}`, { method, url: opts.url ?? null });
    const job = { api: `${prefix}.${api}`, kind: 'request', entry };
    const task = makeTask(job, { headersEvent: platform !== 'alipay' });
    const urlProblem = checkUrl(api, opts.url);
    if (urlProblem) {
      failLater(api, opts, ...urlProblem, entry);
      return task;
    }
    // Alipay's my.request takes `headers`; the others `header` (default JSON content type).
    const userHeaders = platform === 'alipay' ? opts.headers : opts.header;
    const headers = baseHeaders(userHeaders);
    if (headerValue(headers, 'content-type') === undefined) headers['Content-Type'] = 'application/json';
    const { query, body } = requestBody(method, headers, opts.data);
    const url = query ? `${opts.url}${opts.url.includes('?') ? '&' : '?'}${query}` : opts.url;
    Object.assign(entry, { url, bodyBytes: body.length, requestHeaders: headers });
    Object.assign(job, {
      method,
      url,
      headers,
      parts: [body],
      length: body.length,
      timeoutMs: timeoutFor(opts.timeout),
      fail: (kind, detail) => failLater(api, opts, kind, detail, entry),
      settle: (failure, response) => {
        if (failure) return finishWith(opts, dialect.failure(api, failure.kind, failure.detail));
        const outcome = dialect.requestOutcome(api, response, opts, settings);
        finishWith(opts, outcome.failure, outcome.success);
      },
    });
    schedule(job);
    return task;
  }

  return {
    log,
    state,
    uploadFile,
    request,
    /** The app went to the background: open requests fail after `graceMs`, new ones at once. */
    background(graceMs) {
      state.background = true;
      return setTimeout(() => {
        for (const handle of [...running]) handle.interrupt();
        for (const job of queue.splice(0)) job.fail('interrupted', 'interrupted');
      }, graceMs);
    },
    foreground() {
      state.background = false;
      while (queue.length && state.active < capacity) run(queue.shift());
    },
    close() {
      state.closed = true;
      queue.splice(0);
      for (const handle of [...running]) handle.abort();
    },
  };
}
