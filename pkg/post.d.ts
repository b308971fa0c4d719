// ossup/post: the PostObject-only entry (see entry-post.js). The same declarations as the full
// entry for what it exports, but `buildPostForm`, which takes neither `conditions` nor
// `expiration` here (custom policies: use the full entry).
import type { PostForm, PostFormOptions } from './index.js';

export function buildPostForm(options: Omit<PostFormOptions, 'conditions' | 'expiration'>): PostForm;
export {
  ready,
  isReady,
  engine,
  now,
  setClockOffset,
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
} from './index.js';
export declare const DEFAULT_WASM_PATH: string;
