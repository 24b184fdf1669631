import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** One unit of authorizer work, as it travels through SQS: never a token or a code, only what names the work. */
export type AuthorizerJob = { kind: 'refresh'; authorizerAppid: string } | { kind: 'exchange'; codeSha256: string };

const APPID = /^wx[0-9A-Za-z]{16}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
// SQS takes at most 10 messages per batch.
const BATCH_SIZE = 10;

/** The job in an SQS message body, or null for a body that is not one (it is then dropped and counted). */
export function parseAuthorizerJob(body: string): AuthorizerJob | null {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return null;
  }
  const job = (value ?? {}) as Record<string, unknown>;
  if (job.kind === 'refresh' && typeof job.authorizerAppid === 'string' && APPID.test(job.authorizerAppid))
    return { kind: 'refresh', authorizerAppid: job.authorizerAppid };
  if (job.kind === 'exchange' && typeof job.codeSha256 === 'string' && SHA256_HEX.test(job.codeSha256))
    return { kind: 'exchange', codeSha256: job.codeSha256 };
  return null;
}

/** Sends jobs to the worker's queue. */
export interface AuthorizerJobQueue {
  send(jobs: readonly AuthorizerJob[]): Promise<void>;
}

/**
 * Sends jobs in batches of ten; entries SQS refuses are sent once more, then the whole call fails (the caller did not
 * get its work queued and must say so: the push is not acknowledged, the schedule tries again at its next run).
 */
export function createSqsJobQueue(input: { sqs: SQSClient; queueUrl: string }): AuthorizerJobQueue {
  const sendBatch = async (entries: Array<{ Id: string; MessageBody: string }>) => {
    const out = await input.sqs.send(new SendMessageBatchCommand({ QueueUrl: input.queueUrl, Entries: entries }));
    return new Set((out.Failed ?? []).map((failure) => failure.Id));
  };
  return {
    async send(jobs) {
      for (let start = 0; start < jobs.length; start += BATCH_SIZE) {
        const entries = jobs
          .slice(start, start + BATCH_SIZE)
          .map((job, index) => ({ Id: String(index), MessageBody: JSON.stringify(job) }));
        const failed = await sendBatch(entries);
        if (failed.size === 0) continue;
        const stillFailed = await sendBatch(entries.filter((entry) => failed.has(entry.Id)));
        if (stillFailed.size > 0) throw new Error(`SQS refused ${stillFailed.size} authorizer job(s)`);
      }
    },
  };
}
