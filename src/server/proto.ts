// Loads the CRI proto once; server and client share the same definitions.
import * as protoLoader from '@grpc/proto-loader';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { protoFile } from '../util/package-info.js';
import type { ProtoGrpcType } from '../gen/api.js';

// int64 as strings (nanosecond timestamps exceed 2^53), enums by name, defaults filled in so
// handlers see proto3 semantics (absent == zero value).
export const PROTO_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

let cached: ProtoGrpcType | undefined;

export function criProto(): ProtoGrpcType {
  cached ??= loadPackageDefinition(protoLoader.loadSync(protoFile, PROTO_OPTIONS)) as unknown as ProtoGrpcType;
  return cached;
}
