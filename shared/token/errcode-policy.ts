/**
 * What the token refresher does about each WeChat errcode from api_component_token (docs/wechat-protocol.md §6).
 * The README's errcode table is checked against this map by a test, so the two cannot drift apart.
 */
export type ErrcodeAction =
  /** Retry now with backoff and jitter (the API client does it), then give up until the next schedule. */
  | 'retry'
  /** A configuration problem another call cannot fix: stop calling for a while and alarm. */
  | 'config'
  /** Daily quota used up: stop calling for a while and alarm. */
  | 'quota'
  /** The ticket was refused: ask WeChat to push a new one and wait for it. */
  | 'ticket';

export interface ErrcodePolicy {
  meaning: string;
  action: ErrcodeAction;
  operator: string;
}

export const COMPONENT_TOKEN_ERRCODES: Readonly<Record<number, ErrcodePolicy>> = {
  [-1]: { meaning: 'system busy', action: 'retry', operator: 'Nothing; the schedule tries again. Alarm only if it persists.' },
  40125: { meaning: 'invalid appsecret', action: 'config', operator: 'Put the current appsecret in the component secret.' },
  41004: { meaning: 'appsecret missing', action: 'config', operator: 'Put the appsecret in the component secret.' },
  61004: {
    meaning: 'caller IP not on the allow list',
    action: 'config',
    operator: 'Add the egress IP (stack output) to the component IP allow list on the Open Platform.',
  },
  61011: { meaning: 'invalid component', action: 'config', operator: 'Check WECHAT_COMPONENT_APPID and that the platform is approved.' },
  45009: {
    meaning: 'daily quota reached',
    action: 'quota',
    operator: 'Find who else fetches tokens with this appsecret; quota resets daily.',
  },
  61005: {
    meaning: 'ticket expired',
    action: 'ticket',
    operator: 'Nothing if a new ticket arrives within minutes; else check the event receive URL.',
  },
  61006: { meaning: 'ticket invalid', action: 'ticket', operator: 'As for 61005; check the message token and EncodingAESKey.' },
};

/** How long the refresher stops calling api_component_token after each kind of non-retryable failure. */
export const BACKOFF_MS: Record<Exclude<ErrcodeAction, 'retry'>, number> = {
  config: 10 * 60_000,
  quota: 30 * 60_000,
  // Lifted as soon as a newer ticket is stored; the bound only matters if none ever arrives.
  ticket: 60 * 60_000,
};

/** The policy for an errcode; unknown codes are treated like configuration problems: alert, do not loop. */
export function policyFor(errcode: number): ErrcodePolicy {
  return (
    COMPONENT_TOKEN_ERRCODES[errcode] ?? {
      meaning: 'unexpected errcode',
      action: 'config',
      operator: 'Look the errcode up in the WeChat documentation.',
    }
  );
}
