// Node: node:http(s) with a streamed multipart body. Not fetch + FormData: fetch reports no
// upload progress, and streaming the file keeps memory flat for big files while sending an
// exact Content-Length.
import {
  chmodSync,
  closeSync,
  constants as fsConstants,
  createReadStream,
  lstatSync,
  mkdirSync,
  openSync,
  promises as fsp,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { isAbsolute, join } from 'node:path';
import http from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { OssupError } from '../errors.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW = 0 } = fsConstants;

/** This user's id, for a folder name and an owner check (none on Windows). */
const userId = () => (typeof process.getuid === 'function' ? process.getuid() : undefined);

/**
 * Whether `dir` is a folder of this user's, not a symlink, created 0700 if missing. Another
 * user's folder or a link planted in a shared place would let them read or feed checkpoints.
 */
function ownFolder(dir, { tighten }) {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stats = lstatSync(dir);
    if (!stats.isDirectory()) return false;
    const uid = userId();
    if (uid !== undefined && stats.uid !== uid) return false;
    if (tighten && uid !== undefined && stats.mode & 0o077) chmodSync(dir, 0o700);
    return true;
  } catch {
    return false;
  }
}

function defaultFolders() {
  const env = process.env;
  const folders = [];
  if (env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME)) folders.push(join(env.XDG_STATE_HOME, 'ossup'));
  if (process.platform === 'win32' && env.LOCALAPPDATA) folders.push(join(env.LOCALAPPDATA, 'ossup'));
  let home = '';
  try {
    home = homedir();
  } catch {
    // no home folder: the temp dir below
  }
  if (home) folders.push(join(home, '.local', 'state', 'ossup'));
  let user = userId();
  if (user === undefined) {
    try {
      user = userInfo().username.replace(/[^\w.-]/g, '_');
    } catch {
      user = 'user';
    }
  }
  folders.push(join(tmpdir(), `ossup-${user}`));
  return folders;
}

