// `VODUpload`: the surface of Aliyun's VOD mini-program upload SDK (aliyun-upload-sdk), as a
// thin layer over createUploader, so its users switch by changing one import. The flow:
//   addFile(...) × N → startUpload() → onUploadstarted(info) → the page calls
//   setUploadAuthAndAddress(info, uploadAuth, uploadAddress, videoId) → onUploadProgress… →
//   onUploadSucceed / onUploadFailed → next file … → onUploadEnd.
// On expiry: onUploadTokenExpired(info) → the page calls resumeUploadWithAuth(uploadAuth).
import { OssupError, callerError } from './errors.js';
import { createUploader } from './uploader.js';
import { contentTypeOf } from './files.js';

const noop = () => {};

/** Whether a picker file is an image: chooseMedia says `fileType`, paths say it by extension. */
function isImage(file) {
  if (typeof file === 'string') return /^image\//.test(contentTypeOf(file));
  if (file.fileType) return file.fileType === 'image';
  const path = file.url || file.tempFilePath || file.path || file.apFilePath || file.name || '';
  return /^image\//.test(file.type || contentTypeOf(path));
}

function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((a, b) => {
    resolve = a;
    reject = b;
  });
  return { promise, resolve, reject };
}

/**
 * `new VODUpload({ userId, region, partSize, parallel, retryCount, retryDuration, timeout,
 * onUploadstarted, onUploadSucceed, onUploadFailed, onUploadProgress, onUploadTokenExpired,
 * onUploadEnd })`. Extra ossup options (e.g. `transport`, `multipartThreshold`) pass through.
 */
export function VODUpload(options = {}) {
  if (!(this instanceof VODUpload)) return new VODUpload(options);
  if (options === null || typeof options !== 'object') {
    throw new OssupError('INVALID_OPTION', 'new VODUpload expects an options object ({ region, onUploadstarted, … })');
  }
  try {
    return setUp.call(this, options);
  } catch (error) {
    throw callerError('new VODUpload: the options', error); // a getter or a Proxy trap threw
  }
}

