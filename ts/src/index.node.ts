// Node entry point: binaries are read from disk, workers are worker_threads.
import { setPlatform } from './core/platform.js';
import { nodePlatform } from './platform/node.js';

setPlatform(nodePlatform);

export * from './api.js';
export { loadDigits, loadMnist, type MnistOptions, mnistDir, SKLEARN_DIGITS } from './data/node.js';
export { encodePng, writePng } from './viz/node.js';
