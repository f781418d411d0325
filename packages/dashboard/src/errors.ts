export type DashboardErrorCode = 'DASHBOARD_ERR_TOKEN_REQUIRED' | 'DASHBOARD_ERR_ASSET';

export class DashboardError extends Error {
  readonly code: DashboardErrorCode;

  constructor(code: DashboardErrorCode, message: string) {
    super(message);
    this.name = 'DashboardError';
    this.code = code;
  }
}
