// A container as stored: meta.json (fixed at create) and status.json (changes over its life),
// both under <root>/containers/<id>/.
import type { ResolvedUser } from '../oci/spec/user.js';
import type { ResourceRequest } from '../oci/spec/resources.js';
import type { Propagation } from '../oci/spec/mounts.js';

export type ContainerStateName = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerMount {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
  propagation: Propagation;
  recursiveReadOnly?: boolean;
  /** Asked for (and a no-op: only accepted on hosts without SELinux). */
  selinuxRelabel?: boolean;
  /** An image volume: hostPath is its read-only mount (or the sub path in it). */
  image?: { ref: string; id: string; subPath: string };
}

export interface ContainerMeta {
  id: string;
  podId: string;
  name: string;
  attempt: number;
  /** The image as the client named it (ImageSpec.image) and its annotations. */
  image: string;
  imageAnnotations: Record<string, string>;
  /** The image ID (config digest). */
  imageId: string;
  /** A repo digest when known, else the image ID (what the kubelet shows as imageID). */
  imageRef: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The full log path (pod log directory + container log_path); empty: no log. */
  logPath: string;
  tty: boolean;
  stdin: boolean;
  stdinOnce: boolean;
  mounts: ContainerMount[];
  user: ResolvedUser;
  /** Signal name for StopContainer ("SIGTERM" when neither the request nor the image sets one). */
  stopSignal: string;
  /** OCI runtime handler name (the pod's). */
  runtimeHandler: string;
  /** <root>/containers/<id>/bundle: config.json, conmon's ctl fifo and oom file. */
  bundle: string;
  rootfs: string;
  /** The container's cgroup path as given to the runtime. */
  cgroupsPath: string;
  createdAtNs: string;
}

export interface ContainerStatusRecord {
  state: ContainerStateName;
  pid: number;
  startedAtNs: string;
  finishedAtNs: string;
  exitCode: number;
  reason: string;
  message: string;
  resources: ResourceRequest;
  /** RemoveContainer began: the record goes away even if a step fails and is retried. */
  removing?: boolean;
}

export interface ContainerRecord {
  meta: ContainerMeta;
  status: ContainerStatusRecord;
}