/** The checkpoint backend: one file per key, read and written without following symlinks. */
function checkpointFiles(given) {
  let dir; // resolved at first use: undefined until then, null when no safe folder exists
  const folder = () => {
    if (dir === undefined) {
      dir = given
        ? ownFolder(given, { tighten: false })
          ? given
          : null
        : defaultFolders().find((candidate) => ownFolder(candidate, { tighten: true })) || null;
    }
    if (!dir) throw new OssupError('CHECKPOINT_DIR_UNSAFE', 'no checkpoint folder of this user is available');
    return dir;
  };
  const file = (key) => join(folder(), `${key.replace(/[^a-zA-Z0-9_-]/g, '_')}.json`);
  return {
    get: (key) => {
      let fd;
      try {
        fd = openSync(file(key), O_RDONLY | O_NOFOLLOW);
        return readFileSync(fd, 'utf8');
      } catch {
        return null;
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    },
    // A new file renamed over the old one: a crash mid-write never leaves half a checkpoint.
    set: (key, value) => {
      const target = file(key);
      const temporary = `${target}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
      const fd = openSync(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
      try {
        writeFileSync(fd, value);
      } finally {
        closeSync(fd);
      }
      try {
        renameSync(temporary, target);
      } catch (error) {
        rmSync(temporary, { force: true });
        throw error;
      }
    },
    remove: (key) => rmSync(file(key), { force: true }),
  };
}

function quote(text) {
  return String(text).replace(/[\r\n"]/g, (c) => encodeURIComponent(c));
}

/** A body part as chunks: a file (whole or a range), a Blob, or bytes. */
function chunksOf(part) {
  if (part.blob) return part.blob.stream();
  if (part.path)
    return createReadStream(part.path, part.start !== undefined ? { start: part.start, end: part.end - 1 } : {});
  return [part];
}

// Connections kept open between requests: a new one costs a handshake (two with TLS) and TCP's
// slow start; Node 18's global agent does not keep them.
const httpAgent = new http.Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 });
const httpsAgent = new https.Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 });

function send(method, url, headers, body, timeout, onProgress) {
  // body: undefined | Buffer/Uint8Array | { parts: [Buffer | { path, size } | Uint8Array], length }
  let request = null;
  let aborted = false;
  const promise = new Promise((resolve, reject) => {
    const target = new URL(url);
    const lib = target.protocol === 'https:' ? https : http;
    const parts = body === undefined ? [] : body.parts || [body];
    const length = body === undefined ? 0 : body.length;
    request = lib.request(target, {
      method,
      headers: { ...headers, 'content-length': String(length) },
      agent: target.protocol === 'https:' ? httpsAgent : httpAgent,
    });
    let finished = false;
    const done = (fn, value) => {
      if (!finished) {
        finished = true;
        fn(value);
      }
    };
    if (timeout) {
      request.setTimeout(timeout, () => {
        request.destroy();
        done(reject, new OssupError('TIMEOUT', `${method} ${url} timed out after ${timeout} ms`, { retryable: true }));
      });
    }
    request.on('error', (error) =>
      done(
        reject,
        aborted
          ? new OssupError('ABORTED', 'the upload was canceled')
          : new OssupError('NETWORK_ERROR', `${method} ${url} failed: ${error.message}`, {
              retryable: true,
              cause: error,
            }),
      ),
    );
    request.on('response', (response) => {
      const chunks = [];
      response.on('data', (c) => chunks.push(c));
      response.on('error', (error) =>
        done(
          reject,
          new OssupError('NETWORK_ERROR', `reading the answer failed: ${error.message}`, { retryable: true }),
        ),
      );
      response.on('end', () =>
        done(resolve, {
          status: response.statusCode,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    let sent = 0;
    const write = async () => {
      for (const part of parts) {
        for await (const chunk of chunksOf(part)) {
          if (finished) return;
          if (!request.write(chunk)) await new Promise((r) => request.once('drain', r));
          sent += chunk.length;
          if (onProgress) onProgress(sent, length);
        }
      }
      request.end();
    };
    write().catch((error) => {
      request.destroy();
      done(reject, new OssupError('FILE_READ_FAILED', `reading the file failed: ${error.message}`, { cause: error }));
    });
  });
  return {
    promise,
    abort() {
      aborted = true;
      if (request) request.destroy();
    },
  };
}

export function nodeTransport() {
  return {
    name: 'node',
    maxConcurrency: 64,
    defaultConcurrency: 16, // the most the adaptive concurrency goes to (options.maxConcurrency)
    defaultTimeout: 0,
    // Parts are read into reused buffers and sent over fast links: 5 MiB (the S3 SDKs' and
    // Uppy's default) instead of 1 MiB sends a fifth of the requests (bench/RESULTS.md).
    defaultPartSize: 5 * 1024 * 1024,
    /**
     * Checkpoints as files in `checkpointDir`, by default a folder of this user's
     * (`$XDG_STATE_HOME/ossup`, `~/.local/state/ossup`, else `<tmpdir>/ossup-<uid>`).
     */
    storage(options = {}) {
      return checkpointFiles(options.checkpointDir);
    },
    async stat(file) {
      if (!file.path) {
        if (typeof file.size === 'number') return file.size;
        throw new OssupError('INVALID_FILE', `${file.name}: pass a path or bytes`);
      }
      try {
        const stats = await fsp.stat(file.path);
        // The modification time joins the resume fingerprint (checkpoint.js).
        file.lastModified = stats.mtimeMs;
        return typeof file.size === 'number' ? file.size : stats.size;
      } catch (error) {
        throw new OssupError('FILE_NOT_FOUND', `${file.path}: ${error.message}`);
      }
    },
    /** Bytes [start, end); into `into` when given (reused part buffers keep memory flat). */
    async readRange(file, start, end, into) {
      if (file.bytes) return file.bytes.subarray(start, end);
      if (file.blob) return new Uint8Array(await file.blob.slice(start, end).arrayBuffer());
      const handle = await fsp.open(file.path, 'r');
      try {
        const out =
          into && into.length >= end - start
            ? Buffer.from(into.buffer, into.byteOffset, end - start)
            : Buffer.alloc(end - start);
        let filled = 0;
        while (filled < out.length) {
          const { bytesRead } = await handle.read(out, filled, out.length - filled, start + filled);
          if (!bytesRead) break;
          filled += bytesRead;
        }
        return new Uint8Array(out.buffer, out.byteOffset, filled);
      } finally {
        await handle.close();
      }
    },
    postObject({ url, fields, file, timeout, onProgress }) {
      const boundary = `----ossup${randomBytes(12).toString('hex')}`;
      const head = [];
      for (const name of Object.keys(fields)) {
        head.push(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${fields[name]}\r\n`);
      }
      // The file is the last field (oss-spec §1).
      head.push(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quote(file.name)}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      );
      const before = Buffer.from(head.join(''), 'utf8');
      const after = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
      const content = file.bytes
        ? Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength)
        : file.blob
          ? { blob: file.blob }
          : { path: file.path };
      const length = before.length + file.size + after.length;
      return send(
        'POST',
        url,
        { 'content-type': `multipart/form-data; boundary=${boundary}` },
        { parts: [before, content, after], length },
        timeout,
        onProgress,
      );
    },
    request({ method, url, headers, body, timeout, onProgress }) {
      const payload =
        body === undefined || body === null
          ? undefined
          : body instanceof Uint8Array
            ? Buffer.from(body.buffer, body.byteOffset, body.byteLength)
            : Buffer.from(body);
      return send(method, url, headers || {}, payload, timeout, onProgress);
    },
  };
}
