// The page's logic: choose images, upload them straight to OSS, report each file's state.
// `import … from 'ossup'` is the only ossup line: ossup/taro (config/index.js) gives weapp the
// WXWebAssembly build (and puts its core in dist/) and h5 the browser build.
import Taro from '@tarojs/taro';
import { ready, createUploader } from 'ossup';

export const API_BASE = 'http://127.0.0.1:3000';

/** `Taro.request` → one signed PostObject form per file (tests/node: examples/server's API). */
const signFormAt = (apiBase) => async (file) => {
  const res = await Taro.request({
    url: `${apiBase}/api/upload-form`,
    method: 'POST',
    header: { 'content-type': 'application/json' },
    data: { name: file.name, size: file.size, contentType: file.contentType },
  });
  if (res.statusCode !== 200)
    throw Object.assign(new Error(`the server answered ${res.statusCode}`), { status: res.statusCode });
  return res.data;
};

export function createUploadLogic(onChange, { apiBase = API_BASE } = {}) {
  let uploader = null;
  const state = { engine: '', message: '', files: [] };
  const changed = () => onChange({ ...state, files: state.files.map((f) => ({ ...f })) });

  async function init() {
    try {
      state.engine = (await ready()).engine;
      uploader = createUploader({ signForm: signFormAt(apiBase), accept: ['image/*'], maxFiles: 9 });
    } catch (error) {
      state.message = `${error.code || 'ERROR'}: ${error.message}`;
    }
    changed();
  }

  async function choose() {
    if (!uploader) return null;
    const picked = await Taro.chooseImage({ count: 9 });
    // Mini programs: { path, size }; H5: File objects in `originalFileObj`.
    const files = picked.tempFiles.map((f) => f.originalFileObj || f);
    state.files = files.map((f) => ({ name: f.name || String(f.path).split('/').pop(), state: 'queued', key: '' }));
    changed();
    const results = await uploader.upload(files);
    results.forEach((r, i) =>
      Object.assign(state.files[i], { state: r.status, key: r.key || '', integrity: r.integrity || '' }),
    );
    state.message = `${results.filter((r) => r.status === 'success').length} of ${results.length} uploaded`;
    changed();
    return results;
  }

  return { init, choose };
}
