// App() / Page() / getApp() / getCurrentPages(): records the definitions and gives tests page
// instances whose handlers they can call, with WeChat's setData semantics (top-level keys
// replaced, dotted/indexed paths like 'files[0].progress' set in place).

/** 'files[0].progress' → ['files', 0, 'progress'] (WeChat's data path syntax). */
export function parseDataPath(text) {
  const invalid = () => new Error(`setData: invalid data path "${text}"`);
  const segments = [];
  let rest = String(text);
  while (rest.length) {
    // `a[0]` and `a.[0]` both index (Taro's runtime sends the second: root.cn.[0].cn.[1]).
    let match = (segments.length ? /^\.?\[(\d+)\]/ : /^\[(\d+)\]/).exec(rest);
    if (match) {
      segments.push(Number(match[1]));
    } else {
      if (segments.length) {
        if (rest[0] !== '.') throw invalid();
        rest = rest.slice(1);
      }
      match = /^[^.[\]]+/.exec(rest);
      if (!match) throw invalid();
      segments.push(match[0]);
    }
    rest = rest.slice(match[0].length);
  }
  if (!segments.length || typeof segments[0] !== 'string') throw invalid();
  return segments;
}

export function createAppRegistry({ adopt, invoke, record }) {
  const registry = { app: null, pages: [], appDefinition: null, pageDefinitions: [] };

  const instantiate = (definition) => {
    const instance = adopt({});
    for (const key of Object.keys(definition || {})) {
      instance[key] = key === 'data' ? adopt(definition.data) : definition[key];
    }
    if (!instance.data || typeof instance.data !== 'object') instance.data = adopt({});
    instance.setData = (patch, callback) => {
      record('setData', patch);
      for (const key of Object.keys(patch || {})) {
        const segments = parseDataPath(key);
        let target = instance.data;
        for (let i = 0; i < segments.length - 1; i++) {
          const segment = segments[i];
          if (target[segment] === null || typeof target[segment] !== 'object') {
            target[segment] = typeof segments[i + 1] === 'number' ? adopt([]) : adopt({});
          }
          target = target[segment];
        }
        target[segments[segments.length - 1]] = patch[key];
      }
      // The view answers later; the callback runs after the render.
      if (typeof callback === 'function') setTimeout(() => invoke(callback), 0);
    };
    return instance;
  };

  const globals = {
    App(definition) {
      record('App', definition);
      registry.appDefinition = definition;
      registry.app = instantiate(definition);
      delete registry.app.setData; // App has no setData; the test drives onLaunch/onShow itself
    },
    Page(definition) {
      record('Page', definition);
      registry.pageDefinitions.push(definition);
      registry.pages.push(instantiate(definition));
    },
    // Recorded only: frameworks' runtimes (uni-app's vendor.js) take a reference at load time.
    Component(definition) {
      record('Component', definition);
    },
    getApp() {
      return registry.app || undefined;
    },
    getCurrentPages() {
      const list = adopt([]);
      list.push(...registry.pages);
      return list;
    },
  };
  return { registry, globals };
}
