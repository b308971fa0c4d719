// Prints the largest functions of a .wasm with a name section, grouped by crate.
// Usage: node scripts/wasm-sizes.cjs file.wasm [top]
const b = require('fs').readFileSync(process.argv[2]);
const top = Number(process.argv[3] || 25);
let p = 8;
const leb = () => {
  let r = 0,
    s = 0,
    x;
  do {
    x = b[p++];
    r += (x & 0x7f) * 2 ** s;
    s += 7;
  } while (x & 0x80);
  return r;
};
const secs = [];
while (p < b.length) {
  const id = b[p++];
  const len = leb();
  secs.push({ id, start: p, len });
  p += len;
}
const names = {};
for (const s of secs.filter((s) => s.id === 0)) {
  p = s.start;
  const nl = leb();
  const nm = b.slice(p, p + nl).toString();
  p += nl;
  if (nm !== 'name') continue;
  const end = s.start + s.len;
  while (p < end) {
    const sub = b[p++];
    const sl = leb();
    const se = p + sl;
    if (sub === 1) {
      const n = leb();
      for (let i = 0; i < n; i++) {
        const idx = leb();
        const l = leb();
        names[idx] = b.slice(p, p + l).toString();
        p += l;
      }
    }
    p = se;
  }
}
let imports = 0;
const is = secs.find((s) => s.id === 2);
if (is) {
  p = is.start;
  const n = leb();
  for (let i = 0; i < n; i++) {
    let l = leb();
    p += l;
    l = leb();
    p += l;
    const k = b[p++];
    if (k === 0) {
      leb();
      imports++;
    } else if (k === 1) {
      p++;
      const f = b[p++];
      leb();
      if (f & 1) leb();
    } else if (k === 2) {
      const f = b[p++];
      leb();
      if (f & 1) leb();
    } else if (k === 3) {
      p += 2;
    }
  }
}
const code = secs.find((s) => s.id === 10);
p = code.start;
const n = leb();
const fs = [];
for (let i = 0; i < n; i++) {
  const l = leb();
  fs.push([l, names[imports + i] || `f${imports + i}`]);
  p += l;
}
fs.sort((a, c) => c[0] - a[0]);
const groups = {};
for (const [l, nm] of fs) {
  const g = (nm.match(/^[<_]*([a-z_0-9]+)(?:\[[0-9a-f]+\])?(::|\$)/) || [, nm.length < 24 ? nm : '?'])[1];
  groups[g] = (groups[g] || 0) + l;
}
console.log(
  'code bytes',
  fs.reduce((a, x) => a + x[0], 0),
  'functions',
  n,
  'data',
  (secs.find((s) => s.id === 11) || { len: 0 }).len,
);
console.log(
  Object.entries(groups)
    .sort((a, c) => c[1] - a[1])
    .slice(0, 12)
    .map(([g, v]) => `${g}:${v}`)
    .join('  '),
);
for (const f of fs.slice(0, top)) console.log(String(f[0]).padStart(6), f[1].slice(0, 140));
