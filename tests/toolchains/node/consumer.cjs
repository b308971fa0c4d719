// Node CommonJS: the same as consumer.mjs through require().
const { readFileSync } = require('node:fs');
const { createUploader, crc64, engine } = require('ossup');
const { VODUpload, crc64: vodCrc64 } = require('ossup/vod');
const { ready: postReady, crc64: postCrc64, buildPostForm } = require('ossup/post');
const { crc64: wasm2jsCrc64, engine: wasm2jsEngine } = require('ossup/wasm2js');
const { ready: miniReady, createUploader: miniUploader, DEFAULT_WASM_PATH } = require('ossup/miniprogram');

(async () => {
  await postReady({ wasm: readFileSync(require.resolve('ossup/ossup-post.wasm')) });
  const { BUCKET, REGION, ENDPOINT, STS } = process.env;
  const uploader = createUploader({
    bucket: BUCKET,
    region: REGION,
    endpoint: ENDPOINT,
    keyPrefix: 'node-cjs',
    credentials: async () => JSON.parse(STS),
  });
  const [result] = await uploader.upload(process.argv[2]);
  console.log(
    JSON.stringify({
      engines: [engine(), wasm2jsEngine()],
      crc64: [crc64('ossup'), vodCrc64('ossup'), postCrc64('ossup'), wasm2jsCrc64('ossup')],
      functions: [VODUpload, buildPostForm, miniReady, miniUploader].map((f) => typeof f),
      DEFAULT_WASM_PATH,
      upload: {
        status: result.status,
        key: result.key,
        integrity: result.integrity,
        error: result.error && result.error.message,
      },
    }),
  );
})();
