import { type Endpoint, expose, transfer } from 'comlink';
import { createEngine } from '../core/engine.js';
import { installErrorTransfer } from '../core/protocol.js';

/** Results that are typed arrays are moved to the caller, not copied. */
function transferTypedArrays<T extends object>(target: T): T {
  return new Proxy(target, {
    get(t, prop) {
      const v = Reflect.get(t, prop);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        const r = (v as (...a: unknown[]) => unknown).apply(t, args);
        return ArrayBuffer.isView(r) ? transfer(r, [r.buffer as ArrayBuffer]) : r;
      };
    },
  });
}

/** Serve a fresh engine over `endpoint` (the body of every worker entry). */
export function serveEngine(endpoint: Endpoint): void {
  installErrorTransfer();
  expose(transferTypedArrays(createEngine()), endpoint);
}
