// Lifetime and diagnostics calls: freeing handles, what the engine holds, the room check the
// facade asks for itself, and fault injection for the tests of fault handling.
import type { DiagnosticCalls } from './calls.js';
import type { Handles } from './handles.js';

export function diagnosticCalls(h: Handles): DiagnosticCalls {
  return {
    dispose(id) {
      h.dispose(id);
    },

    usage() {
      return { handles: h.size, wasmBytes: h.core().memoryBytes() };
    },

    room(what, arrays) {
      h.room(what, arrays);
    },

    injectFault(kind) {
      const glue = h.core();
      h.run(() => glue.injectFault(kind));
    },
  };
}
