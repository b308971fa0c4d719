// A WeChat page typed by miniprogram-api-typings (no lib dom): chooseMedia's files go in as they are.
import { createUploader } from 'ossup/miniprogram';

const uploader = createUploader({ bucket: 'b', region: 'cn-hangzhou', signForm: async () => ({}) });

wx.chooseMedia({
  count: 9,
  success: (res) => {
    uploader.upload(res.tempFiles);
    uploader.upload(res.tempFiles[0]);
    uploader.upload(res);
  },
});
wx.chooseImage({ success: (res) => uploader.upload(res.tempFiles) });
wx.chooseMessageFile({ count: 1, success: (res) => uploader.upload(res.tempFiles) });
