// The CommonJS side of usage.mts: `require` resolves through the "require" conditions.
import ossup = require('ossup');
import post = require('ossup/post');
import miniprogram = require('ossup/miniprogram');
import ossupTaro = require('ossup/taro');

const crc: string = ossup.crc64(new Uint8Array(1));
const form: ossup.PostForm = post.buildPostForm({
  accessKeyId: 'STS.fake-id',
  accessKeySecret: 'fake-secret',
  region: 'cn-hangzhou',
});
// @ts-expect-error ossup/post takes no `conditions`
post.buildPostForm({ accessKeyId: 'a', accessKeySecret: 'b', conditions: [] });
const uploader: ossup.Uploader = miniprogram.createUploader({
  bucket: 'b',
  region: 'cn-hangzhou',
  signForm: async () => ({}),
});

export = { crc, form, uploader };

// Taro calls its plugin with the build context.
ossupTaro({ modifyWebpackChain: () => {} });
// @ts-expect-error Taro's plugin needs the context
ossupTaro();
