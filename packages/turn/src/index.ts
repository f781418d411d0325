export type { AllocationInfo, RelayStats, RelayTransport } from './allocation.ts';
export type { AuthOptions } from './auth.ts';
export type {
  ClientEndpoint,
  ClientTransport,
  Family,
  PeerConnectRequest,
  RelayBound,
  RelayRequest,
  TurnEngineSink,
} from './endpoint.ts';
export type { AllocationEndReason, TurnEngineEvents, TurnEngineStats } from './engine-events.ts';
export { TurnEngineError, type TurnEngineErrorCode } from './errors.ts';
export type { AllocationRequestInfo, PeerAdmission, PeerAdmissionCache, TurnEngineOptions } from './options.ts';
export { TurnEngine } from './turn-engine.ts';
export { type AllocationQuota, UserQuotaCounter } from './user-quota.ts';
