// On-disk layout of the local bucket, under `root`:
//   objects/<name>.meta.json                   the object's manifest: metadata + which bytes file
//   objects/<name>.<version>.data              one version's bytes, never changed after it is named
//   uploads/<UploadId>/upload.json             a multipart upload in progress
//   uploads/<UploadId>/<n>.json, <n>.<v>.part  a part's record (naming its bytes) and the bytes
//   tmp/                                       bodies being received (emptied at start)
// `<name>` is `<sha256(key)[0..32]>-<readable tail>`: keys never become paths, so no key can
// escape `root`, collide with another on a case-insensitive disk, or clash as file-versus-directory.
//
// One commit point per object: the new bytes get a file name of their own (fsynced, renamed into
// objects/), then the manifest naming them replaces the old one by rename, then the directory is
// fsynced and the old bytes are removed. A crash at any moment leaves the old manifest with the old
// bytes or the new manifest with the new bytes; bytes no manifest names are removed at start.
// Parts follow the same rule inside their upload folder.

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ossError } from './errors.mjs';

const UPLOAD_ID = /^[0-9A-F]{32}$/;
const MANIFEST = '.meta.json';
const FORMAT = 2; // manifests of format 1 were the metadata itself, bytes at objects/<name>

export async function createStorage(root) {
  const dirs = {
    objects: path.join(root, 'objects'),
    uploads: path.join(root, 'uploads'),
    tmp: path.join(root, 'tmp'),
  };
  await rm(dirs.tmp, { recursive: true, force: true }); // leftovers of a crashed run
  await Promise.all(Object.values(dirs).map((dir) => mkdir(dir, { recursive: true })));

  const withLock = createLocks();
  // name → bytes file of the current version; objectPath() answers from it synchronously.
  const current = new Map();

  function objectName(key) {
    const hash = createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 32);
    const tail = (key.split('/').filter(Boolean).pop() ?? '').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60);
    return `${hash}-${tail || 'object'}`;
  }

  /** Absolute path of the bytes of `key`'s current version (a path that does not exist if none). */
  function objectPath(key) {
    const name = objectName(key);
    return path.join(dirs.objects, current.get(name) ?? `${name}.data`);
  }

  const manifestPath = (name) => path.join(dirs.objects, `${name}${MANIFEST}`);
  const tmpPath = () => path.join(dirs.tmp, randomUUID());
  const version = () => `${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;

  async function writeJsonDurably(file, value) {
    const tmp = tmpPath();
    try {
      await writeFile(tmp, JSON.stringify(value, null, 2));
      await fsync(tmp);
      await rename(tmp, file);
    } catch (error) {
      await rm(tmp, { force: true });
      throw diskError(error);
    }
  }

  async function readJson(file) {
    try {
      return JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      if (error.code === 'ENOENT') return null;
      throw error;
    }
  }

  /** → { meta, data: bytes file name } of the committed version, or null. */
  async function readManifest(name) {
    const manifest = await readJson(manifestPath(name));
    if (!manifest) return null;
    if (manifest.format === FORMAT) return { meta: manifest.meta, data: manifest.data };
    return { meta: manifest, data: name }; // format 1
  }

  /**
   * Make the received body `tmpFile` the object `key` in one commit (see the top of this file);
   * the existing object is untouched on 409 or on any failure.
   */
  function commitObject(key, tmpFile, meta, { forbidOverwrite = false } = {}) {
    const name = objectName(key);
    return withLock(`object:${key}`, async () => {
      const old = await readManifest(name);
      if (forbidOverwrite && old) {
        await rm(tmpFile, { force: true });
        throw ossError('FileAlreadyExists');
      }
      const data = `${name}.${version()}.data`;
      const dataPath = path.join(dirs.objects, data);
      try {
        await fsync(tmpFile);
        await rename(tmpFile, dataPath);
        await fsync(dirs.objects); // the bytes' name is durable before a manifest names it
        await writeJsonDurably(manifestPath(name), { format: FORMAT, data, meta });
        await fsync(dirs.objects);
      } catch (error) {
        await rm(dataPath, { force: true });
        throw diskError(error);
      }
      current.set(name, data);
      if (old && old.data !== data) await rm(path.join(dirs.objects, old.data), { force: true });
    });
  }

  /** Remove `key` if it exists (the manifest first, so no reader finds a manifest without bytes). */
  function deleteObject(key) {
    const name = objectName(key);
    return withLock(`object:${key}`, async () => {
      const old = await readManifest(name);
      if (!old) return;
      await rm(manifestPath(name), { force: true });
      await fsync(dirs.objects);
      current.delete(name);
      await rm(path.join(dirs.objects, old.data), { force: true });
    });
  }

  /** Metadata plus an open file handle taken together, so they always belong to one version. */
  function openObject(key) {
    const name = objectName(key);
    return withLock(`object:${key}`, async () => {
      const manifest = await readManifest(name);
      if (!manifest) return null;
      try {
        return { meta: manifest.meta, handle: await open(path.join(dirs.objects, manifest.data), 'r') };
      } catch (error) {
        if (error.code === 'ENOENT') return null;
        throw error;
      }
    });
  }

  // ------------------------------------------------------------ multipart uploads

  const uploadDir = (uploadId) => path.join(dirs.uploads, uploadId);

  /** The bytes of a part: `part` is a record from listParts (or a bare number for format 1). */
  const partPath = (uploadId, part) =>
    path.join(
      uploadDir(uploadId),
      typeof part === 'object' ? (part.file ?? `${part.partNumber}.part`) : `${part}.part`,
    );

  /** The folder is filled in tmp/ and renamed into uploads/, so no upload exists half-made. */
  async function createUpload(info) {
    const uploadId = randomBytes(16).toString('hex').toUpperCase();
    const staging = tmpPath();
    try {
      await mkdir(staging);
      await writeFile(path.join(staging, 'upload.json'), JSON.stringify({ ...info, uploadId }, null, 2));
      await fsync(path.join(staging, 'upload.json'));
      await fsync(staging);
      await rename(staging, uploadDir(uploadId));
      await fsync(dirs.uploads);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      await rm(uploadDir(uploadId), { recursive: true, force: true });
      throw diskError(error);
    }
    return uploadId;
  }

  async function readUpload(uploadId) {
    if (!UPLOAD_ID.test(uploadId ?? '')) return null; // also keeps ids from naming other paths
    return readJson(path.join(uploadDir(uploadId), 'upload.json'));
  }

  /** Run `fn` with the upload locked; parts, Complete and Abort never interleave. */
  const withUpload = (uploadId, fn) => withLock(`upload:${uploadId}`, fn);

  /** Call inside withUpload: the part's bytes get their own name, then its record names them. */
  async function commitPart(uploadId, partNumber, tmpFile, info) {
    const dir = uploadDir(uploadId);
    const recordPath = path.join(dir, `${partNumber}.json`);
    const old = await readJson(recordPath);
    const file = `${partNumber}.${version()}.part`;
    try {
      await fsync(tmpFile);
      await rename(tmpFile, path.join(dir, file));
      await fsync(dir);
      await writeJsonDurably(recordPath, { ...info, file });
      await fsync(dir);
    } catch (error) {
      await rm(path.join(dir, file), { force: true });
      throw diskError(error);
    }
    if (old) await rm(partPath(uploadId, old), { force: true });
  }

  async function listParts(uploadId) {
    const names = await readdir(uploadDir(uploadId)).catch(() => []);
    const parts = await Promise.all(
      names.filter((name) => /^\d+\.json$/.test(name)).map((name) => readJson(path.join(uploadDir(uploadId), name))),
    );
    return parts.filter(Boolean).sort((a, b) => a.partNumber - b.partNumber);
  }

  const removeUpload = (uploadId) => rm(uploadDir(uploadId), { recursive: true, force: true });

  // ------------------------------------------------------------ start: drop what no record names

  async function sweep() {
    const names = await readdir(dirs.objects);
    const keep = new Set();
    for (const entry of names.filter((n) => n.endsWith(MANIFEST))) {
      const name = entry.slice(0, -MANIFEST.length);
      const manifest = await readManifest(name).catch(() => null);
      if (!manifest) continue;
      keep.add(entry).add(manifest.data);
      current.set(name, manifest.data);
    }
    for (const entry of names)
      if (!keep.has(entry)) await rm(path.join(dirs.objects, entry), { recursive: true, force: true });

    for (const uploadId of await readdir(dirs.uploads)) {
      const dir = uploadDir(uploadId);
      if (!UPLOAD_ID.test(uploadId) || !(await readJson(path.join(dir, 'upload.json')).catch(() => null))) {
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      const files = await readdir(dir);
      const named = new Set(['upload.json']);
      for (const entry of files.filter((n) => /^\d+\.json$/.test(n))) {
        const part = await readJson(path.join(dir, entry)).catch(() => null);
        if (part) named.add(entry).add(part.file ?? `${part.partNumber}.part`);
      }
      for (const entry of files) if (!named.has(entry)) await rm(path.join(dir, entry), { force: true });
    }
  }
  await sweep();

  return {
    root,
    objectPath,
    tmpPath,
    commitObject,
    deleteObject,
    openObject,
    createUpload,
    readUpload,
    withUpload,
    commitPart,
    partPath,
    listParts,
    removeUpload,
  };
}

/** Flush a file's bytes, or a directory's entries, to the disk. */
async function fsync(file) {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A full disk or quota is the server's condition, not the request's: OSS-style 503 (errors.mjs). */
export function diskError(error) {
  return error?.code === 'ENOSPC' || error?.code === 'EDQUOT' ? ossError('DiskFull') : error;
}

/** Per-name async mutex: calls with the same name run one after another. */
function createLocks() {
  const tails = new Map();
  return function withLock(name, fn) {
    const run = (tails.get(name) ?? Promise.resolve()).then(fn);
    const tail = run.then(
      () => {},
      () => {},
    );
    tails.set(name, tail);
    tail.then(() => {
      if (tails.get(name) === tail) tails.delete(name);
    });
    return run;
  };
}
