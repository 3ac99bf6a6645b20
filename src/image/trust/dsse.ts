// DSSE, the signed envelope of sigstore bundles that carry in-toto statements
// (secure-systems-lab/dsse, envelope.md and protocol.md): the signature is over the
// pre-authentication encoding PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body,
// LEN being the byte length in ASCII decimal, never over the payload alone, so a signature cannot
// be replayed under another payload type.
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}
