/**
 * Debian's Chromium for browser tests, driven by playwright-core (which never downloads a browser here).
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Where Debian's `chromium` package installs the browser; CHROMIUM_PATH overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * This machine's network is closed: without the background-networking flags Chromium keeps opening connections
 * to Google's hosts that are refused or fail to resolve. --no-sandbox because CI runs as root, where Chromium's
 * sandbox refuses to start (/work/.library/env/machines/node.md, "Known to work").
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** True when CI=true (or 1): a missing browser is then a failure, not a reason to skip. */
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/** Null when Chromium is there; otherwise why it is not and how to install it. */
export function chromiumMissingReason(): string | null {
  if (existsSync(CHROMIUM_PATH)) return null;
  return (
    `Chromium not found at ${CHROMIUM_PATH}. Install Debian's package ` +
    '(`sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium`) ' +
    'or set CHROMIUM_PATH; never `npx playwright install`.'
  );
}

/** Launches headless Chromium; playwright-core creates a fresh, empty profile for every launch. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS], timeout: 30_000 });
}
