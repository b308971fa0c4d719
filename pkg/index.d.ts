// Types for ossup. Every entry (Node, browser, ossup/miniprogram, ossup/wasm2js, ossup/vod)
// exports this same API.

/** Every error ossup throws or reports. `code` is stable; OSS answers keep OSS's own Code. */
export declare class OssupError extends Error {
  name: 'OssupError';
  code: string;
  /** HTTP status of an OSS answer. */
  status?: number;
  /** OSS's `<Code>`, `<Message>`, `<RequestId>`, `<EC>`. */
  ossCode?: string;
  ossMessage?: string;
  requestId?: string;
  ec?: string;
  /** What to do about it, in plain words. */
  hint?: string;
  /**
   * The StringToSign OSS computed (SignatureDoesNotMatch). As in every string of an OssupError,
   * security tokens, secrets and signatures in it read `[redacted]`.
   */
  stringToSign?: string;
  /** Whether trying again may succeed. */
  retryable?: boolean;
  cause?: unknown;
  /** The fields above and `message`, redacted, for logs (`JSON.stringify(error)`). */
  toJSON(): Record<string, unknown>;
}

export type Bytes = Uint8Array | ArrayBuffer | ArrayBufferView;

/** OSS policy conditions in the forms OSS documents. */
export type Condition =
  | { [field: string]: string }
  | ['eq' | 'starts-with', string, string]
  | ['in' | 'not-in', string, string[]]
  | ['content-length-range', number, number];

export interface EngineInfo {
  engine: 'WebAssembly' | 'WXWebAssembly' | 'TTWebAssembly' | 'wasm2js';
}

// Structural stand-ins for DOM types, so the declarations compile without `lib: dom`
// (mini-program projects cannot add it: it clashes with their platform typings).

/** What ossup reads of a `File` or `Blob`. */
export interface BlobLike {
  readonly size: number;
  readonly type: string;
  readonly name?: string;
  slice(start?: number, end?: number, contentType?: string): unknown;
}

/** A `URL` object. */
export interface UrlLike {
  readonly href: string;
}

