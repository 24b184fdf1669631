/** `wechat-component-aws/cdk`: the WechatComponent construct, its props and the egress options. */
export type { Throttle } from '../infra/component/component-api';
export { WechatEgress } from '../infra/component/component-egress';
export type { H5OAuthProps } from '../infra/component/component-h5-oauth';
export { WechatComponent } from '../infra/wechat-component';
export type { WechatComponentProps } from '../infra/wechat-component-props';
