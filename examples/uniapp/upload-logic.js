// The upload page's logic, in plain JS so it runs without a Vue compiler (and is tested that
// way in a mini-program sandbox): choose images, upload them straight to OSS with a progress
// list, cancel, and show what arrived. pages/upload/upload.vue passes a reactive state object
// and binds the handlers; this module only mutates that state. Your app server signs each
// upload (signForm → examples/server): no AccessKey ships in the app.
import { ready, createUploader } from 'ossup'; // the build for each target: vite.config.js
import config from './config.js';

const MAX_FILES = 9;
const ACTIVE = ['queued', 'uploading', 'retrying'];

/** The page's state; upload.vue wraps it in reactive(). */
export function initialState() {
  return {
    engine: '',
    files: [], // { id, name, size, percent, state, thumb, url, integrity, error }
    totalPercent: 0,
    uploading: false,
    message: '',
  };
}

const describe = (error) => `${error.code || 'ERROR'}: ${error.message}`;
const baseName = (path) => String(path).split('/').pop();

/** `uni.request` → one signed PostObject form per file: { host, fields, key, expiration }. */
function signFormAt(apiBase) {
  return (file) =>
    new Promise((resolve, reject) => {
      const failWith = (status, body, fallback) => {
        const error = new Error((body && body.message) || fallback);
        if (status) error.status = status; // a 4xx is final, a 5xx is retried
        reject(error);
      };
      uni.request({
        url: `${apiBase}/api/upload-form`,
        method: 'POST',
        header: { 'content-type': 'application/json' },
        data: { name: file.name, size: file.size, contentType: file.contentType },
        success(res) {
          if (res.statusCode === 200) resolve(res.data);
          else failWith(res.statusCode, res.data, `the server answered ${res.statusCode}`);
        },
        fail: (err) => failWith(err.statusCode || err.status, err.data, err.errMsg || 'uni.request failed'),
      });
    });
}

/**
 * Handlers over `state` (from initialState(), reactive or not): `init()` on load, `choose()`
 * on tap, `cancel()`, `cancelFile(index)`, `dispose()` on unload.
 */
export function createUploadLogic(state, { apiBase = config.apiBase } = {}) {
  let uploader = null;
  let task = null;

  async function init() {
    try {
      const { engine } = await ready();
      uploader = createUploader({
        signForm: signFormAt(apiBase),
        accept: ['image/*'],
        maxFileSize: 200 * 1024 * 1024,
        maxFiles: MAX_FILES,
      });
      state.engine = engine;
    } catch (error) {
      state.message = describe(error);
    }
  }

  /** uni.chooseImage, then the upload; resolves to the results (null when the picker was closed). */
  async function choose() {
    if (!uploader || state.uploading) return null;
    let picked;
    try {
      picked = await new Promise((resolve, reject) =>
        uni.chooseImage({ count: MAX_FILES, sourceType: ['album', 'camera'], success: resolve, fail: reject }),
      );
    } catch (error) {
      return null;
    }
    // Mini programs: { path, size } entries; H5: File objects (uni adds `path`, a blob URL).
    const chosen = picked.tempFiles && picked.tempFiles.length ? picked.tempFiles : picked.tempFilePaths;
    return upload(chosen, picked.tempFilePaths || []);
  }

  async function upload(chosen, previews = []) {
    state.files = chosen.map((file, index) => ({
      id: index,
      name: (file && file.name) || baseName(typeof file === 'string' ? file : file.path),
      size: (file && file.size) || 0,
      percent: 0,
      state: 'queued',
      thumb: previews[index] || '',
      url: '',
      integrity: '',
      error: '',
    }));
    state.totalPercent = 0;
    state.uploading = true;
    state.message = '';
    task = uploader.upload(chosen);
    const row = (file) => state.files[file.index];
    task.on('start', (file) => {
      row(file).state = 'uploading';
    });
    task.on('retry', (file) => {
      row(file).state = 'retrying';
    });
    task.on('progress', (event) => {
      row(event.file).percent = Math.floor(event.percent);
      state.totalPercent = Math.floor(event.totalPercent);
    });
    task.on('success', (file, result) => {
      Object.assign(row(file), { state: 'success', percent: 100, url: result.url, integrity: result.integrity });
    });
    task.on('error', (file, error) => {
      if (file) Object.assign(row(file), { state: 'error', error: describe(error) });
    });
    task.on('cancel', (file) => {
      row(file).state = 'canceled';
    });

    let results = [];
    try {
      results = await task;
    } catch (error) {
      state.message = describe(error);
    }
    task = null;
    state.uploading = false;
    const done = results.filter((result) => result.status === 'success').length;
    if (!state.message) state.message = `${done} of ${results.length} uploaded`;
    return results;
  }

  function cancel() {
    if (task) task.cancel();
  }

  function cancelFile(index) {
    if (task && state.files[index] && ACTIVE.includes(state.files[index].state)) task.cancel(index);
  }

  /** Full-screen preview of the uploaded images. */
  function preview(index) {
    const urls = state.files.filter((file) => file.url).map((file) => file.url);
    const current = urls.indexOf(state.files[index] && state.files[index].url);
    if (current >= 0) uni.previewImage({ urls, current });
  }

  return { init, choose, upload, cancel, cancelFile, preview, dispose: cancel };
}