/** A fetch `Response`. */
export interface ResponseLike {
  readonly ok: boolean;
  readonly status: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** `WebAssembly.Module` where a lib declares it (DOM or Node types), otherwise nothing. */
export type WasmModule = typeof globalThis extends { WebAssembly: { Module: abstract new (...args: any[]) => infer M } }
  ? M
  : never;

export interface ReadyOptions {
  /** Browsers: where ossup.wasm is (URL, Response, bytes or a compiled module). */
  wasm?: string | UrlLike | ResponseLike | PromiseLike<ResponseLike> | Bytes | WasmModule;
  /** WeChat/Douyin: the package path of ossup.wasm.br (default /miniprogram_npm/ossup/ossup.wasm.br). */
  wasmPath?: string;
}

/** Loads the core once (Node: already loaded on import) and fills the random pool. */
export function ready(options?: ReadyOptions): Promise<EngineInfo>;
export function isReady(): boolean;
export function engine(): EngineInfo['engine'] | null;
/** The signing clock: Date.now() plus the offset learned from OSS's Date header. */
export function now(): number;
export function setClockOffset(ms: number): void;
export function randomSource():
  'crypto.getRandomValues' | 'wx.getRandomValues' | 'tt.getRandomValues' | 'custom' | 'insecure' | string;
export function setRandomSource(bytes: (length: number) => Uint8Array, name?: string): void;
export function coreVersion(): string;

// ---- PostObject forms and policies ----

export interface CallbackOptions {
  callbackUrl: string;
  callbackBody: string;
  callbackHost?: string;
  callbackBodyType?: 'application/x-www-form-urlencoded' | 'application/json';
  callbackSNI?: boolean;
}

export interface PostFormOptions {
  /** 'v4' (default, recommended) or 'v1'. */
  version?: 'v4' | 'v1';
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  /** Region ID such as cn-hangzhou (`oss-` prefix accepted). Required for V4. */
  region?: string;
  bucket?: string;
  /** The exact key (pinned by the policy). */
  key?: string;
  /** Allow any key under this folder instead. */
  keyPrefix?: string;
  /** Milliseconds since 1970; default: the signing clock. */
  now?: number;
  /** ISO-8601 text or milliseconds. */
  expiration?: string | number;
  /** Seconds from now (default 900). */
  expiresIn?: number;
  contentLengthRange?: [number, number];
  /**
   * `Content-Type` and `x-oss-content-type` of the object, both pinned; default: the type of the
   * key's extension, or `application/octet-stream`. A fixed key whose extension belongs to
   * another type is refused (KEY_TYPE_MISMATCH).
   */
  contentType?: string;
  /** Types the poster may choose from per file (`in` on both type fields; the poster sends both). */
  contentTypes?: string[];
  successActionStatus?: 200 | 201 | 204;
  /** Default true: a second upload to the key fails with 409 FileAlreadyExists. */
  forbidOverwrite?: boolean;
  /**
   * Other object headers as fields, each pinned. Every form pins `Content-Disposition`
   * (default `inline`), `Cache-Control`, `Content-Encoding` and `Expires` (default empty: not
   * set) whether given or not; `x-oss-object-acl`, `x-oss-tagging`, `x-oss-storage-class` and
   * `x-oss-server-side-encryption[-key-id]` only when given here (sign with a key that may only
   * `oss:PutObject`, so OSS refuses a client's own ACL or tags: docs/security.md).
   */
  headers?: Record<string, string>;
  /** User metadata: `name` → field `x-oss-meta-name`. */
  meta?: Record<string, string>;
  callback?: string | CallbackOptions;
  /** Callback variables such as `{ 'x:uid': '42' }`. */
  callbackVar?: Record<string, string>;
  conditions?: Condition[];
}

export interface PostForm {
  /** The fields in order; post them, then the file last as `file`. */
  fields: Record<string, string>;
  /** The policy JSON that was signed. */
  policy: string;
  /** ISO-8601 expiry. */
  expiration: string;
}

export function buildPostForm(options: PostFormOptions): PostForm;
export function buildPolicy(options: {
  conditions: Condition[];
  expiration?: string | number;
  expiresIn?: number;
  now?: number;
}): string;
export function encodePolicy(policyJson: string): string;
export function signPostPolicyV1(options: { accessKeySecret: string; policy: string }): string;
export function signPostPolicyV4(options: {
  accessKeySecret: string;
  region: string;
  date: string;
  policy: string;
}): string;

// ---- header signatures ----

export interface RequestToSign {
  accessKeyId: string;
  accessKeySecret: string;
  method: string;
  bucket?: string;
  key?: string;
  headers?: Record<string, string>;
  query?: Record<string, string | number | null>;
}

export function signRequestV1(options: RequestToSign): string;
export function signRequestV4(options: RequestToSign & { region: string; additionalHeaders?: string[] }): string;
export function explainRequestSignature(
  version: 'v1' | 'v4',
  options: RequestToSign & { region?: string; additionalHeaders?: string[] },
): { authorization: string; stringToSign: string; canonicalRequest?: string };
/** Headers to send for a header-signed request, Authorization included (for `signRequest` on your server). */
export function signHeaders(
  options: RequestToSign & { securityToken?: string; region?: string; version?: 'v4' | 'v1'; now?: number },
): Record<string, string>;
/** The upload host: `https://bucket.oss-region.aliyuncs.com`; a local or `cname` endpoint is used as given. */
export function bucketUrl(options: {
  bucket?: string;
  region?: string;
  endpoint?: string;
  cname?: boolean;
  secure?: boolean;
}): string;
/** The URL of an object: each key segment percent-encoded. */
export function objectUrl(base: string, key: string): string;
export function formatDates(now?: number): { iso: string; date: string; dateTime: string; http: string };

// ---- callbacks, keys, checksums ----

export function encodeCallback(callback: string | CallbackOptions): string;
export function encodeCallbackVar(vars: Record<string, string>): string;
/**
 * `prefix/yyyy/mm/dd/<ms>-<16 hex>.<ext>` from 64 secure random bits. With `contentType` the
 * extension comes from the type (`image/png` → `.png`, whatever `name` says), so the key agrees
 * with the type `buildPostForm` pins; without it, from `name`.
 */
export function objectKey(options?: {
  prefix?: string;
  name?: string;
  contentType?: string;
  now?: number;
  dateFolders?: boolean;
}): string;
export function validateKey(key: string): string;
export function normalizePrefix(prefix: string): string;
/** CRC-64/XZ as a decimal string (`x-oss-hash-crc64ecma`). */
export function crc64(data: Bytes | string, previous?: string): string;
export function crc64Combine(crcA: string, crcB: string, lengthB: number): string;
export function createCrc64(previous?: string): {
  update(data: Bytes | string): ReturnType<typeof createCrc64>;
  digest(): string;
};
export function md5Base64(data: Bytes | string): string;
export function md5Hex(data: Bytes | string): string;
export function createMd5(): {
  update(data: Bytes | string): ReturnType<typeof createMd5>;
  digest(encoding?: 'base64' | 'hex'): string;
};

// ---- the uploader ----

/**
 * A path, a chooseImage/chooseMedia entry (`wx.chooseMedia`'s `tempFiles`, `my.chooseImage`'s
 * `apFilePaths`), a File/Blob, or bytes with a name.
 */
export type UploadInput =
  | string
  | BlobLike
  | Bytes
  | {
      path?: string;
      tempFilePath?: string;
      filePath?: string;
      apFilePath?: string;
      size?: number;
      name?: string;
      type?: string;
      data?: Bytes;
      file?: BlobLike;
    };

export interface RetryOptions {
  limit?: number;
  delay?: number;
  backoffLimit?: number;
  jitter?: boolean;
  statusCodes?: number[];
  shouldRetry?: (error: OssupError, attempt: number) => boolean;
}

export interface StsCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  /** ISO-8601 or ms; refreshed shortly before. */
  expiration?: string | number | Date;
}

