// In-process container lifecycle events (CRI GetContainerEvents, metrics). Emitters never block:
// subscribers that fall behind are handled on their side (bounded queues).
import { EventEmitter } from 'node:events';

export type ContainerEventType = 'CONTAINER_CREATED_EVENT' | 'CONTAINER_STARTED_EVENT' | 'CONTAINER_STOPPED_EVENT' | 'CONTAINER_DELETED_EVENT';

export interface ContainerEvent {
  type: ContainerEventType;
  containerId: string;
  podSandboxId: string;
  /** Nanoseconds since the epoch, as a decimal string (int64 on the wire). */
  createdAtNs: string;
}

export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(e: ContainerEvent): void {
    this.emitter.emit('container', e);
  }

  /** Returns the unsubscribe function. */
  subscribe(fn: (e: ContainerEvent) => void): () => void {
    this.emitter.on('container', fn);
    return () => this.emitter.off('container', fn);
  }
}
