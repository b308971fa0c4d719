// ossup/post: the PostObject-only entry (see entry-post.js). The same declarations as the full
// entry for what it exports; `buildPostForm` takes neither `conditions` nor `expiration` here.
export {
  ready,
  isReady,
  engine,
  now,
  setClockOffset,
  buildPostForm,
  objectKey,
  validateKey,
  normalizePrefix,
  crc64,
  createCrc64,
  OssupError,
  randomSource,
  setRandomSource,
  createUploader,
  bucketUrl,
  objectUrl,
} from './index';
export declare const DEFAULT_WASM_PATH: string;
