// Module-worker entry for browsers: hosts an Engine, spoken to through Comlink.
import type { Endpoint } from 'comlink';
import { setPlatform } from '../core/platform.js';
import { browserPlatform } from '../platform/browser.js';
import { serveEngine } from './host.js';

setPlatform(browserPlatform);
serveEngine(globalThis as unknown as Endpoint);
