// docs/reference.md is generated from the code (scripts/gen-reference.mjs): these tests
// regenerate it in memory and insist the committed file is the same, that every error code
// the package throws has a "what to do", and that nothing in the generator's tables is stale.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import * as ossup from '../../pkg/dist/node.mjs';
import { REFERENCE_PATH, ROOT, WHAT_TO_DO, generateReference } from '../../scripts/gen-reference.mjs';

const reference = await generateReference();
const committed = readFileSync(REFERENCE_PATH, 'utf8');

/** The section of the reference for `code`: its "what to do" paragraph. */
function explanation(markdown, code) {
  const match = new RegExp(`\\n#### \`${code}\`\\n\\n([^\\n]+)\\n`).exec(markdown);
  return match ? match[1] : null;
}

test('docs/reference.md is exactly what scripts/gen-reference.mjs writes (run it after changing codes or options)', () => {
  assert.equal(committed, reference.markdown);
});

test('the generator understood every OssupError in pkg/src and every table entry is still used', () => {
  assert.deepEqual(reference.problems, []);
  assert.deepEqual(reference.missing, [], 'codes thrown without a WHAT_TO_DO entry');
  assert.deepEqual(reference.stale, []);
  assert.deepEqual(reference.undocumented, [], 'uploader options with no doc comment and no note');
});

test('every code thrown in pkg/src appears with what to do, and where it is thrown', () => {
  assert.ok(reference.codes.length >= 30, `only ${reference.codes.length} codes found`);
  for (const code of reference.codes) {
    const text = explanation(committed, code);
    assert.ok(text && text.length > 20, `${code} has no explanation in docs/reference.md`);
    assert.equal(text, WHAT_TO_DO[code][1]);
  }
  for (const site of reference.thrown) {
    assert.ok(committed.includes(`- \`${site.file}\``), `${site.file} is named`);
  }
});

test('an independent scan of pkg/src finds no literal code the generator missed', () => {
  const files = [];
  const list = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) list(full);
      else if (entry.name.endsWith('.js')) files.push(full);
    }
  };
  list(path.join(ROOT, 'pkg', 'src'));
  const found = new Set();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    // new OssupError('CODE' …, a code as a ternary branch, and rows of code tables ([ 'CODE', 'text' ]).
    for (const m of text.matchAll(/OssupError\(\s*'([A-Z][A-Z0-9_]+)'/g)) found.add(m[1]);
    for (const m of text.matchAll(/[?:]\s*'([A-Z][A-Z0-9_]{3,})'\s*[,:]/g)) found.add(m[1]);
    for (const m of text.matchAll(/\[\s*'([A-Z][A-Z0-9_]{3,})',\s*'/g)) found.add(m[1]);
    for (const m of text.matchAll(/\w+\(\s*'([A-Z][A-Z0-9_]{3,})',/g)) found.add(m[1]);
  }
  for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE']) found.delete(method); // send('POST', …)
  for (const code of found) assert.ok(reference.codes.includes(code), `${code} is in pkg/src but not in the reference`);
  const rust = readFileSync(path.join(ROOT, 'src', 'error.rs'), 'utf8');
  for (const [, code] of rust.matchAll(/=> "([A-Z][A-Z0-9_]+)"/g)) {
    assert.ok(reference.codes.includes(code), `the core's ${code} is not in the reference`);
  }
});

test('errors the package really throws carry codes the reference explains', () => {
  const codeOf = (fn) => {
    try {
      fn();
    } catch (error) {
      assert.equal(error.name, 'OssupError');
      return error.code;
    }
    assert.fail('did not throw');
  };
  const thrown = [
    codeOf(() => ossup.createUploader({ bucket: 'b', region: 'cn-hangzhou', accessKeyId: 'a', accessKeySecret: 's' })),
    codeOf(() => ossup.createUploader({ bucket: 'b' })),
    codeOf(() => ossup.createUploader({ signForm: async () => ({}), concurrency: 0 })),
    codeOf(() => ossup.createUploader({ bucket: 'b', region: 'cn-hangzhou' })),
    codeOf(() => ossup.validateKey('/leading-slash')),
    codeOf(() => ossup.crc64Combine('not a number', '1', 1)),
    codeOf(() =>
      ossup.buildPostForm({ accessKeyId: 'a', accessKeySecret: 's', region: 'cn-hangzhou', expiration: 'soon' }),
    ),
    codeOf(() => ossup.decodeUploadAuth('not base64!')),
  ];
  assert.deepEqual(thrown, [
    'PERMANENT_KEY_REFUSED',
    'MISSING_OPTION',
    'INVALID_OPTION',
    'MISSING_CREDENTIALS',
    'INVALID_OBJECT_KEY',
    'INVALID_CRC64',
    'INVALID_DATE',
    'VOD_INVALID_UPLOAD_AUTH',
  ]);
  for (const code of thrown) assert.ok(explanation(committed, code), `${code} is explained`);
});

test('the options table lists every UploaderOptions member with its type', () => {
  const dts = readFileSync(path.join(ROOT, 'pkg', 'index.d.ts'), 'utf8');
  const body = /export interface UploaderOptions \{([\s\S]*?)\n\}/.exec(dts)[1];
  const names = [...body.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]);
  assert.deepEqual(
    reference.options.map((o) => o.name),
    names,
  );
  for (const option of reference.options) assert.ok(committed.includes(`| \`${option.name}\` |`), option.name);
});
