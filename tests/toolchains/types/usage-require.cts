// node16 resolution, CommonJS: `require` types (index.d.cts) for every entry.
import { createUploader, crc64 } from 'ossup';
import { VODUpload } from 'ossup/vod';
import { buildPostForm } from 'ossup/post';
import { crc64 as wasm2jsCrc64 } from 'ossup/wasm2js';
import { ready } from 'ossup/miniprogram';

export const uses = [createUploader, crc64, VODUpload, buildPostForm, wasm2jsCrc64, ready];
