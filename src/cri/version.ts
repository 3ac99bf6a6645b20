// Version: who we are. runtime_api_version is the CRI API this server speaks.
import { packageVersion } from '../util/package-info.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export const RUNTIME_NAME = 'rktlet';
export const CRI_API_VERSION = 'v1';

export async function version(_ctx: CallContext, _req: RuntimeReq<'Version'>): Promise<RuntimeRes<'Version'>> {
  return {
    version: '0.1.0', // the kubelet runtime API version field, fixed by the CRI
    runtime_name: RUNTIME_NAME,
    runtime_version: packageVersion,
    runtime_api_version: CRI_API_VERSION,
  };
}
