import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { AuthorizationCodeStore } from '../store/authorization-code-store';
import type { AuthorizerStore } from '../store/authorizer-store';
import type { DueWorkIndex } from '../store/due-work';
import type { ComponentTokenReader } from '../token/component-token-reader';
import type { AuthorizerApi } from '../wechat/authorizer-api';
import type { AuthorizerJobQueue } from './authorizer-jobs';

/** What the authorizer lifecycle needs, built once per container (functions/authorizer-worker/deps.ts) or by tests. */
export interface AuthorizerDeps {
  componentAppid: string;
  authorizers: AuthorizerStore;
  codes: AuthorizationCodeStore;
  due: DueWorkIndex;
  jobs: AuthorizerJobQueue;
  api: AuthorizerApi;
  /** The component_access_token every authorizer API call needs (the worker reads it like any consumer). */
  componentToken: Pick<ComponentTokenReader, 'withComponentAccessToken'>;
  now: () => number;
  logger: Logger;
  metrics: Metrics;
  /** Refresh an authorizer's token this long before it expires. */
  refreshMarginMs: number;
}
