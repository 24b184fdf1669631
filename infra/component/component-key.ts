import { type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { SealPurpose } from '../../shared/contract';

const ADMIN_ACTIONS = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
];

/** What DynamoDB and Secrets Manager ask of a caller's key permissions (as Table.grantReadWriteData does), spelled out. */
export const VIA_SERVICE_ACTIONS = [
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:Encrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:CreateGrant',
];

/**
 * The customer-managed key for the table, the secret and the values the service seals itself.
 *
 * Its policy gives the account administration rights but no cryptographic use, except through DynamoDB and Secrets
 * Manager (kms:ViaService), which can only decrypt what those services stored. Direct Encrypt/Decrypt/GenerateDataKey,
 * the only way to seal or open a ticket, token or event payload, is granted per role by `grantKeyUse` and limited to one
 * component and one purpose through EncryptionContext conditions.
 */
export function createComponentKey(scope: Construct, input: { alias: string; removalPolicy: RemovalPolicy }): kms.Key {
  const stack = Stack.of(scope);
  const account = new iam.AccountRootPrincipal();
  return new kms.Key(scope, 'Key', {
    alias: input.alias,
    description: 'WeChat component service: table, secret and sealed tickets/tokens',
    enableKeyRotation: true,
    removalPolicy: input.removalPolicy,
    policy: new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({ sid: 'KeyAdministration', principals: [account], actions: ADMIN_ACTIONS, resources: ['*'] }),
        new iam.PolicyStatement({
          sid: 'UseThroughDynamoDBAndSecretsManager',
          principals: [account],
          actions: VIA_SERVICE_ACTIONS,
          resources: ['*'],
          conditions: {
            StringEquals: {
              'kms:CallerAccount': stack.account,
              'kms:ViaService': [`dynamodb.${stack.region}.amazonaws.com`, `secretsmanager.${stack.region}.amazonaws.com`],
            },
          },
        }),
      ],
    }),
  });
}

/**
 * Direct use of the component key (Encrypt, Decrypt, GenerateDataKey), the only way to seal or open a ticket, token or
 * event payload, each grant limited to one component and named purposes through the encryption context.
 */
export class DirectKeyUse {
  /**
   * Whether grants also name the grantee in the key policy, which the construct's own key requires. Only a key of
   * the construct's stack: the policy of an imported key is not the app's to change (CDK skips it), and naming a role
   * in the policy of a key of another stack would make the two stacks reference each other. Such a key's policy must
   * let IAM policies of the account grant its use.
   */
  private readonly extendKeyPolicy: boolean;

  constructor(
    scope: Construct,
    private readonly key: kms.IKey,
    private readonly componentAppid: string,
  ) {
    this.extendKeyPolicy = Stack.of(key) === Stack.of(scope);
  }

  /** Lets `grantee` call KMS `action` directly for these purposes of this component. */
  grant(grantee: iam.IGrantable, action: 'kms:Encrypt' | 'kms:Decrypt' | 'kms:GenerateDataKey', purposes: SealPurpose[]): iam.Grant {
    const options = {
      grantee,
      actions: [action],
      resourceArns: [this.key.keyArn],
      // A list under StringEquals matches any one of its values; both context keys must match.
      conditions: {
        StringEquals: { 'kms:EncryptionContext:componentAppid': this.componentAppid, 'kms:EncryptionContext:purpose': purposes },
      },
    };
    return this.extendKeyPolicy
      ? iam.Grant.addToPrincipalAndResource({ ...options, resource: this.key, resourceSelfArns: ['*'] })
      : iam.Grant.addToPrincipal(options);
  }
}

/** The key permissions DynamoDB (or Secrets Manager) needs from a caller, usable only through that service. */
export function grantKeyViaService(
  key: kms.IKey,
  grantee: iam.IGrantable,
  service: 'dynamodb' | 'secretsmanager',
  actions: string[],
): iam.Grant {
  const stack = Stack.of(key);
  return iam.Grant.addToPrincipal({
    grantee,
    actions,
    resourceArns: [key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `${service}.${stack.region}.amazonaws.com` } },
  });
}
