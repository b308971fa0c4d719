// An Alipay page typed by @mini-types/alipay (no lib dom): chooseImage's results go in as they are.
import { createUploader } from 'ossup/wasm2js';

const uploader = createUploader({ bucket: 'b', region: 'cn-hangzhou', signForm: async () => ({}) });

my.chooseImage({
  count: 9,
  success: (res) => {
    uploader.upload(res.apFilePaths);
    uploader.upload(res.tempFiles);
  },
});
