// Minimal WebAssembly binary reading/editing for the build checks (no dependency needed for
// two small jobs): drop exported Globals, and list exports with their function types.

function reader(bytes, start = 0) {
  let p = start;
  return {
    get pos() {
      return p;
    },
    set pos(v) {
      p = v;
    },
    byte: () => bytes[p++],
    u32() {
      let result = 0;
      let shift = 0;
      let b;
      do {
        b = bytes[p++];
        result += (b & 0x7f) * 2 ** shift;
        shift += 7;
      } while (b & 0x80);
      return result;
    },
    name() {
      const len = this.u32();
      const s = Buffer.from(bytes.subarray(p, p + len)).toString('utf8');
      p += len;
      return s;
    },
  };
}

function leb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sections(bytes) {
  const r = reader(bytes, 8);
  const out = [];
  while (r.pos < bytes.length) {
    const header = r.pos;
    const id = r.byte();
    const size = r.u32();
    out.push({ id, header, start: r.pos, end: r.pos + size });
    r.pos += size;
  }
  return out;
}

/** Names of the custom sections (id 0) of a module: `name`, `producers`, DWARF… */
export function customSections(bytes) {
  return sections(bytes)
    .filter((s) => s.id === 0)
    .map((s) => {
      const r = reader(bytes, s.start);
      const length = r.u32();
      return Buffer.from(bytes.subarray(r.pos, r.pos + length)).toString('utf8');
    });
}

const KINDS = ['function', 'table', 'memory', 'global', 'tag'];

function readExports(bytes, section) {
  const r = reader(bytes, section.start);
  const count = r.u32();
  const list = [];
  for (let i = 0; i < count; i++) {
    const begin = r.pos;
    const name = r.name();
    const kind = KINDS[r.byte()];
    const index = r.u32();
    list.push({ name, kind, index, raw: bytes.subarray(begin, r.pos) });
  }
  return list;
}

/** A copy of the module without Global exports. */
export function stripGlobalExports(bytes) {
  return keepExports(bytes, (name, kind) => kind !== 'global');
}

/**
 * A copy of the module exporting only what `keep(name, kind)` accepts; `wasm-opt` then drops
 * whatever only the others reached (the build strips Globals; the benchmarks size subsets).
 */
export function keepExports(bytes, keep) {
  const exportSection = sections(bytes).find((s) => s.id === 7);
  if (!exportSection) return bytes;
  const kept = readExports(bytes, exportSection).filter((e) => keep(e.name, e.kind));
  const body = Buffer.concat([Buffer.from(leb(kept.length)), ...kept.map((e) => Buffer.from(e.raw))]);
  return Buffer.concat([
    Buffer.from(bytes.subarray(0, exportSection.header)),
    Buffer.from([7, ...leb(body.length)]),
    body,
    Buffer.from(bytes.subarray(exportSection.end)),
  ]);
}

const VALTYPES = {
  0x7f: 'i32',
  0x7e: 'i64',
  0x7d: 'f32',
  0x7c: 'f64',
  0x7b: 'v128',
  0x70: 'funcref',
  0x6f: 'externref',
};

/** Exports with, for functions, their type as text, e.g. `(i32,i32)->(i32)`. */
export function exportedSignatures(bytes) {
  const secs = sections(bytes);
  const types = [];
  const typeSection = secs.find((s) => s.id === 1);
  if (typeSection) {
    const r = reader(bytes, typeSection.start);
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      r.byte(); // 0x60
      const params = Array.from({ length: r.u32() }, () => VALTYPES[r.byte()]);
      const results = Array.from({ length: r.u32() }, () => VALTYPES[r.byte()]);
      types.push(`(${params})->(${results})`);
    }
  }
  const funcTypes = [];
  const importSection = secs.find((s) => s.id === 2);
  if (importSection) {
    const r = reader(bytes, importSection.start);
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      r.name();
      r.name();
      const kind = r.byte();
      if (kind === 0) funcTypes.push(r.u32());
      else if (kind === 1) {
        r.byte();
        const f = r.byte();
        r.u32();
        if (f & 1) r.u32();
      } else if (kind === 2) {
        const f = r.byte();
        r.u32();
        if (f & 1) r.u32();
      } else if (kind === 3) {
        r.byte();
        r.byte();
      }
    }
  }
  const functionSection = secs.find((s) => s.id === 3);
  if (functionSection) {
    const r = reader(bytes, functionSection.start);
    const n = r.u32();
    for (let i = 0; i < n; i++) funcTypes.push(r.u32());
  }
  const exportSection = secs.find((s) => s.id === 7);
  if (!exportSection) return [];
  return readExports(bytes, exportSection).map(({ name, kind, index }) => ({
    name,
    kind,
    type: kind === 'function' ? types[funcTypes[index]] : undefined,
  }));
}
