// Loading the core module once per process (core.js): each platform entry sets the loader; `ready()` runs it once, then fills the
// random pool where the platform's random source is asynchronous.
import { OssupError } from './errors.js';
import { prepareRandom } from './random.js';

/**
 * `attach(instance)` takes an instantiated module; `imports()` is what it is instantiated
 * with. Returns `{ setLoader, attachInstance, ready, isReady, engine }`.
 */
export function createLoading(attach, imports) {
  let loaded = null; // { engine }
  let pending = null;
  let loader = null;
  const attachInstance = (instance, engine) => {
    attach(instance);
    loaded = { engine };
  };
  return {
    /** `loader(imports, options)` resolves to `{ instance, engine }`. */
    setLoader(platformLoader) {
      loader = platformLoader;
    },
    attachInstance,
    ready(options) {
      if (loaded) return prepareRandom().then(() => loaded);
      if (!pending) {
        if (!loader) {
          return Promise.reject(
            new OssupError('NOT_READY', 'no loader for this platform: import ossup through its package entry'),
          );
        }
        pending = Promise.resolve()
          .then(() => loader(imports(), options || {}))
          .then(({ instance, engine }) => {
            attachInstance(instance, engine);
            return prepareRandom();
          })
          .then(
            () => loaded,
            (error) => {
              pending = null;
              throw error instanceof OssupError
                ? error
                : new OssupError('WASM_LOAD_FAILED', `could not load the ossup core: ${error && error.message}`, {
                    cause: error,
                  });
            },
          );
      }
      return pending;
    },
    isReady: () => loaded !== null,
    engine: () => (loaded ? loaded.engine : null),
  };
}
