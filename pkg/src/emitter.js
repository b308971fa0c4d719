// A minimal event emitter: `on`, `off`, `once`, `emit`. A listener that throws does not break
// the upload; the error is reported on the console.
export function createEmitter() {
  const listeners = {};
  const emitter = {
    on(event, fn) {
      (listeners[event] = listeners[event] || []).push(fn);
      return emitter;
    },
    off(event, fn) {
      listeners[event] = (listeners[event] || []).filter((l) => l !== fn && l.original !== fn);
      return emitter;
    },
    once(event, fn) {
      const wrapped = (...args) => {
        emitter.off(event, wrapped);
        fn(...args);
      };
      wrapped.original = fn;
      return emitter.on(event, wrapped);
    },
    emit(event, ...args) {
      for (const fn of (listeners[event] || []).slice()) {
        try {
          fn(...args);
        } catch (error) {
          if (typeof console !== 'undefined') console.error(`ossup: a '${event}' listener threw`, error);
        }
      }
    },
  };
  return emitter;
}
