// WeChat (wx), Douyin (tt), uni-app (uni) and Alipay (my): their uploadFile/request/file-system
// APIs differ only in details, kept here in one place (DESIGN-NOTES has the facts).
import { OssupError } from '../errors.js';
import { lowerHeaders } from '../responses.js';
import { mediaKind } from '../files.js';
import { miniProgramApi } from '../platform.js';

// Alipay my.uploadFile error codes (DESIGN-NOTES): what happened and what to do.
const ALIPAY_ERRORS = {
  4: [
    'PERMISSION_DENIED',
    'no permission: add the OSS host to the mini program server whitelist, and make sure the app has the upload API',
  ],
  9: ['ABORTED', 'the upload was aborted'],
  11: [
    'FILE_NOT_FOUND',
    'the file does not exist: filePath must come from my.chooseImage/my.chooseVideo (a my.saveFile path is not allowed)',
  ],
  12: ['UPLOAD_FAILED', 'upload failed: the file may be too large, took over 30 s, or is not a normal file'],
  13: ['PERMISSION_DENIED', 'no permission to upload'],
  20: ['HTTPS_REQUIRED', 'HTTP is not supported: use an https endpoint'],
};

function wechatError(api, err, what) {
  const text = (err && (err.errMsg || err.errorMessage || err.message)) || String(err);
  if (/timeout/i.test(text))
    return new OssupError('TIMEOUT', `${api}.${what} timed out (${text})`, { retryable: true });
  if (/abort/i.test(text)) return new OssupError('ABORTED', `${api}.${what} was aborted`);
  if (/domain|合法域名/i.test(text)) {
    return new OssupError(
      'DOMAIN_NOT_ALLOWED',
      `${text}: add the OSS host to the mini program's uploadFile/request legal domains in the admin console`,
    );
  }
  if (/exceed|max.*(request|concurren)/i.test(text)) {
    return new OssupError('TOO_MANY_REQUESTS', `${text}: too many requests at once (WeChat allows 10 in total)`, {
      retryable: true,
    });
  }
  return new OssupError('NETWORK_ERROR', `${api}.${what} failed: ${text}`, { retryable: true, cause: err });
}

function alipayError(err, what) {
  const code = err && (err.error !== undefined ? err.error : err.errorCode);
  const known = ALIPAY_ERRORS[code];
  if (known) {
    return new OssupError(known[0], `my.${what} failed (error ${code}): ${known[1]}`, {
      platformCode: code,
      retryable: code === 12,
    });
  }
  const text = (err && (err.errorMessage || err.errMsg)) || String(err);
  return new OssupError('NETWORK_ERROR', `my.${what} failed (error ${code}): ${text}`, {
    platformCode: code,
    retryable: true,
  });
}

/**
 * A transport over a mini-program API object. `flavor`: 'wechat' | 'douyin' | 'uni' | 'alipay'.
 */
