/**
 * What the runtime stores actually ask of DynamoDB and KMS, recorded from the real store code with a fake client, and
 * a small evaluator of the IAM statements the template grants. Together they check that a role allows every call its
 * function makes: a role test written from the intended grants alone would pass even if a store used another partition.
 */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SealPurpose } from '../../shared/contract';
import type { EnvelopeSealer } from '../../shared/store/envelope-sealer';
import type { Sealer } from '../../shared/store/kms-sealer';
import { actionsOf, type PolicyStatement } from './stacks';

export interface TableCall {
  action: 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem';
  pk: string;
}

export interface KeyCall {
  action: 'kms:Encrypt' | 'kms:Decrypt' | 'kms:GenerateDataKey';
  purpose: SealPurpose;
}

/** A document client that records each call's action and partition key and answers like an empty table would. */
export function recordingDynamo(calls: TableCall[]): DynamoDBDocumentClient {
  const send = async (command: unknown) => {
    if (command instanceof GetCommand) {
      calls.push({ action: 'GetItem', pk: String(command.input.Key?.pk) });
      return {};
    }
    if (command instanceof PutCommand) {
      calls.push({ action: 'PutItem', pk: String(command.input.Item?.pk) });
      return {};
    }
    if (command instanceof UpdateCommand) {
      calls.push({ action: 'UpdateItem', pk: String(command.input.Key?.pk) });
      return { Attributes: {} };
    }
    if (command instanceof DeleteCommand) {
      calls.push({ action: 'DeleteItem', pk: String(command.input.Key?.pk) });
      return {};
    }
    throw new Error(`recordingDynamo: unexpected command ${(command as object).constructor.name}`);
  };
  return { send } as unknown as DynamoDBDocumentClient;
}

/** A sealer that records which direct KMS call each seal/open would make, with its purpose. */
export function recordingSealer(calls: KeyCall[]): Sealer {
  return {
    async seal(purpose) {
      calls.push({ action: 'kms:Encrypt', purpose });
      return new Uint8Array([1]);
    },
    async open(purpose) {
      calls.push({ action: 'kms:Decrypt', purpose });
      return 'opened';
    },
  };
}

/** An envelope sealer that records which direct KMS call each seal/open would make (GenerateDataKey / Decrypt). */
export function recordingEnvelopeSealer(calls: KeyCall[]): EnvelopeSealer {
  const probe = new Uint8Array([1]);
  return {
    async seal(purpose) {
      calls.push({ action: 'kms:GenerateDataKey', purpose });
      return { encryptedDataKey: probe, iv: probe, tag: probe, ciphertext: probe };
    },
    async open(purpose) {
      calls.push({ action: 'kms:Decrypt', purpose });
      return 'opened';
    },
  };
}

/** IAM's StringLike: `*` matches any run of characters, `?` exactly one, everything else itself. */
export function stringLike(pattern: string, value: string): boolean {
  const source = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 's').test(value);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Whether an Allow statement grants the call on the table. The stack conditions item access only with
 * `ForAllValues:StringLike dynamodb:LeadingKeys`; a statement with any other condition is not understood here, so it
 * fails the test rather than being guessed at.
 */
export function allowsTableCall(statements: PolicyStatement[], tableArn: unknown, call: TableCall): boolean {
  return statements.some((statement) => {
    if (statement.Effect !== 'Allow' || !actionsOf(statement).includes(`dynamodb:${call.action}`) || !same(statement.Resource, tableArn))
      return false;
    const { 'ForAllValues:StringLike': like, ...others } = statement.Condition ?? {};
    if (Object.keys(others).length > 0) throw new Error(`unsupported condition in ${JSON.stringify(statement)}`);
    const patterns = like?.['dynamodb:LeadingKeys'] as string[] | undefined;
    return patterns === undefined || patterns.some((pattern) => stringLike(pattern, call.pk));
  });
}

/** Whether an Allow statement grants the direct (not kms:ViaService) KMS call for this component and purpose. */
export function allowsKeyCall(statements: PolicyStatement[], keyResource: unknown, componentAppid: string, call: KeyCall): boolean {
  return statements.some((statement) => {
    if (statement.Effect !== 'Allow' || !actionsOf(statement).includes(call.action) || !same(statement.Resource, keyResource)) return false;
    const equals = statement.Condition?.StringEquals ?? {};
    if ('kms:ViaService' in equals) return false;
    const purposes = [equals['kms:EncryptionContext:purpose']].flat();
    return equals['kms:EncryptionContext:componentAppid'] === componentAppid && purposes.includes(call.purpose);
  });
}
