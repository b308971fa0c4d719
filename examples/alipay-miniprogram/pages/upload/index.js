// The WeChat example's page for Alipay: choose photos (my.chooseImage) or a video
// (my.chooseVideo), upload them straight to OSS with a progress list, cancel, and show what
// arrived. Alipay's logic layer has no WebAssembly, so this uses `ossup/wasm2js`: the same core
// compiled to plain JavaScript, ready on require. my.uploadFile needs `fileName` and a
// `fileType` of image/video/audio: ossup sets both from each file's type.
const { ready, createUploader } = require('ossup/wasm2js');
const config = require('../../config.js');

const MAX_FILES = 9;
const ACTIVE = ['queued', 'uploading', 'retrying'];

/** One signed PostObject form per file from your server: { host, fields, key, expiration }. */
function signForm(file) {
  return new Promise((resolve, reject) => {
    my.request({
      url: `${config.apiBase}/api/upload-form`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      data: JSON.stringify({ name: file.name, size: file.size, contentType: file.contentType }),
      dataType: 'json',
      success: (res) => resolve(res.data),
      // Alipay fails every HTTP status ≥ 400 (error 19) with the answer attached.
      fail(err) {
        const message = (err.data && err.data.message) || err.errorMessage || `my.request failed (${err.error})`;
        const error = new Error(message);
        if (err.status) error.status = err.status; // a 4xx is final, a 5xx is retried
        reject(error);
      },
    });
  });
}

/** An Alipay API as a promise. */
function call(api, options) {
  return new Promise((resolve, reject) => my[api]({ ...options, success: resolve, fail: reject }));
}

const describe = (error) => `${error.code || 'ERROR'}: ${error.message}`;
const fileName = (path) => String(path).split('/').pop();

Page({
  data: {
    engine: '',
    files: [], // { id, name, size, percent, state, isVideo, thumb, url, integrity, error }
    totalPercent: 0,
    uploading: false,
    message: '',
  },

  async onLoad() {
    try {
      const { engine } = await ready(); // 'wasm2js': nothing to fetch
      this.uploader = createUploader({
        signForm,
        accept: ['image/*', 'video/*'],
        maxFileSize: 200 * 1024 * 1024,
        maxFiles: MAX_FILES,
      });
      this.setData({ engine });
    } catch (error) {
      this.setData({ message: describe(error) });
    }
  },

  onUnload() {
    if (this.task) this.task.cancel();
  },

  /** onTap="choose": photos from the album or the camera. */
  async choose() {
    if (!this.uploader || this.data.uploading) return null;
    let picked;
    try {
      picked = await call('chooseImage', { count: MAX_FILES, sourceType: ['album', 'camera'] });
    } catch (error) {
      return null; // the user closed the picker
    }
    const paths = picked.apFilePaths || picked.tempFilePaths || [];
    return this.upload(paths.map((path) => ({ path, isVideo: false })));
  },

  /** onTap="chooseVideo": one video; my.uploadFile gets fileType 'video'. */
  async chooseVideo() {
    if (!this.uploader || this.data.uploading) return null;
    let picked;
    try {
      picked = await call('chooseVideo', { sourceType: ['album', 'camera'] });
    } catch (error) {
      return null;
    }
    return this.upload([{ path: picked.tempFilePath || picked.filePath, size: picked.size, isVideo: true }]);
  },

  async upload(chosen) {
    this.setData({
      files: chosen.map((file, index) => ({
        id: index,
        name: fileName(file.path),
        size: file.size || 0,
        percent: 0,
        state: 'queued',
        isVideo: file.isVideo,
        thumb: file.isVideo ? '' : file.path,
        url: '',
        integrity: '',
        error: '',
      })),
      totalPercent: 0,
      uploading: true,
      message: '',
    });
    const row = (file, field) => `files[${file.index}].${field}`;
    // Paths alone are enough: ossup asks my.getFileInfo for sizes it is not given.
    const task = this.uploader.upload(
      chosen.map((file) => (file.size ? { path: file.path, size: file.size } : file.path)),
    );
    this.task = task;
    task.on('start', (file) => this.setData({ [row(file, 'state')]: 'uploading', [row(file, 'size')]: file.size }));
    task.on('retry', (file) => this.setData({ [row(file, 'state')]: 'retrying' }));
    task.on('progress', (event) => {
      const patch = {};
      const percent = Math.floor(event.percent);
      const total = Math.floor(event.totalPercent);
      if (percent !== this.data.files[event.file.index].percent) patch[row(event.file, 'percent')] = percent;
      if (total !== this.data.totalPercent) patch.totalPercent = total;
      if (Object.keys(patch).length) this.setData(patch);
    });
    task.on('success', (file, result) =>
      this.setData({
        [row(file, 'state')]: 'success',
        [row(file, 'percent')]: 100,
        [row(file, 'url')]: result.url,
        [row(file, 'integrity')]: result.integrity, // 'verified': OSS's CRC-64 matches the file's
      }),
    );
    task.on('error', (file, error) => {
      if (file) this.setData({ [row(file, 'state')]: 'error', [row(file, 'error')]: describe(error) });
    });
    task.on('cancel', (file) => this.setData({ [row(file, 'state')]: 'canceled' }));

    let results = [];
    try {
      results = await task;
    } catch (error) {
      this.setData({ message: describe(error) });
    }
    this.task = null;
    const done = results.filter((result) => result.status === 'success').length;
    this.setData({
      uploading: false,
      message: this.data.message || `${done} of ${results.length} uploaded`,
    });
    return results;
  },

  /** onTap="cancel": stop everything still uploading. */
  cancel() {
    if (this.task) this.task.cancel();
  },

  /** onTap="cancelFile" data-index="{{index}}": stop one file. */
  cancelFile(event) {
    const index = Number(event.target.dataset.index);
    if (this.task && ACTIVE.includes(this.data.files[index].state)) this.task.cancel(index);
  },

  /** onTap="preview" data-index="{{index}}": the uploaded photos, full screen. */
  preview(event) {
    const index = Number(event.target.dataset.index);
    const urls = this.data.files.filter((file) => file.url && !file.isVideo).map((file) => file.url);
    const current = urls.indexOf(this.data.files[index].url);
    if (current >= 0) my.previewImage({ urls, current });
  },
});
