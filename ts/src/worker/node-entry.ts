// Worker-thread entry for Node: hosts an Engine, spoken to through Comlink.
import { parentPort } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { setPlatform } from '../core/platform.js';
import { nodePlatform } from '../platform/node.js';
import { serveEngine } from './host.js';

if (!parentPort) throw new Error('diabolo: worker/node-entry.js must run in a worker thread');
setPlatform(nodePlatform);
serveEngine(nodeEndpoint(parentPort));
