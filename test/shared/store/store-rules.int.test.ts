import { createComponentStores } from '../../../shared/store/component-stores';
import { describeStoreRules, RULES_LEASE_MS, RULES_LOGIN_CODE_TTL_MS } from '../../support/store-rules';
import { TABLE_NAME, useLocalTable } from './local-table';

const ctx = useLocalTable();

describeStoreRules('DynamoDB stores', () => ({
  stores: createComponentStores({
    dynamo: ctx.local.dynamo,
    kms: ctx.local.kms,
    tableName: TABLE_NAME,
    kmsKeyId: ctx.local.aws.kmsKeyId,
    componentAppid: ctx.componentAppid,
    now: ctx.clock.now,
    leaseDurationMs: RULES_LEASE_MS,
    loginCodeTtlMs: RULES_LOGIN_CODE_TTL_MS,
  }),
  clock: ctx.clock,
}));
