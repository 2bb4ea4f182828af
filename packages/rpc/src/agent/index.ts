/** Guest agents: GuestAgent in the guest, AgentHost on the host (docs/agents.md). */
export { GuestAgent, type AgentConnectOptions, type AgentListenOptions, type AgentRegistration, type GuestAgentEvents, type GuestAgentOptions, type GuestAgentState } from './guest/guest-agent';
export { AgentHost, type AgentHostEvents, type AgentHostOptions, type AgentListenOptions as AgentHostListenOptions, type WaitForAgentOptions } from './host/agent-host';
export { AgentHandle } from './host/agent-handle';
export type { AgentInfo, AgentState, OfflineReason } from './host/agent-info';
export type { RegistrationAuthorizer } from './host/session-handler';
export type { LinkAuthorizer } from './link/link-listener';
export type { AgentLogger, LogLevel } from './util/logger';
export { AGENT_ID_METADATA, AGENT_PROTOCOL_VERSION, DEFAULT_AGENT_PORT, DEFAULT_HOST_TARGET } from './protocol/version';
export * as agentProtocol from './protocol/generated/vmrpc/agent/v1/agent';
export { GATEWAY_AGENT_METADATA, GATEWAY_WAIT_METADATA } from './gateway/call-headers';
export type { GatewayAuthorizer, GatewayCaller, GatewayOption, UnixCredentials } from './gateway/options';
export type { GatewayLimits } from './gateway/limits';
export type { GatewayTlsIdentity, GatewayTlsOptions } from './gateway/tls-listener';
