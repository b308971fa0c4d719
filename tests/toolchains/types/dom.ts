// With lib dom: the browser's own objects are accepted where the declarations take them.
import { createUploader, ready } from 'ossup';

export async function fromBrowser(input: HTMLInputElement): Promise<void> {
  await ready({ wasm: new URL('/ossup.wasm', location.href) });
  await ready({ wasm: fetch('/ossup.wasm') });
  await ready({ wasm: new WebAssembly.Module(new Uint8Array(8)) });
  const uploader = createUploader({ bucket: 'b', region: 'cn-hangzhou', signForm: async () => ({}) });
  await uploader.upload(Array.from(input.files ?? []));
  await uploader.upload(new Blob(['x']));
  await uploader.upload({ file: new File(['x'], 'x.txt'), name: 'x.txt' });
}
