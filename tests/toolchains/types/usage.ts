// Compiled by tsc --strict in every moduleResolution mode, with and without lib dom
// (tests/node/toolchains-bundlers.test.mjs): every entry, named imports, no DOM types needed.
import { createUploader, crc64, ready, type UploadResult } from 'ossup';
import { VODUpload } from 'ossup/vod';
import { buildPostForm, ready as postReady } from 'ossup/post';
import { crc64 as wasm2jsCrc64 } from 'ossup/wasm2js';
import { createUploader as miniUploader } from 'ossup/miniprogram';

export async function main(): Promise<string[]> {
  await ready({ wasm: new Uint8Array(0) });
  await postReady({ wasmPath: '/miniprogram_npm/ossup/ossup-post.wasm.br' });
  const uploader = createUploader({ bucket: 'b', region: 'cn-hangzhou', signForm: async () => ({}) });
  const results: UploadResult[] = await uploader.upload([
    new Uint8Array(3),
    'wxfile://tmp/a.jpg',
    { path: 'a.jpg', size: 3 },
  ]);
  miniUploader({ bucket: 'b', region: 'cn-hangzhou', signForm: async () => ({}) });
  new VODUpload({ userId: '1' });
  const form = buildPostForm({ accessKeyId: 'a', accessKeySecret: 'b', region: 'cn-hangzhou', bucket: 'b', key: 'k' });
  return [crc64('a'), wasm2jsCrc64(new Uint8Array(1)), form.policy, String(results.length)];
}