export interface VodCredentials {
  uploadAddress: string;
  uploadAuth: string;
  videoId?: string;
}

export interface UploaderOptions {
  bucket?: string;
  region?: string;
  /** Host such as oss-cn-hangzhou.aliyuncs.com; an IP or localhost host is used as given. */
  endpoint?: string;
  cname?: boolean;
  secure?: boolean;
  keyPrefix?: string;
  /** Recommended: your server signs each form. */
  signForm?: (request: {
    key: string;
    name: string;
    size: number;
    contentType: string;
  }) => Promise<Record<string, string> | { host?: string; url?: string; fields: Record<string, string> }>;
  /** Server-signed mode, many files per request: your server signs a form for each file asked (up to 20, in order); the uploader asks for the next files' forms ahead (instead of, or beside, signForm). */
  signForms?: (
    requests: { key: string; name: string; size: number; contentType: string }[],
  ) => Promise<(Record<string, string> | { host?: string; url?: string; fields: Record<string, string> })[]>;
  /** Server-signed mode for multipart: your server returns the headers (see signHeaders). */
  signRequest?: (request: {
    method: string;
    bucket?: string;
    region?: string;
    key: string;
    query: Record<string, string | null>;
    headers: Record<string, string>;
  }) => Promise<Record<string, string>>;
  /** STS temporary credentials; refreshed once for all uploads when they expire. */
  credentials?: () => Promise<StsCredentials>;
  /** ApsaraVideo VOD: one address and auth per file. */
  vodCredentials?: (file: { name: string; size: number; type: string; index: number }) => Promise<VodCredentials>;
  refreshVodCredentials?: (request: { videoId?: string }) => Promise<string | { uploadAuth: string }>;
  /** A permanent key in a client: refused unless dangerouslyAllowPermanentKey is true. */
  accessKeyId?: string;
  accessKeySecret?: string;
  dangerouslyAllowPermanentKey?: boolean;
  signatureVersion?: 'v4' | 'v1';
  /** A fixed number of requests in flight across all files and parts, instead of the adaptive one (at most `maxConcurrency`). */
  concurrency?: number;
  /** The most requests in flight across all files and parts: the adaptive concurrency starts at 8 (all queued files, if fewer than this) and adds one while throughput grows (default 16 in Node, 6 in browsers, 8 in mini programs: WeChat allows 10 in total, shared with your app). */
  maxConcurrency?: number;
  /** The former name of `maxConcurrency`. */
  maxRequests?: number;
  /** Abort and resend (on a new connection) a request that sent nothing for this many ms (default 15000; 0: off). Mini-program header-signed requests report no progress and keep only `timeout`. */
  stallTimeout?: number;
  /** Seconds a form the client signs (STS, permanent key) stays valid (default 900, never past the credentials' expiry). */
  formExpiresIn?: number;
  /** STS: refresh credentials this many ms before `expiration` (default 60000). */
  refreshBeforeExpiry?: number;
  retry?: number | false | RetryOptions;
  /** Per request, ms (mini programs: 60 s WeChat, 30 s Alipay). */
  timeout?: number;
  minFileSize?: number;
  maxFileSize?: number;
  maxFiles?: number;
  /** MIME types, `image/*` or `.ext`. */
  accept?: string[];
  forbidOverwrite?: boolean;
  /** Compare OSS's CRC-64 with the file's (default true). */
  integrity?: boolean;
  /** Files this big or bigger go up in parts (default 8 MiB). */
  multipartThreshold?: number;
  /** Bytes per part (default: 16 parts per flow of `maxConcurrency`, at least 256 KiB, at most 5 MiB in Node and browsers and 1 MiB in mini programs, and a quarter of `timeout` at the measured rate; always grown so a file fits in 10,000 parts; a resumed upload keeps its part size). */
  partSize?: number;
  /** The most parts of one file in flight at once (default: no limit of its own, within the concurrency). */
  partConcurrency?: number;
  resume?: boolean;
  /** Node: the checkpoint folder (default: `$XDG_STATE_HOME/ossup`, `~/.local/state/ossup`, else `<tmpdir>/ossup-<uid>`); a symlink or another user's folder is not used. */
  checkpointDir?: string;
  checkpointStorage?: {
    get(key: string): string | null;
    set(key: string, value: string): void;
    remove(key: string): void;
  };
  checkpointMaxAge?: number;
  meta?: Record<string, string>;
  headers?: Record<string, string>;
  callback?: string | CallbackOptions;
  callbackVar?: Record<string, string>;
  transport?: unknown;
}

