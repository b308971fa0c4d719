// On-disk layout of the local bucket, under `root`:
//   objects/<sha256(key)[0..32]>-<readable tail>            the object's bytes
//   objects/<same>.meta.json                                 its metadata (key, ETag, CRC-64, headers)
//   uploads/<UploadId>/upload.json, <n>.part, <n>.json       multipart uploads in progress
//   tmp/                                                     bodies being received
// Keys never become paths: a hash names each object, so no key can escape `root`, collide
// with another on a case-insensitive disk, or clash as file-versus-directory (`a` and `a/b`).
// Bytes are written to tmp/ and renamed into place, so a reader never sees half an object.

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ossError } from './errors.mjs';

const UPLOAD_ID = /^[0-9A-F]{32}$/;

export async function createStorage(root) {
  const dirs = {
    objects: path.join(root, 'objects'),
    uploads: path.join(root, 'uploads'),
    tmp: path.join(root, 'tmp'),
  };
  await rm(dirs.tmp, { recursive: true, force: true }); // leftovers of a crashed run
  await Promise.all(Object.values(dirs).map((dir) => mkdir(dir, { recursive: true })));

  const withLock = createLocks();

  function objectPath(key) {
    const hash = createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 32);
    const tail = (key.split('/').filter(Boolean).pop() ?? '').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60);
    return path.join(dirs.objects, `${hash}-${tail || 'object'}`);
  }

  const metaPath = (key) => `${objectPath(key)}.meta.json`;
  const tmpPath = () => path.join(dirs.tmp, randomUUID());

  async function writeJsonAtomically(file, value) {
    const tmp = tmpPath();
    await writeFile(tmp, JSON.stringify(value, null, 2));
    await rename(tmp, file);
  }

  async function readJson(file) {
    try {
      return JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      if (error.code === 'ENOENT') return null;
      throw error;
    }
  }

  /** Move a received body into place as `key`; the existing object is untouched on 409. */
  function commitObject(key, tmpFile, meta, { forbidOverwrite = false } = {}) {
    return withLock(`object:${key}`, async () => {
      if (forbidOverwrite && (await readJson(metaPath(key)))) {
        await rm(tmpFile, { force: true });
        throw ossError('FileAlreadyExists');
      }
      await rename(tmpFile, objectPath(key));
      await writeJsonAtomically(metaPath(key), meta);
    });
  }

  /** Remove `key` if it exists (metadata first, so no reader finds metadata without bytes). */
  function deleteObject(key) {
    return withLock(`object:${key}`, async () => {
      await rm(metaPath(key), { force: true });
      await rm(objectPath(key), { force: true });
    });
  }

  /** Metadata plus an open file handle taken together, so they always belong to one version. */
  function openObject(key) {
    return withLock(`object:${key}`, async () => {
      const meta = await readJson(metaPath(key));
      if (!meta) return null;
      try {
        return { meta, handle: await open(objectPath(key), 'r') };
      } catch (error) {
        if (error.code === 'ENOENT') return null;
        throw error;
      }
    });
  }

  // ------------------------------------------------------------ multipart uploads

  const uploadDir = (uploadId) => path.join(dirs.uploads, uploadId);
  const partPath = (uploadId, partNumber) => path.join(uploadDir(uploadId), `${partNumber}.part`);

  async function createUpload(info) {
    const uploadId = randomBytes(16).toString('hex').toUpperCase();
    await mkdir(uploadDir(uploadId));
    await writeJsonAtomically(path.join(uploadDir(uploadId), 'upload.json'), { ...info, uploadId });
    return uploadId;
  }

  async function readUpload(uploadId) {
    if (!UPLOAD_ID.test(uploadId ?? '')) return null; // also keeps ids from naming other paths
    return readJson(path.join(uploadDir(uploadId), 'upload.json'));
  }

  /** Run `fn` with the upload locked; parts, Complete and Abort never interleave. */
  const withUpload = (uploadId, fn) => withLock(`upload:${uploadId}`, fn);

  async function commitPart(uploadId, partNumber, tmpFile, info) {
    await rename(tmpFile, partPath(uploadId, partNumber));
    await writeJsonAtomically(path.join(uploadDir(uploadId), `${partNumber}.json`), info);
  }

  async function listParts(uploadId) {
    const names = await readdir(uploadDir(uploadId)).catch(() => []);
    const parts = await Promise.all(
      names.filter((name) => /^\d+\.json$/.test(name)).map((name) => readJson(path.join(uploadDir(uploadId), name))),
    );
    return parts.filter(Boolean).sort((a, b) => a.partNumber - b.partNumber);
  }

  const removeUpload = (uploadId) => rm(uploadDir(uploadId), { recursive: true, force: true });

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