export function miniProgramTransport(api, flavor) {
  const alipay = flavor === 'alipay';
  const apiName = { wechat: 'wx', douyin: 'tt', uni: 'uni', alipay: 'my' }[flavor];
  const fail = (err, what) => (alipay ? alipayError(err, what) : wechatError(apiName, err, what));
  let fsManager = null;
  const fs = () => {
    if (!fsManager && typeof api.getFileSystemManager === 'function') fsManager = api.getFileSystemManager();
    return fsManager;
  };

  return {
    name: flavor,
    // WeChat: 10 request/uploadFile/downloadFile at once in total (DESIGN-NOTES), shared with the
    // app: 8 by default leaves it two. The others document no cap, so they get the same one.
    maxConcurrency: 10,
    defaultConcurrency: 8,
    requestProgress: false, // request() reports no upload progress: no stall watchdog on it
    defaultTimeout: alipay ? 30000 : 60000,

    /** App hide/show, so uploads pause in the background instead of failing "interrupted". */
    lifecycle({ hide, show }) {
      if (typeof api.onAppHide !== 'function' || typeof api.onAppShow !== 'function') return null;
      api.onAppHide(hide);
      api.onAppShow(show);
      return {
        off() {
          if (typeof api.offAppHide === 'function') api.offAppHide(hide);
          if (typeof api.offAppShow === 'function') api.offAppShow(show);
        },
      };
    },

    /** Checkpoints in the platform's storage; Alipay's storage API takes objects. */
    storage() {
      if (alipay) {
        return {
          get: (key) => {
            const res = api.getStorageSync({ key });
            return res && res.data !== undefined && res.data !== null ? res.data : null;
          },
          set: (key, data) => api.setStorageSync({ key, data }),
          remove: (key) => api.removeStorageSync({ key }),
        };
      }
      return {
        get: (key) => api.getStorageSync(key) || null,
        set: (key, data) => api.setStorageSync(key, data),
        remove: (key) => api.removeStorageSync(key),
      };
    },

    /** Fills in `size` when the picker did not give it. */
    stat(file) {
      if (typeof file.size === 'number') return Promise.resolve(file.size);
      if (!file.path)
        return Promise.reject(new OssupError('INVALID_FILE', `${file.name}: no size and no path to read it from`));
      return new Promise((resolve, reject) => {
        const options = {
          success: (res) => resolve(res.size !== undefined ? res.size : res.stats && res.stats.size),
          fail: (err) => reject(fail(err, 'getFileInfo')),
        };
        const manager = fs();
        if (alipay && typeof api.getFileInfo === 'function')
          api.getFileInfo({ apFilePath: file.path, filePath: file.path, ...options });
        else if (manager && typeof manager.getFileInfo === 'function')
          manager.getFileInfo({ filePath: file.path, ...options });
        else if (manager && typeof manager.stat === 'function') manager.stat({ path: file.path, ...options });
        else
          reject(new OssupError('INVALID_FILE', `${file.name}: pass { path, size } (this platform cannot stat files)`));
      });
    },

    /** Bytes [start, end) of a file, read without loading the rest (FileSystemManager.readFile). */
    readRange(file, start, end) {
      if (file.bytes) return Promise.resolve(file.bytes.subarray(start, end));
      const manager = fs();
      if (!manager || typeof manager.readFile !== 'function') return Promise.resolve(null);
      return new Promise((resolve, reject) =>
        manager.readFile({
          filePath: file.path,
          position: start,
          length: end - start,
          success: (res) => resolve(new Uint8Array(res.data)),
          fail: (err) => reject(fail(err, 'readFile')),
        }),
      );
    },

    postObject({ url, fields, file, timeout, onProgress, onHeaders }) {
      let task = null;
      let aborted = false;
      const promise = new Promise((resolve, reject) => {
        if (!file.path) {
          reject(
            new OssupError(
              'INVALID_FILE',
              `${file.name}: mini programs upload files by path (from chooseImage/chooseMedia)`,
            ),
          );
          return;
        }
        const options = {
          url,
          filePath: file.path,
          formData: fields,
          timeout,
          success: (res) => {
            const headers = lowerHeaders(res.header || res.headers);
            if (Object.keys(headers).length && onHeaders) onHeaders(headers);
            resolve({
              status: res.statusCode,
              headers,
              body: typeof res.data === 'string' ? res.data : JSON.stringify(res.data),
              // Where neither the task nor success gives response headers (uni-app outside
              // WeChat), the uploader judges the answer by its body instead.
              headersSeen:
                Boolean(res.header || res.headers) || Boolean(task && typeof task.onHeadersReceived === 'function'),
            });
          },
          fail: (err) =>
            reject(aborted ? new OssupError('ABORTED', 'the upload was canceled') : fail(err, 'uploadFile')),
        };
        if (alipay) {
          // my.uploadFile takes the field name in `fileName` and needs `fileType` (DESIGN-NOTES).
          options.fileName = 'file';
          options.fileType = mediaKind(file.type) || 'image';
        } else {
          options.name = 'file';
        }
        task = api.uploadFile(options);
      });
      if (task && typeof task.onProgressUpdate === 'function' && onProgress) {
        // WeChat/Douyin/uni: totalBytesSent / totalBytesExpectedToSend; Alipay: …Written / …ToWrite.
        task.onProgressUpdate((res) =>
          onProgress(
            res.totalBytesSent !== undefined ? res.totalBytesSent : res.totalBytesWritten,
            res.totalBytesExpectedToSend !== undefined ? res.totalBytesExpectedToSend : res.totalBytesExpectedToWrite,
          ),
        );
      }
      // WeChat and Douyin give response headers only here, before success (DESIGN-NOTES).
      if (task && typeof task.onHeadersReceived === 'function' && onHeaders) {
        task.onHeadersReceived((res) => onHeaders(lowerHeaders(res.header || res.headers)));
      }
      return {
        promise,
        abort() {
          aborted = true;
          if (task && typeof task.abort === 'function') task.abort();
        },
      };
    },

    request({ method, url, headers, body, timeout }) {
      let task = null;
      let aborted = false;
      const promise = new Promise((resolve, reject) => {
        const options = {
          url,
          method,
          data: body,
          timeout,
          dataType: 'text',
          responseType: 'text',
          success: (res) =>
            resolve({
              status: res.statusCode !== undefined ? res.statusCode : res.status,
              headers: lowerHeaders(res.header || res.headers),
              body: typeof res.data === 'string' ? res.data : res.data === undefined ? '' : JSON.stringify(res.data),
            }),
          fail: (err) => {
            // Alipay's my.request fails on HTTP errors too, with the response attached.
            if (!aborted && err && (err.status || err.statusCode) && alipay) {
              resolve({
                status: err.status || err.statusCode,
                headers: lowerHeaders(err.headers || err.header),
                body: err.data || '',
              });
              return;
            }
            reject(aborted ? new OssupError('ABORTED', 'the request was canceled') : fail(err, 'request'));
          },
        };
        if (alipay) options.headers = headers;
        else options.header = headers;
        task = api.request(options);
      });
      return {
        promise,
        abort() {
          aborted = true;
          if (task && typeof task.abort === 'function') task.abort();
        },
      };
    },
  };
}

/** The transport for this runtime's wx / tt / uni / my API, or null outside a mini program. */
export function detectedMiniProgramTransport() {
  const mini = miniProgramApi();
  return mini ? miniProgramTransport(mini.api, mini.flavor) : null;
}
