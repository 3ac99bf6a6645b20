// The engine side of `rktlet app …`: the CRI handlers and the engine the changing verbs run. Only
// those verbs load this module (app-commands.ts imports it when one runs); `app list` reads the
// records instead and stays light (src/cli/light-graph.test.ts).
export { runPodSandbox } from '../cri/pod-run.js';
export { containerCreate } from '../cri/container-create.js';
export { containerStart } from '../cri/container-start.js';
export { containerStop } from '../cri/container-stop.js';
export { containerRemove } from '../cri/container-remove.js';
export { containerStatus } from '../cri/container-status.js';
export { criRequest, findApp, findPod, withEngine } from './app-engine.js';
export { addRequest, sandboxRequest } from './app-requests.js';
export { withUniquePodName } from './unique-pod-name.js';
