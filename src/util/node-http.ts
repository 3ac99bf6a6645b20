// node:http and node:https, loaded with require rather than `import`. An ES import of a built-in
// reads every one of its exports, and node:http's lazy WebSocket, CloseEvent and MessageEvent
// getters then load Node's bundled undici (750 KiB of source): 13 MiB more RSS in a daemon
// that never uses it. eslint.config.js keeps `import … from 'node:http'` out of src/.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const http = require('node:http') as typeof import('node:http');
export const https = require('node:https') as typeof import('node:https');
