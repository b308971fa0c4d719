// Node ESM: named imports from every entry; uploads the file named on the command line with
// ossup (Node's transport) and prints what each entry computed.
import { readFileSync } from 'node:fs';
import { createUploader, crc64, engine } from 'ossup';
import { VODUpload, crc64 as vodCrc64 } from 'ossup/vod';
import { ready as postReady, crc64 as postCrc64, buildPostForm } from 'ossup/post';
import { crc64 as wasm2jsCrc64, engine as wasm2jsEngine } from 'ossup/wasm2js';
import { ready as miniReady, createUploader as miniUploader, DEFAULT_WASM_PATH } from 'ossup/miniprogram';

await postReady({ wasm: readFileSync(new URL(import.meta.resolve('ossup/ossup-post.wasm'))) });
const { BUCKET, REGION, ENDPOINT, STS } = process.env;
const uploader = createUploader({
  bucket: BUCKET,
  region: REGION,
  endpoint: ENDPOINT,
  keyPrefix: 'node-esm',
  credentials: async () => JSON.parse(STS),
});
const [result] = await uploader.upload(process.argv[2]);
console.log(
  JSON.stringify({
    engines: [engine(), wasm2jsEngine()],
    crc64: [crc64('ossup'), vodCrc64('ossup'), postCrc64('ossup'), wasm2jsCrc64('ossup')],
    functions: [VODUpload, buildPostForm, miniReady, miniUploader].map((f) => typeof f),
    DEFAULT_WASM_PATH,
    upload: { status: result.status, key: result.key, integrity: result.integrity, error: result.error?.message },
  }),
);
