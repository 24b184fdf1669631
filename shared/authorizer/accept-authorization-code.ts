import type { Logger } from '@aws-lambda-powertools/logger';
import type { AuthorizationCodeStore, CodeArrival, StoredCode } from '../store/authorization-code-store';
import type { AuthorizerJobQueue } from './authorizer-jobs';

/**
 * An authorization code arrived (the `authorized` push, or the consent redirect): recorded durably, then handed to
 * the worker through SQS unless it is already being exchanged or done. Both arrivals of one code land on one item
 * and the worker's claim runs the exchange once, so calling this twice, or from both sides at once, is safe. Throws
 * when the code could not be recorded or queued: the caller must then not acknowledge the push (WeChat retries).
 */
export async function acceptAuthorizationCode(
  deps: { codes: Pick<AuthorizationCodeStore, 'record'>; jobs: AuthorizerJobQueue; logger: Logger },
  arrival: CodeArrival,
): Promise<StoredCode> {
  const { created, item } = await deps.codes.record(arrival);
  // Pending is the only state in which nobody is (or will be) working on it; the due sweep re-drives it anyway.
  if (item.status === 'pending') await deps.jobs.send([{ kind: 'exchange', codeSha256: item.codeSha256 }]);
  deps.logger.info('authorization code recorded', {
    source: arrival.source,
    authorizerAppid: arrival.authorizerAppid,
    codeStatus: item.status,
    firstArrival: created,
    codeSha256Prefix: item.codeSha256.slice(0, 12),
  });
  return item;
}
