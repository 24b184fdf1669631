import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { REFRESHER_READER_ALIAS } from '../../shared/contract';
import { ComponentFunction, type ComponentFunctionProps, type HandlerProps } from './component-function';
import { DirectKeyUse } from './component-key';

/**
 * A function that keeps tokens fresh (the refresher, the authorizer worker) and its `reader` alias: the only thing
 * token readers may invoke. Through the alias the function accepts reader requests only (reader-miss, invalidate), so a
 * reader cannot force a refresh past a backoff; the handler reads the alias from context.invokedFunctionArn, which
 * Lambda sets and no caller can forge. Each subclass adds a `grantRead…` of what its readers need.
 */
export abstract class TokenKeeperFunction extends ComponentFunction {
  readonly readerAlias: lambda.Alias;
  protected readonly table: HandlerProps['table'];
  protected readonly keyUse: DirectKeyUse;
  protected readonly componentAppid: string;

  protected constructor(
    scope: Construct,
    id: string,
    props: ComponentFunctionProps & { handler: HandlerProps; readerAliasDescription: string },
  ) {
    super(scope, id, props);
    this.readerAlias = new lambda.Alias(this, 'ReaderAlias', {
      aliasName: REFRESHER_READER_ALIAS,
      version: this.function.currentVersion,
      description: props.readerAliasDescription,
    });
    this.table = props.handler.table;
    this.componentAppid = props.handler.componentAppid;
    this.keyUse = new DirectKeyUse(this, props.handler.key, props.handler.componentAppid);
  }
}
