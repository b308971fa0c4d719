// uni-app bundles node_modules into its own output, so WeChat/Douyin's WXWebAssembly (which
// loads only from a path inside the code package) needs ossup.wasm.br among the static files:
// this copies it to static/ossup.wasm.br (run by `npm install`, see package.json).
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'package.json'));
const packageDir = path.dirname(require.resolve('ossup/package.json'));
const target = path.join(process.cwd(), 'static', 'ossup.wasm.br');
mkdirSync(path.dirname(target), { recursive: true });
copyFileSync(path.join(packageDir, 'dist', 'ossup.wasm.br'), target);
console.log(`copied ossup.wasm.br to ${path.relative(process.cwd(), target)}`);
