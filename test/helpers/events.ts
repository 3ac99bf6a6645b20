// Records a daemon's GetContainerEvents stream, as the kubelet's evented PLEG would consume it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { CriClient } from '../../src/client/cri-client.js';
import type { ContainerEventResponse__Output } from '../../src/gen/runtime/v1/ContainerEventResponse.js';

export interface EventRecorder {
  events: ContainerEventResponse__Output[];
  /** The event types seen for one container, in order. */
  typesFor(id: string): string[];
  /** Resolves with the first event of that type for that container. */
  waitFor(id: string, type: string): Promise<ContainerEventResponse__Output>;
  /** Cancels the subscription and closes its connection. */
  close(): void;
}

export function recordContainerEvents(socket: string): EventRecorder {
  const client = new CriClient(socket);
  const events: ContainerEventResponse__Output[] = [];
  const stream = client.runtimeStream('GetContainerEvents', {}) as ClientReadableStream<ContainerEventResponse__Output>;
  stream.on('data', (e: ContainerEventResponse__Output) => events.push(e));
  stream.on('error', () => undefined); // the cancel at close() ends it with CANCELLED
  return {
    events,
    typesFor: (id) => events.filter((e) => e.container_id === id).map((e) => e.container_event_type),
    async waitFor(id, type) {
      for (;;) {
        const e = events.find((x) => x.container_id === id && x.container_event_type === type);
        if (e) return e;
        await sleep(20);
      }
    },
    close() {
      stream.cancel();
      client.close();
    },
  };
}