function setUp(options) {
  const callbacks = {
    started: options.onUploadstarted || noop,
    succeed: options.onUploadSucceed || noop,
    failed: options.onUploadFailed || noop,
    progress: options.onUploadProgress || noop,
    expired: options.onUploadTokenExpired || noop,
    end: options.onUploadEnd || noop,
  };
  const seconds = (value, fallback) => (typeof value === 'number' && value >= 0 ? value * 1000 : fallback);
  const common = {
    region: options.region,
    partSize: options.partSize || 1024 * 1024, // the VOD SDK's default, on every platform
    partConcurrency: options.parallel,
    timeout: options.timeout,
    retry: {
      limit: options.retryCount !== undefined ? options.retryCount : 3,
      delay: seconds(options.retryDuration, 2000),
      backoffLimit: seconds(options.retryDuration, 2000),
      jitter: false,
    },
    transport: options.transport,
    multipartThreshold: options.multipartThreshold,
    checkpointStorage: options.checkpointStorage,
    checkpointDir: options.checkpointDir,
  };
  const list = [];
  let running = false;
  let current = null; // { info, task, auth: deferred, refresh: deferred | null }
  let lastInfo = null;

  const fire = (fn, ...args) => {
    try {
      fn(...args);
    } catch (error) {
      if (typeof console !== 'undefined') console.error('VODUpload: a callback threw', error);
    }
  };

  function uploadOne(info) {
    const job = { info, task: null, auth: deferred(), refresh: null };
    current = job;
    lastInfo = info;
    info.state = 'Uploading';
    // The page answers onUploadstarted with setUploadAuthAndAddress (VOD) or setSTSToken (OSS).
    fire(callbacks.started, info);
    return job.auth.promise.then((given) => {
      if (given.mode === 'skip') return undefined;
      const refreshed = () => {
        job.refresh = deferred();
        fire(callbacks.expired, info);
        return job.refresh.promise;
      };
      let uploader;
      try {
        uploader =
          given.mode === 'vod'
            ? createUploader({
                ...common,
                vodCredentials: async () => given,
                refreshVodCredentials: async () => ({ uploadAuth: await refreshed() }),
              })
            : createUploader({
                ...common,
                bucket: info.bucket,
                endpoint: info.endpoint,
                credentials: (() => {
                  let first = true;
                  return async () => {
                    if (first) {
                      first = false;
                      return given.credentials;
                    }
                    return refreshed();
                  };
                })(),
              });
      } catch (error) {
        info.state = 'Failure';
        fire(callbacks.failed, info, error.code, error.message);
        return undefined;
      }
      const task = uploader.upload([info.file], given.mode === 'vod' ? {} : { key: () => info.object });
      job.task = task;
      task.on('vod', (file, vod) => {
        info.videoId = vod.videoId;
        info.object = vod.key;
      });
      task.on('progress', (e) => {
        if (e.total) fire(callbacks.progress, info, e.total, e.loaded / e.total);
      });
      return task.then(([result]) => {
        if (info.state === 'Canceled') return;
        if (result.status === 'success') {
          info.state = 'Success';
          info.object = result.key;
          info.url = result.url;
          fire(callbacks.succeed, info);
        } else if (result.status === 'canceled') {
          if (info.state !== 'Stoped') info.state = 'Canceled';
        } else {
          info.state = 'Failure';
          fire(callbacks.failed, info, result.error.code, result.error.message);
        }
      });
    });
  }

  let draining = false;
  async function drain() {
    draining = true;
    try {
      for (let info = next(); running && info; info = next()) {
        await uploadOne(info);
        current = null;
      }
    } finally {
      draining = false;
    }
    if (running && lastInfo) {
      running = false;
      fire(callbacks.end, lastInfo);
    }
  }
  const next = () => list.find((i) => i.state === 'Ready');

  const indexed = (index) => {
    const info = list[index];
    if (!info) throw new OssupError('INVALID_OPTION', `no file at index ${index} (the list has ${list.length})`);
    return info;
  };
  const stopCurrent = (info, state) => {
    if (current && current.info === info) {
      info.state = state;
      if (current.task) current.task.cancel();
      else current.auth.resolve({ mode: 'skip' });
    }
  };

  const api = this;
  Object.assign(api, {
    /** Adds a file (a chooseMedia/chooseImage entry, a path, a File). `endpoint`, `bucket`, `object` are for STS mode. */
    addFile(file, endpoint, bucket, object, userData) {
      if (!file) throw new OssupError('INVALID_FILE', 'addFile needs a file');
      list.push({
        file,
        endpoint: endpoint || undefined,
        bucket: bucket || undefined,
        object: object || undefined,
        userData,
        videoId: undefined,
        state: 'Ready',
        isImage: isImage(file),
      });
    },
    deleteFile(index) {
      const info = indexed(index);
      stopCurrent(info, 'Canceled');
      list.splice(index, 1);
    },
    cancelFile(index) {
      const info = indexed(index);
      if (current && current.info === info) stopCurrent(info, 'Canceled');
      else if (info.state === 'Ready' || info.state === 'Stoped') info.state = 'Canceled';
    },
    resumeFile(index) {
      const info = indexed(index);
      if (info.state === 'Canceled' || info.state === 'Failure' || info.state === 'Stoped') info.state = 'Ready';
    },
    listFiles() {
      return list;
    },
    cleanList() {
      if (current) stopCurrent(current.info, 'Canceled');
      list.length = 0;
    },
    /** Starts (or, after stopUpload, continues) uploading the files in state Ready, one at a time. */
    startUpload() {
      running = true;
      if (current && current.paused) {
        current.paused = false;
        current.info.state = 'Uploading';
        current.task.resume();
      }
      if (!draining) drain();
    },
    /** Pauses the current file (its finished parts stay) and starts no other; startUpload() continues. */
    stopUpload() {
      running = false;
      if (current && current.task) {
        current.paused = true;
        current.info.state = 'Stoped';
        current.task.pause();
      }
    },
    setUploadAuthAndAddress(uploadInfo, uploadAuth, uploadAddress, videoId) {
      if (!current || current.info !== uploadInfo) return;
      current.auth.resolve({ mode: 'vod', uploadAuth, uploadAddress, videoId });
    },
    setSTSToken(uploadInfo, accessKeyId, accessKeySecret, securityToken) {
      if (!current || current.info !== uploadInfo) return;
      current.auth.resolve({ mode: 'sts', credentials: { accessKeyId, accessKeySecret, securityToken } });
    },
    resumeUploadWithAuth(uploadAuth) {
      if (current && current.refresh) current.refresh.resolve(uploadAuth);
    },
    resumeUploadWithSTSToken(accessKeyId, accessKeySecret, securityToken, expireTime) {
      if (current && current.refresh)
        current.refresh.resolve({ accessKeyId, accessKeySecret, securityToken, expiration: expireTime });
    },
  });
  return api;
}
