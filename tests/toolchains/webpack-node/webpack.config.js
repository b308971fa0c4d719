// Server code bundled by webpack (as Next.js does), ossup inside the bundle: nothing to configure.
const output = (name) => ({ path: new URL(`./dist-${name}/`, import.meta.url).pathname, filename: 'server.cjs' });
export default [
  { mode: 'production', target: 'node', entry: './server-require.cjs', output: output('require') },
  { mode: 'production', target: 'node', entry: './server-import.mjs', output: output('import') },
];