export interface UploadedFile {
  status: 'success';
  key: string;
  url: string;
  etag?: string;
  crc64?: string;
  size: number;
  name: string;
  integrity: 'verified' | 'unverified';
  /** What protected the bytes: OSS's CRC-64, Content-MD5 on every part, a PostObject's ETag vs the file's MD5, or nothing. */
  check: 'crc64' | 'content-md5' | 'etag-md5' | 'none';
  recovered?: boolean;
  callbackBody?: string;
  callbackError?: { code?: string; message?: string };
  multipart?: { uploadId: string; parts: number; partSize: number; resumedParts: number };
}

export interface FailedFile {
  status: 'error' | 'canceled';
  name?: string;
  error: OssupError;
}

export type UploadResult = UploadedFile | FailedFile;

export interface TaskFile {
  index: number;
  name?: string;
  size?: number;
  state: 'queued' | 'uploading' | 'retrying' | 'success' | 'error' | 'canceled';
  error?: OssupError;
  cancel(): void;
}

export interface ProgressEvent {
  file: TaskFile;
  loaded: number;
  total: number;
  percent: number;
  speed: number;
  totalLoaded: number;
  totalBytes: number;
  totalPercent: number;
  totalSpeed: number;
}

export interface UploadTask extends PromiseLike<UploadResult[]> {
  files: TaskFile[];
  on(event: 'progress', listener: (event: ProgressEvent) => void): UploadTask;
  on(event: 'start', listener: (file: TaskFile) => void): UploadTask;
  on(event: 'success', listener: (file: TaskFile, result: UploadedFile) => void): UploadTask;
  on(event: 'error', listener: (file: TaskFile | null, error: OssupError) => void): UploadTask;
  on(event: 'cancel', listener: (file: TaskFile) => void): UploadTask;
  on(
    event: 'retry',
    listener: (file: TaskFile, info: { attempt: number; delay: number; error: OssupError; reason?: string }) => void,
  ): UploadTask;
  on(
    event: 'multipart',
    listener: (
      file: TaskFile,
      info: { uploadId: string; key: string; parts: number; partSize: number; resumedParts: number },
    ) => void,
  ): UploadTask;
  on(
    event: 'complete',
    listener: (summary: {
      successful: UploadedFile[];
      failed: FailedFile[];
      canceled: FailedFile[];
      results: UploadResult[];
    }) => void,
  ): UploadTask;
  on(event: string, listener: (...args: any[]) => void): UploadTask;
  off(event: string, listener: (...args: any[]) => void): UploadTask;
  once(event: string, listener: (...args: any[]) => void): UploadTask;
  /** Cancel everything, one file (index or TaskFile). */
  cancel(file?: number | TaskFile): void;
  pause(): void;
  resume(): void;
  catch<T = never>(onRejected: (error: OssupError) => T | PromiseLike<T>): Promise<UploadResult[] | T>;
  finally(onFinally: () => void): Promise<UploadResult[]>;
}

