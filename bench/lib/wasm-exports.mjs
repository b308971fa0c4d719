// Size diagnostics: rewrite a module's export section to keep only some exports, so that
// `wasm-opt -Oz` drops everything only the others reach. Tells what a core with just those
// functions would weigh with today's code.

function readU32(bytes, pos) {
  let result = 0;
  let shift = 0;
  let b;
  do {
    b = bytes[pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [result, pos];
}

function leb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
}

/** Names of all exports. */
export function exportNames(bytes) {
  return readExportSection(bytes).entries.map((e) => e.name);
}

function readExportSection(bytes) {
  let pos = 8;
  while (pos < bytes.length) {
    const header = pos;
    const id = bytes[pos++];
    let size;
    [size, pos] = readU32(bytes, pos);
    if (id === 7) {
      let p = pos;
      let count;
      [count, p] = readU32(bytes, p);
      const entries = [];
      for (let i = 0; i < count; i++) {
        const begin = p;
        let len;
        [len, p] = readU32(bytes, p);
        const name = Buffer.from(bytes.subarray(p, p + len)).toString('utf8');
        p += len + 1; // name, kind
        [, p] = readU32(bytes, p); // index
        entries.push({ name, raw: bytes.subarray(begin, p) });
      }
      return { header, end: pos + size, entries };
    }
    pos += size;
  }
  throw new Error('no export section');
}

/** A copy of the module exporting only the names `keep(name)` accepts. */
export function keepExports(bytes, keep) {
  const section = readExportSection(bytes);
  const kept = section.entries.filter((e) => keep(e.name));
  const body = Buffer.concat([leb(kept.length), ...kept.map((e) => Buffer.from(e.raw))]);
  return Buffer.concat([
    Buffer.from(bytes.subarray(0, section.header)),
    Buffer.from([7]),
    leb(body.length),
    body,
    Buffer.from(bytes.subarray(section.end)),
  ]);
}
