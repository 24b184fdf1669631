import { expect } from 'vitest';
import { type Harness, TEST_SECRETS } from './harness';

/** Another system fetching tokens with the same appsecret: the sim then retires ours after its grace period. */
export async function fetchTokenBehindOurBack(h: Harness): Promise<void> {
  const ticket = h.sim.latestTicket()!.ticket;
  const res = await fetch(`${h.sim.url}/cgi-bin/component/api_component_token`, {
    method: 'POST',
    body: JSON.stringify({
      component_appid: TEST_SECRETS.componentAppid,
      component_appsecret: TEST_SECRETS.appsecret,
      component_verify_ticket: ticket,
    }),
  });
  // The rival fetch must really have replaced our token, or the test that follows proves nothing.
  expect(((await res.json()) as { component_access_token?: string }).component_access_token).toBeTruthy();
}
