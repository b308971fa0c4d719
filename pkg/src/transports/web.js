// Browsers and WebViews: XMLHttpRequest + FormData, for upload progress (fetch has none).
import { OssupError } from '../errors.js';

function parseHeaders(text) {
  const headers = {};
  for (const line of String(text || '').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

function send(method, url, headers, body, timeout, onProgress, onHeaders) {
  const xhr = new XMLHttpRequest();
  let aborted = false;
  const promise = new Promise((resolve, reject) => {
    xhr.open(method, url, true);
    for (const name of Object.keys(headers || {})) xhr.setRequestHeader(name, headers[name]);
    if (timeout) xhr.timeout = timeout;
    if (onProgress && xhr.upload)
      xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : undefined);
    xhr.onload = () => {
      const responseHeaders = parseHeaders(xhr.getAllResponseHeaders());
      if (onHeaders) onHeaders(responseHeaders);
      resolve({ status: xhr.status, headers: responseHeaders, body: xhr.responseText });
    };
    xhr.onerror = () =>
      reject(
        new OssupError(
          'NETWORK_ERROR',
          `${method} ${url} failed: network error or CORS (the bucket must allow this origin and ${method})`,
          { retryable: true },
        ),
      );
    xhr.ontimeout = () =>
      reject(new OssupError('TIMEOUT', `${method} ${url} timed out after ${timeout} ms`, { retryable: true }));
    xhr.onabort = () =>
      reject(new OssupError('ABORTED', aborted ? 'the upload was canceled' : 'the request was aborted'));
    xhr.send(body);
  });
  return {
    promise,
    abort() {
      aborted = true;
      xhr.abort();
    },
  };
}

export function webTransport() {
  return {
    name: 'web',
    maxConcurrency: 6, // browsers open at most 6 connections per host over HTTP/1.1
    defaultTimeout: 0,
    defaultPartSize: 5 * 1024 * 1024, // parts are Blob slices: no copy in memory

    storage() {
      if (typeof localStorage === 'undefined') return undefined;
      return {
        get: (key) => localStorage.getItem(key),
        set: (key, value) => localStorage.setItem(key, value),
        remove: (key) => localStorage.removeItem(key),
      };
    },
    stat(file) {
      if (typeof file.size === 'number') return Promise.resolve(file.size);
      return Promise.reject(new OssupError('INVALID_FILE', `${file.name}: in a browser, pass a File or Blob`));
    },
    async readRange(file, start, end) {
      if (file.bytes) return file.bytes.subarray(start, end);
      if (!file.blob) return null;
      return new Uint8Array(await file.blob.slice(start, end).arrayBuffer());
    },
    postObject({ url, fields, file, timeout, onProgress, onHeaders }) {
      if (!file.blob && !file.bytes) {
        return {
          promise: Promise.reject(new OssupError('INVALID_FILE', `${file.name}: in a browser, pass a File or Blob`)),
          abort() {},
        };
      }
      const form = new FormData();
      for (const name of Object.keys(fields)) form.append(name, fields[name]);
      form.append('file', file.blob || new Blob([file.bytes], { type: file.type }), file.name); // last (oss-spec §1)
      return send('POST', url, {}, form, timeout, onProgress, onHeaders);
    },
    request({ method, url, headers, body, bodyBlob, timeout, onProgress }) {
      return send(method, url, headers, bodyBlob || (body === undefined ? null : body), timeout, onProgress);
    },
  };
}
