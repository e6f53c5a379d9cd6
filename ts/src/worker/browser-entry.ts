// Module-worker entry for browsers: hosts an Engine, spoken to through Comlink.
import type { Endpoint } from 'comlink';
import { setPlatform } from '../core/platform.js';
import { browserWorkerPlatform } from '../platform/browser-loading.js';
import { serveEngine } from './host.js';

setPlatform(browserWorkerPlatform);
serveEngine(globalThis as unknown as Endpoint);
