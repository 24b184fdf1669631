/**
 * The frame of a browser test file that drives a running system in Chromium: the skip (or failure, in CI) when
 * Chromium is missing, and the hooks that start and stop the system and the browser.
 */
import type { Browser, BrowserContext, BrowserContextOptions } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { chromiumMissingReason, IN_CI, launchChromium } from './chromium';

const missingChromium = chromiumMissingReason();

/** Why this file's browser tests are skipped (Chromium is missing outside CI), or null when they run. */
export const browserSkipReason: string | null = missingChromium !== null && !IN_CI ? missingChromium : null;
// stderr, not console.warn: vitest's `silent: 'passed-only'` drops console output that belongs to no failed test.
if (browserSkipReason) process.stderr.write(`[browser test skipped] ${browserSkipReason}\n`);

export interface BrowserSuite<S> {
  /** The started system (after beforeAll). */
  system(): S;
  /** A new browser context (no cookies, no storage), closed after the test. */
  newContext(): Promise<BrowserContext>;
}

/**
 * Registers the suite's hooks: starts the system and Chromium side by side (if one fails, the other is still closed),
 * closes each test's contexts after it, and the browser and the system after the suite. Call it inside `describe`.
 */
export function useBrowserSuite<S>(input: {
  start(): Promise<S>;
  stop(system: S): Promise<void>;
  /** Options of every context, e.g. its locale. */
  context: BrowserContextOptions;
  /** @default 10000 */
  actionTimeoutMs?: number;
  /** @default the action timeout */
  navigationTimeoutMs?: number;
}): BrowserSuite<S> {
  let system: S | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    if (missingChromium) throw new Error(`CI=true but ${missingChromium} (.ci/run installs it before the tests)`);
    const results = await Promise.allSettled([
      input.start().then((started) => (system = started)),
      launchChromium().then((launched) => (browser = launched)),
    ]);
    for (const result of results) if (result.status === 'rejected') throw result.reason;
  }, 60_000);

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    if (system !== undefined) await input.stop(system);
  }, 20_000);

  return {
    system: () => system!,
    async newContext() {
      const context = await browser!.newContext(input.context);
      context.setDefaultTimeout(input.actionTimeoutMs ?? 10_000);
      if (input.navigationTimeoutMs !== undefined) context.setDefaultNavigationTimeout(input.navigationTimeoutMs);
      contexts.push(context);
      return context;
    },
  };
}
