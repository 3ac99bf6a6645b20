// Protocol names and negotiation shared by the SPDY and WebSocket paths (Kubernetes'
// httpstream.Handshake: the first protocol the client lists that the server supports wins).

export const REMOTECOMMAND_V5 = 'v5.channel.k8s.io';
export const REMOTECOMMAND_V4 = 'v4.channel.k8s.io';
export const REMOTECOMMAND_V3 = 'v3.channel.k8s.io';
export const REMOTECOMMAND_V2 = 'v2.channel.k8s.io';
export const REMOTECOMMAND_V1 = 'channel.k8s.io';
export const PORTFORWARD_V1 = 'portforward.k8s.io';

/** Exec/attach over SPDY, best first. */
export const SPDY_REMOTECOMMAND_PROTOCOLS = [REMOTECOMMAND_V5, REMOTECOMMAND_V4, REMOTECOMMAND_V3, REMOTECOMMAND_V2, REMOTECOMMAND_V1];
export const SPDY_PORTFORWARD_PROTOCOLS = [PORTFORWARD_V1];

export const WS_BASE64_V4 = 'v4.base64.channel.k8s.io';
export const WS_BASE64_V1 = 'base64.channel.k8s.io';
/** Exec/attach over WebSocket (Sec-WebSocket-Protocol), best first. */
export const WS_REMOTECOMMAND_PROTOCOLS = [REMOTECOMMAND_V5, REMOTECOMMAND_V4, WS_BASE64_V4, REMOTECOMMAND_V1, WS_BASE64_V1];
/** Port forwarding over WebSocket: kubelet's v4 channel protocols, plus portforward.k8s.io framed the same way. */
export const WS_PORTFORWARD_PROTOCOLS = ['SPDY/3.1+portforward.k8s.io', REMOTECOMMAND_V4, WS_BASE64_V4, PORTFORWARD_V1];

/** kubectl's port-forward over WebSocket since 1.30: SPDY frames tunnelled in binary messages. */
export const WS_SPDY_TUNNEL_PORTFORWARD = 'SPDY/3.1+portforward.k8s.io';

export const HEADER_PROTOCOL_VERSION = 'X-Stream-Protocol-Version';
export const HEADER_ACCEPTED_PROTOCOL_VERSIONS = 'X-Accepted-Stream-Protocol-Versions';

/** Splits repeated and comma-joined header values into one list. */
export function headerList(value: string | string[] | undefined): string[] {
  const all = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return all.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** The client's first protocol that the server supports, or undefined. */
export function negotiate(client: string[], server: readonly string[]): string | undefined {
  return client.find((p) => server.includes(p));
}

/** Remote-command protocol level: 1 (channel.k8s.io) … 5. */
export function remoteCommandVersion(protocol: string): number {
  const m = /^v(\d)\./.exec(protocol);
  return m ? Number(m[1]) : 1;
}
