import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { type AuthorizerJob, createSqsJobQueue, parseAuthorizerJob } from '../../../shared/authorizer/authorizer-jobs';
import { catchAsyncError } from '../../support/catch-error';

const APPID = 'wx0123456789abcdef';
const SHA = 'a'.repeat(64);

describe('parseAuthorizerJob', () => {
  it('reads a refresh job and an exchange job, keeping only what names the work', () => {
    const refresh = parseAuthorizerJob(JSON.stringify({ kind: 'refresh', authorizerAppid: APPID, extra: 'ignored' }));
    const exchange = parseAuthorizerJob(JSON.stringify({ kind: 'exchange', codeSha256: SHA }));

    expect(refresh).toEqual({ kind: 'refresh', authorizerAppid: APPID });
    expect(exchange).toEqual({ kind: 'exchange', codeSha256: SHA });
  });

  it.each([
    ['not JSON', '{kind: refresh'],
    ['JSON null', 'null'],
    ['an unknown kind', JSON.stringify({ kind: 'revoke', authorizerAppid: APPID })],
    ['a refresh without appid', JSON.stringify({ kind: 'refresh' })],
    ['a refresh with an appid that is not one', JSON.stringify({ kind: 'refresh', authorizerAppid: 'wx123' })],
    ['an exchange naming a code instead of its hash', JSON.stringify({ kind: 'exchange', codeSha256: 'queryauthcode@@@abc' })],
    ['an exchange with an upper-case hash', JSON.stringify({ kind: 'exchange', codeSha256: SHA.toUpperCase() })],
  ])('rejects %s', (_name, body) => {
    expect(parseAuthorizerJob(body)).toBeNull();
  });
});

/** An SQS client whose SendMessageBatch refuses the entries `refuse` names, per call; records what it was sent. */
function recordingSqs(refuse: (call: number, id: string) => boolean) {
  const batches: Array<Array<{ Id: string; MessageBody: string }>> = [];
  const sqs = {
    async send(command: SendMessageBatchCommand) {
      const entries = (command.input.Entries ?? []).map(({ Id, MessageBody }) => ({ Id: Id!, MessageBody: MessageBody! }));
      batches.push(entries);
      const call = batches.length;
      return {
        Failed: entries.filter((entry) => refuse(call, entry.Id)).map((entry) => ({ Id: entry.Id, SenderFault: false, Code: 'X' })),
      };
    },
  } as unknown as SQSClient;
  return { sqs, batches };
}

const jobs = (count: number): AuthorizerJob[] =>
  Array.from({ length: count }, (_, i) => ({ kind: 'refresh', authorizerAppid: `wx${String(i).padStart(16, '0')}` }));

describe('createSqsJobQueue', () => {
  it('sends jobs in batches of ten, each body the job as JSON', async () => {
    const { sqs, batches } = recordingSqs(() => false);

    await createSqsJobQueue({ sqs, queueUrl: 'https://sqs.local/jobs' }).send(jobs(23));

    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 3]);
    expect(JSON.parse(batches[2]![2]!.MessageBody)).toEqual(jobs(23)[22]);
  });

  it('sends the entries SQS refused once more', async () => {
    const { sqs, batches } = recordingSqs((call, id) => call === 1 && id === '4');

    await createSqsJobQueue({ sqs, queueUrl: 'https://sqs.local/jobs' }).send(jobs(6));

    expect(batches.map((batch) => batch.map((entry) => entry.Id))).toEqual([['0', '1', '2', '3', '4', '5'], ['4']]);
  });

  it('throws when SQS refuses an entry twice, so the caller does not take the work as queued', async () => {
    const { sqs } = recordingSqs((_call, id) => id === '1');

    const err = await catchAsyncError(() => createSqsJobQueue({ sqs, queueUrl: 'https://sqs.local/jobs' }).send(jobs(3)));

    expect((err as Error).message).toBe('SQS refused 1 authorizer job(s)');
  });
});
