// Browser entry point: binaries are fetched next to the glue, workers are module Web Workers.
import { setPlatform } from './core/platform.js';
import { browserPlatform } from './platform/browser.js';

setPlatform(browserPlatform);

export * from './api.js';
