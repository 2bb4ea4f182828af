/**
 * `@vmrpc/transport/admission`: the admission steps of every vmrpc listener (per-peer limits,
 * bounded `authorize`, bounded handshake), for servers that are not gRPC servers (an
 * http.Server, @vmrpc/http). This entry point does not load @grpc/grpc-js, so it works where
 * that peer dependency is not installed.
 */
export {
  admitConnections,
  authorizeWithin,
  countedAddress,
  type Admission,
  type AdmissionOptions,
  type AdmittedConnection,
  type ConnectionAuthorizer,
  type Handshake,
} from './server/admission';
export { PeerCounter, peerIdentity } from './server/peer-identity';
