// Receive a PostObject multipart/form-data body with busboy: fields in memory, the `file`
// part streamed to a temp file with its digests. Nothing is judged here except the form's
// own shape and limits (oss-spec §1); the caller decides what the fields mean, through the
// `authenticate` hook before the first byte of `file` is stored, and after the body.

import busboy from 'busboy';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { acceptBody, digestTransform, drainBody } from './body.mjs';
import { ossError } from './errors.mjs';
import { diskError } from './storage.mjs';

export const FORM_LIMITS = {
  fieldNameBytes: 8 * 1024, // oss-spec §1 (EC 0006-00000110)
  fieldValueBytes: 2 * 1024 * 1024, // oss-spec §1
  bytesBeforeFile: 8 * 1024 * 1024, // oss-spec §1 (EC 0006-00000112)
};

/**
 * → { fields: Map(lowercase name → value, first occurrence wins), file: { path, filename,
 *     mimeType, size, overLimit, md5, crc64 } | null, partAfterFile, error, aborted, auth }
 *
 * `authenticate(field, { filename })` runs when the `file` part starts, with every field before
 * it; what it returns is `auth`. If it throws, or the form is already in error, or the disk is
 * full, the promise resolves at once with `error` (so the answer goes out now) and the rest of
 * the body is read and discarded: nothing more reaches the disk, and the client, still sending,
 * gets to read the answer instead of a reset connection.
 */
export function receiveForm(req, { tmpFile, maxFileBytes, authenticate = () => undefined }) {
  return new Promise((resolve) => {
    const form = { fields: new Map(), file: null, partAfterFile: false, error: null, aborted: false, auth: undefined };
    const fail = (error) => {
      form.error ??= error;
    };
    let parser;
    try {
      // busboy would also parse urlencoded bodies; PostObject takes multipart/form-data only.
      if (!/^multipart\/form-data\s*;/i.test(req.headers['content-type'] ?? '')) throw new Error('not multipart');
      parser = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: { fieldSize: FORM_LIMITS.fieldValueBytes },
      });
    } catch {
      fail(ossError('NotMultipartForm'));
      drainBody(req).then(
        () => resolve(form),
        () => resolve({ ...form, aborted: true }),
      );
      return;
    }

    let bytesBeforeFile = 0;
    let pending = Promise.resolve();
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      pending.then(() => resolve(form));
    };
    let fileClosed = Promise.resolve(); // the temp file's write stream, once it exists
    const refuse = (error) => {
      form.error ??= error;
      if (finished) return;
      finished = true;
      req.unpipe(parser);
      parser.destroy();
      req.resume(); // discard the rest; Node keeps the connection for the answer
      fileClosed.then(() => resolve(form)); // the caller removes the temp file after this
    };

    // `afterFile` is decided when the part starts: a field read asynchronously must not
    // be mistaken for one that came after `file`.
    function addField(name, value, { truncated, afterFile }) {
      if (afterFile) {
        form.partAfterFile = true;
        return;
      }
      if (Buffer.byteLength(name) > FORM_LIMITS.fieldNameBytes) return fail(ossError('FieldNameTooLong'));
      if (truncated) return fail(ossError('FieldValueTooLong', { extra: { FieldName: name.slice(0, 200) } }));
      bytesBeforeFile += Buffer.byteLength(name) + Buffer.byteLength(value);
      if (bytesBeforeFile > FORM_LIMITS.bytesBeforeFile) return fail(ossError('FormTooLarge'));
      const lower = name.toLowerCase();
      if (!form.fields.has(lower)) form.fields.set(lower, value);
    }

    function startFile(stream, { filename, mimeType }) {
      form.file = { path: tmpFile, filename, mimeType };
      stream.on('error', () => {}); // a refusal destroys the parser under this part; nothing to report
      // Fields that arrived as parts with filenames are read asynchronously: wait for them.
      const done = pending.then(() => {
        if (form.error) return refuse(form.error);
        try {
          form.auth = authenticate((name) => form.fields.get(name), { filename });
        } catch (error) {
          return refuse(error);
        }
        return storeFile(stream);
      });
      pending = pending.then(() => done);
    }

    function storeFile(stream) {
      const digest = digestTransform({ maxBytes: maxFileBytes });
      const out = createWriteStream(tmpFile);
      fileClosed = new Promise((resolveClosed) => out.once('close', resolveClosed));
      return pipeline(stream, digest, out).then(
        () => Object.assign(form.file, digest.result()),
        (error) => {
          if (finished && form.error) return; // refused meanwhile; this is the fallout
          const full = diskError(error);
          if (full !== error) return refuse(full);
          fail(
            ossError('MalformedPOSTRequest', {
              message: `The body of your POST request is not well-formed multipart/form-data: ${error.message}`,
            }),
          );
        },
      );
    }

    // A part named `file` (case-insensitive, oss-spec §1) is the content, with or without a
    // filename; any other part is a field, even if the client attached a filename to it.
    parser.on('field', (name, value, info) => {
      if (name.toLowerCase() === 'file' && !form.file) {
        startFile(Readable.from([Buffer.from(value, 'utf8')]), { filename: undefined, mimeType: info.mimeType });
        return;
      }
      addField(name, value, { truncated: info.valueTruncated, afterFile: Boolean(form.file) });
    });

    parser.on('file', (name, stream, info) => {
      if (form.file) {
        form.partAfterFile = true;
        stream.resume();
        return;
      }
      if (name.toLowerCase() === 'file') {
        startFile(stream, info);
        return;
      }
      const chunks = [];
      let size = 0;
      stream.on('data', (chunk) => {
        size += chunk.length;
        if (size <= FORM_LIMITS.fieldValueBytes) chunks.push(chunk);
      });
      const done = new Promise((resolveField) => {
        stream.on('end', () => {
          const truncated = size > FORM_LIMITS.fieldValueBytes;
          addField(name, Buffer.concat(chunks).toString('utf8'), { truncated, afterFile: false });
          resolveField();
        });
        stream.on('error', resolveField);
      });
      pending = pending.then(() => done);
    });

    parser.on('error', (error) => {
      fail(
        ossError('MalformedPOSTRequest', {
          message: `The body of your POST request is not well-formed multipart/form-data: ${error.message}`,
        }),
      );
      req.unpipe(parser);
      req.resume();
      parser.destroy(); // also ends a file part in progress, so `pending` settles
      finish();
    });
    parser.on('close', finish);
    req.on('close', () => {
      if (!req.complete) {
        form.aborted = true;
        parser.destroy(new Error('client closed the connection'));
        finish();
      }
    });
    acceptBody(req); // a form authenticates in its body: the client has to send it
    req.pipe(parser);
  });
}
