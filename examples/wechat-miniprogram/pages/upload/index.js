// Choose photos and videos, upload them straight to OSS with a progress list, cancel, and show
// what arrived. Your app server signs each upload (signForm → examples/server): the mini
// program never holds an AccessKey. `ossup/miniprogram` is what Tools → Build npm copies into
// miniprogram_npm; its WebAssembly core loads from /miniprogram_npm/ossup/ossup.wasm.br.
const { ready, createUploader } = require('ossup/miniprogram');
const config = require('../../config.js');

const MAX_FILES = 9;
const ACTIVE = ['queued', 'uploading', 'retrying'];

/** One signed PostObject form per file from your server: { host, fields, key, expiration }. */
function signForm(file) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: `${config.apiBase}/api/upload-form`,
      method: 'POST',
      header: { 'content-type': 'application/json' },
      data: { name: file.name, size: file.size, contentType: file.contentType },
      success(res) {
        if (res.statusCode === 200) {
          resolve(res.data);
          return;
        }
        const error = new Error((res.data && res.data.message) || `the server answered ${res.statusCode}`);
        error.status = res.statusCode; // a 4xx is final, a 5xx is retried
        reject(error);
      },
      fail: (err) => reject(new Error(err.errMsg)),
    });
  });
}

/** wx.chooseMedia as a promise (the callback form works on every base library). */
function chooseMedia(options) {
  return new Promise((resolve, reject) => wx.chooseMedia({ ...options, success: resolve, fail: reject }));
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
      const { engine } = await ready();
      this.uploader = createUploader({
        signForm,
        accept: ['image/*', 'video/*'],
        maxFileSize: 200 * 1024 * 1024, // the server refuses bigger files anyway: fail before sending
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

  /** bindtap="choose": the picker, then the upload. Resolves to the upload's results. */
  async choose() {
    if (!this.uploader || this.data.uploading) return null;
    let picked;
    try {
      picked = await chooseMedia({ count: MAX_FILES, mediaType: ['image', 'video'], sourceType: ['album', 'camera'] });
    } catch (error) {
      return null; // the user closed the picker
    }
    return this.upload(picked.tempFiles);
  },

  async upload(tempFiles) {
    this.setData({
      files: tempFiles.map((file, index) => ({
        id: index,
        name: fileName(file.tempFilePath),
        size: file.size,
        percent: 0,
        state: 'queued',
        isVideo: file.fileType === 'video',
        thumb: file.thumbTempFilePath || file.tempFilePath,
        url: '',
        integrity: '',
        error: '',
      })),
      totalPercent: 0,
      uploading: true,
      message: '',
    });
    const row = (file, field) => `files[${file.index}].${field}`;
    const task = this.uploader.upload(tempFiles);
    this.task = task;
    task.on('start', (file) => this.setData({ [row(file, 'state')]: 'uploading' }));
    task.on('retry', (file) => this.setData({ [row(file, 'state')]: 'retrying' }));
    task.on('progress', (event) => {
      // setData crosses to the view thread: send only what changed, in whole percents.
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
      this.setData({ message: describe(error) }); // the whole batch failed (e.g. too many files)
    }
    this.task = null;
    const done = results.filter((result) => result.status === 'success').length;
    this.setData({
      uploading: false,
      message: this.data.message || `${done} of ${results.length} uploaded`,
    });
    return results;
  },

  /** bindtap="cancel": stop everything still uploading. */
  cancel() {
    if (this.task) this.task.cancel();
  },

  /** bindtap="cancelFile" data-index="{{index}}": stop one file. */
  cancelFile(event) {
    const index = Number(event.currentTarget.dataset.index);
    if (this.task && ACTIVE.includes(this.data.files[index].state)) this.task.cancel(index);
  },

  /** bindtap="preview" data-index="{{index}}": the uploaded photos and videos, full screen. */
  preview(event) {
    const index = Number(event.currentTarget.dataset.index);
    const uploaded = this.data.files.filter((file) => file.url);
    const current = uploaded.indexOf(this.data.files[index]);
    if (current < 0) return;
    wx.previewMedia({
      sources: uploaded.map((file) => ({ url: file.url, type: file.isVideo ? 'video' : 'image' })),
      current,
    });
  },
});
