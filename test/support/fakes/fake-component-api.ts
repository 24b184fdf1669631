import { randomBytes } from 'node:crypto';
import type { ComponentApi } from '../../../shared/wechat/component-api';
import { Interventions } from './interventions';
import { wechatErrcode } from './wechat-errors';

type TokenInput = Parameters<ComponentApi['getComponentAccessToken']>[0];
type StartPushInput = Parameters<ComponentApi['startPushTicket']>[0];

/**
 * WeChat's component API in memory: checks the appsecret as WeChat does (40125), issues a new token on every call,
 * and records every request, answered or not. A test makes it refuse with `faults.failNext(method, wechatErrcode(...))`.
 */
export class FakeComponentApi implements ComponentApi {
  readonly faults = new Interventions<keyof ComponentApi>((method) => wechatErrcode(method, -1));
  readonly tokenRequests: TokenInput[] = [];
  readonly startPushRequests: StartPushInput[] = [];
  readonly issued: string[] = [];

  constructor(private readonly options: { appsecret: string; expiresInSec?: number }) {}

  async getComponentAccessToken(input: TokenInput): Promise<{ componentAccessToken: string; expiresInSec: number }> {
    this.tokenRequests.push({ ...input });
    await this.faults.enter('getComponentAccessToken');
    if (input.componentAppsecret !== this.options.appsecret) throw wechatErrcode('api_component_token', 40125);
    const componentAccessToken = `fake-component-access-token-${this.issued.length + 1}-${randomBytes(12).toString('hex')}`;
    this.issued.push(componentAccessToken);
    return { componentAccessToken, expiresInSec: this.options.expiresInSec ?? 7200 };
  }

  async startPushTicket(input: StartPushInput): Promise<void> {
    this.startPushRequests.push({ ...input });
    await this.faults.enter('startPushTicket');
    if (input.componentAppsecret !== this.options.appsecret) throw wechatErrcode('api_start_push_ticket', 40125);
  }
}
