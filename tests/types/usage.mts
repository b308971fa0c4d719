// Compiled by tests/node/types.test.mjs (tsc, strict, Node16 resolution through package.json's
// "exports"), never run. Each `@ts-expect-error` must be an error: an unused one fails too.
import {
  buildPostForm,
  createCrc64,
  createUploader,
  crc64,
  OssupError,
  ready,
  signPostPolicyV4,
  type PostForm,
  type ProgressEvent,
  type UploadResult,
} from 'ossup';
import * as post from 'ossup/post';
import * as miniprogram from 'ossup/miniprogram';
import * as vod from 'ossup/vod';
import * as wasm2js from 'ossup/wasm2js';
import ossupUni from 'ossup/uni';

const form: PostForm = buildPostForm({
  accessKeyId: 'STS.fake-id',
  accessKeySecret: 'fake-secret',
  securityToken: 'fake-token',
  region: 'cn-hangzhou',
  bucket: 'examplebucket',
  key: 'photos/a.jpg',
  conditions: [['content-length-range', 1, 1024], { 'x-oss-meta-uid': '42' }],
});
const fields: Record<string, string> = form.fields;

// The key's extension from the pinned type (issue 23): ….png whatever the file was called.
const pngKey: string = post.objectKey({ prefix: 'users/42', name: 'a.html', contentType: 'image/png' });

// ossup/post: the same form without custom conditions.
const postForm: PostForm = post.buildPostForm({
  accessKeyId: 'STS.fake-id',
  accessKeySecret: 'fake-secret',
  securityToken: 'fake-token',
  region: 'cn-hangzhou',
  bucket: 'examplebucket',
  key: 'photos/a.jpg',
  contentLengthRange: [1, 1024],
});
// @ts-expect-error ossup/post takes no `conditions` (custom policies go through the full entry)
post.buildPostForm({ accessKeyId: 'a', accessKeySecret: 'b', conditions: [] });
// @ts-expect-error ossup/post has no header signatures
post.signRequestV4({ accessKeyId: 'a', accessKeySecret: 'b', method: 'PUT', region: 'cn-hangzhou' });
const postCrc: string = post.crc64(new Uint8Array([1, 2, 3]));
const postUploader = post.createUploader({ bucket: 'b', region: 'cn-hangzhou', signForm: async () => ({}) });

const signature: string = signPostPolicyV4({
  accessKeySecret: 's',
  region: 'cn-hangzhou',
  date: '20261202',
  policy: 'e30=',
});
const crc: string = crc64(new Uint8Array(4));
const streamed: string = createCrc64(crc).update('more').update(new ArrayBuffer(2)).digest();
// @ts-expect-error a CRC-64 is a decimal string, not a number (64 bits do not fit one)
crc64(new Uint8Array(1), 42);

const uploader = createUploader({
  bucket: 'examplebucket',
  region: 'cn-hangzhou',
  credentials: async () => ({
    accessKeyId: 'STS.fake-id',
    accessKeySecret: 'fake-secret',
    securityToken: 'fake-token',
  }),
  retry: { limit: 3 },
});
const task = uploader.upload([new Uint8Array(3), { path: 'wxfile://tmp/a.jpg', size: 3 }]);
task.on('progress', (event: ProgressEvent) => {
  const percent: number = event.percent;
});
const settled: PromiseLike<UploadResult[]> = task;
// @ts-expect-error a misspelt option is an error
createUploader({ bucket: 'b', bukcet: 'typo' });
// @ts-expect-error the permanent-key opt-in is a boolean
createUploader({ accessKeyId: 'a', accessKeySecret: 'b', dangerouslyAllowPermanentKey: 'yes' });

const engine: Promise<{ engine: 'WebAssembly' | 'WXWebAssembly' | 'TTWebAssembly' | 'wasm2js' }> = ready();
const failure = new OssupError('message');
const code: string = failure.code;

// The other entries export the same API.
const fromMiniprogram: typeof createUploader = miniprogram.createUploader;
const fromVod: typeof vod.VODUpload = vod.VODUpload;
const fromWasm2js: typeof crc64 = wasm2js.crc64;

export {
  fields,
  postForm,
  postCrc,
  postUploader,
  signature,
  streamed,
  settled,
  engine,
  code,
  fromMiniprogram,
  fromVod,
  fromWasm2js,
};

// The framework plugins: uni-app's is called in vite.config; Taro's is named as a string.
const uniPlugin: { name: string; enforce: 'pre' } = ossupUni();
// @ts-expect-error the uni-app plugin takes no options
ossupUni({ platform: 'mp-weixin' });
void uniPlugin;
