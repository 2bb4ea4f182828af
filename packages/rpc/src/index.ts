/**
 * @vmrpc/rpc: typed host<->guest services from .proto files, and guest agents.
 * Not implemented yet: see the project's issues "Typed host<->guest services" and "Guest agents".
 * This shell exists so the workspace layout is final; it exports the version only.
 */
export const version = '0.1.0';
