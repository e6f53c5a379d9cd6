// Dataset calls: rows copied into WASM memory once; epochs, evaluations and stacking read
// them from there.
import type { DatasetCalls } from './calls.js';
import type { Handles } from './handles.js';

export function datasetCalls(h: Handles): DatasetCalls {
  return {
    uploadDataset(data, rows, cols, labels) {
      const glue = h.core();
      h.room('dataset', [
        ['data', data.length * 4],
        ['labels', (labels?.length ?? 0) * 4],
      ]);
      const ds = h.run(() => new glue.Dataset(data, rows, cols));
      if (labels) {
        try {
          h.run(() => ds.setLabels(labels));
        } catch (e) {
          ds.free();
          throw e;
        }
      }
      return h.track(ds);
    },

    sliceDataset(dataset, start, count) {
      const d = h.dataset(dataset);
      return h.track(h.run(() => d.slice(start, count)));
    },
  };
}
