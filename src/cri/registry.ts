// Every CRI method this server implements, by name. Methods missing here answer UNIMPLEMENTED.
// Each area keeps its own table (one file per RPC behind it) so areas grow independently.
import type { ImageHandlers, RuntimeHandlers } from './handler.js';
import { version } from './version.js';
import { status } from './runtime-status.js';
import { runtimeConfig } from './runtime-config.js';
import { podHandlers } from './pod-handlers.js';
import { containerHandlers } from './container-handlers.js';
import { streamingHandlers } from './streaming-handlers.js';
import { statsHandlers } from './stats-handlers.js';
import { imageHandlers as imageTable } from './image-handlers.js';

export const runtimeHandlers: RuntimeHandlers = {
  Version: version,
  Status: status,
  RuntimeConfig: runtimeConfig,
  ...podHandlers,
  ...containerHandlers,
  ...streamingHandlers,
  ...statsHandlers,
};

export const imageHandlers: ImageHandlers = { ...imageTable };

/**
 * Methods answered from the daemon's constants and config alone, never from pod or container
 * records: they skip the store sync every other call starts with (two readlink(2) and their
 * promises, a tenth of the daemon's CPU per Version call).
 */
export const STATELESS_RPCS: ReadonlySet<string> = new Set(['Version', 'RuntimeConfig']);
