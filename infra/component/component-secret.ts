import type { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { nagAcknowledgements } from '../nag-acknowledgements';
import { grantKeyViaService } from './component-key';

/** The component secret, JSON `{"appsecret","token","encodingAesKey"}`, encrypted with the component key. */
export function createComponentSecret(
  scope: Construct,
  input: { componentAppid: string; key: kms.IKey; removalPolicy: RemovalPolicy },
): secretsmanager.Secret {
  const secret = new secretsmanager.Secret(scope, 'Secret', {
    description: `WeChat component ${input.componentAppid}: appsecret, message token and EncodingAESKey (JSON). Fill in appsecret and token.`,
    encryptionKey: input.key,
    removalPolicy: input.removalPolicy,
    // A fresh EncodingAESKey (43 letters and digits) to enter on the Open Platform; appsecret and token are yours to set.
    generateSecretString: {
      secretStringTemplate: JSON.stringify({ appsecret: '', token: '' }),
      generateStringKey: 'encodingAesKey',
      passwordLength: 43,
      excludePunctuation: true,
      includeSpace: false,
    },
  });
  nagAcknowledgements.secretWithoutRotation(secret);
  return secret;
}

/**
 * A secret of its own holding a random signing key (64 letters and digits), encrypted with the component key: for keys
 * that sign what the service hands out (H5 session tokens, authorization links), never the appsecret.
 */
export function createSigningKeySecret(
  scope: Construct,
  id: string,
  input: { description: string; key: kms.IKey; removalPolicy: RemovalPolicy },
): secretsmanager.Secret {
  return new secretsmanager.Secret(scope, id, {
    description: input.description,
    encryptionKey: input.key,
    removalPolicy: input.removalPolicy,
    generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
  });
}

/**
 * GetSecretValue on this secret only and, when the secret has a customer-managed key, that key's kms:Decrypt usable
 * only through Secrets Manager.
 */
export function grantSecretValue(secret: secretsmanager.ISecret, grantee: iam.IGrantable): iam.Grant {
  const read = iam.Grant.addToPrincipal({ grantee, actions: ['secretsmanager:GetSecretValue'], resourceArns: [secret.secretArn] });
  return secret.encryptionKey ? read.combine(grantKeyViaService(secret.encryptionKey, grantee, 'secretsmanager', ['kms:Decrypt'])) : read;
}
