import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type LocalAws, startLocalAws } from '../../../local/aws/local-aws';
import { SERVICE_TABLE } from '../../../local/runtime/service-table';
import { createDocumentClient } from '../../../shared/store/document-client';
import { createKmsSealer, type Sealer } from '../../../shared/store/kms-sealer';
import { StoreError } from '../../../shared/store/store-errors';
import { FakeClock } from '../../support/fake-clock';

/** The table every store test writes to; each test takes a fresh component appid, so tests never share items. */
export const TABLE_NAME = 'wechat-component-store-test';

export interface LocalTable {
  aws: LocalAws;
  dynamo: DynamoDBDocumentClient;
  kms: KMSClient;
  close(): Promise<void>;
}

/** dynalite and the KMS stand-in with the service table created, and real SDK clients pointed at them. */
export async function startLocalTable(): Promise<LocalTable> {
  const aws = await startLocalAws();
  await aws.createTable(TABLE_NAME, SERVICE_TABLE);
  const dynamoClient = new DynamoDBClient(aws.clientConfig('dynamodb'));
  const kms = new KMSClient(aws.clientConfig('kms'));
  return {
    aws,
    dynamo: createDocumentClient(dynamoClient),
    kms,
    close: async () => {
      dynamoClient.destroy();
      kms.destroy();
      await aws.close();
    },
  };
}

/** A component appid no other test uses. */
export function newComponentAppid(): string {
  return `wx${randomBytes(8).toString('hex')}`;
}

/** What {@link useLocalTable} hands a test file; read it inside hooks and tests, since its values change per test. */
export interface LocalTableContext {
  /** The table and KMS stand-in, shared by every test of the enclosing describe. */
  readonly local: LocalTable;
  /** This test's component appid; a test may assign a new one to act as another component. */
  componentAppid: string;
  /** This test's clock, fresh at the fixed start instant. */
  readonly clock: FakeClock;
  /** A KMS sealer bound to `componentAppid` (this test's, unless one is given). */
  newSealer(componentAppid?: string): Sealer;
}

/**
 * Registers the hooks every store test needs: one local table for the enclosing describe, and before each test a new
 * component appid, a new clock, and the stand-ins' faults and call counts cleared, so no test sees another's state.
 */
export function useLocalTable(): LocalTableContext {
  let local: LocalTable | undefined;
  let componentAppid: string | undefined;
  let clock: FakeClock | undefined;

  beforeAll(async () => {
    local = await startLocalTable();
  });
  afterAll(async () => {
    await local?.close();
  });
  beforeEach(() => {
    componentAppid = newComponentAppid();
    clock = new FakeClock();
    local?.aws.clearFaults();
    local?.aws.resetStats();
  });

  // Reading a value before its hook ran is a mistake in the test file (e.g. at describe scope); say so plainly.
  const ready = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`useLocalTable: ${name} is only set inside hooks and tests`);
    return value;
  };
  return {
    get local() {
      return ready(local, 'local');
    },
    get componentAppid() {
      return ready(componentAppid, 'componentAppid');
    },
    set componentAppid(value: string) {
      componentAppid = value;
    },
    get clock() {
      return ready(clock, 'clock');
    },
    newSealer(forComponentAppid) {
      const { kms, aws } = ready(local, 'local');
      return createKmsSealer({ kms, keyId: aws.kmsKeyId, componentAppid: forComponentAppid ?? ready(componentAppid, 'componentAppid') });
    },
  };
}

/** What `promise` rejected with, which must be a StoreError; fails the test if it resolved or threw anything else. */
export async function storeErrorOf(promise: Promise<unknown>): Promise<StoreError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof StoreError)) throw new Error(`expected a StoreError, got ${String(err)}`);
  return err;
}
