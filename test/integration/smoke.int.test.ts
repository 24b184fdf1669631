import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';

describe('smoke', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('runs the token life cycle', async () => {
    const push = await h.sim.pushTicketNow();
    expect(push).toMatchObject({ acked: true });
    const reader = h.newReader();
    const token = await reader.getComponentAccessToken();
    expect(h.sim.checkComponentAccessToken(token)).toBe('ok');
    expect(h.sim.stats().calls).toMatchObject({ api_component_token: 1 });
  });
});
