/** Thrown at cold start when configuration is missing or invalid; names variables, never values. */
export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG' as const;
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}