export interface Uploader {
  upload(
    files: UploadInput | UploadInput[] | { tempFiles: UploadInput[] },
    options?: {
      key?: (file: { name: string; size: number; type: string }, index: number) => string;
      meta?: Record<string, string>;
      headers?: Record<string, string>;
      callback?: string | CallbackOptions;
      callbackVar?: Record<string, string>;
    },
  ): UploadTask;
  credentialMode: 'signForm' | 'credentials' | 'permanent' | 'vod';
}

export function createUploader(options: UploaderOptions): Uploader;

// ---- VOD ----

export function decodeUploadAddress(uploadAddress: string): { endpoint: string; bucket: string; key: string };
export function decodeUploadAuth(
  uploadAuth: string,
  now?: number,
): StsCredentials & { region?: string; expiration: string };

export interface VodUploadInfo {
  file: any;
  endpoint?: string;
  bucket?: string;
  object?: string;
  videoId?: string;
  userData?: string;
  url?: string;
  state: 'Ready' | 'Uploading' | 'Success' | 'Failure' | 'Canceled' | 'Stoped';
  isImage: boolean;
}

export interface VODUploadOptions {
  userId?: string;
  region?: string;
  partSize?: number;
  parallel?: number;
  retryCount?: number;
  /** Seconds between retries. */
  retryDuration?: number;
  timeout?: number;
  onUploadstarted?: (uploadInfo: VodUploadInfo) => void;
  onUploadSucceed?: (uploadInfo: VodUploadInfo) => void;
  onUploadFailed?: (uploadInfo: VodUploadInfo, code: string, message: string) => void;
  onUploadProgress?: (uploadInfo: VodUploadInfo, totalSize: number, loadedPercent: number) => void;
  onUploadTokenExpired?: (uploadInfo: VodUploadInfo) => void;
  onUploadEnd?: (uploadInfo: VodUploadInfo) => void;
  [more: string]: unknown;
}

export declare class VODUpload {
  constructor(options?: VODUploadOptions);
  addFile(file: any, endpoint?: string | null, bucket?: string | null, object?: string | null, userData?: string): void;
  deleteFile(index: number): void;
  cancelFile(index: number): void;
  resumeFile(index: number): void;
  listFiles(): VodUploadInfo[];
  cleanList(): void;
  startUpload(): void;
  stopUpload(): void;
  setUploadAuthAndAddress(uploadInfo: VodUploadInfo, uploadAuth: string, uploadAddress: string, videoId?: string): void;
  setSTSToken(uploadInfo: VodUploadInfo, accessKeyId: string, accessKeySecret: string, securityToken: string): void;
  resumeUploadWithAuth(uploadAuth: string): void;
  resumeUploadWithSTSToken(
    accessKeyId: string,
    accessKeySecret: string,
    securityToken: string,
    expireTime?: string,
  ): void;
}
