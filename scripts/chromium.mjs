// The system Chromium (Debian's /usr/bin/chromium, installed by scripts/setup.sh) through
// playwright-core, never a downloaded browser; the flags keep it off the closed network.
// Shared by the browser tests and the benchmarks.
import { chromium } from 'playwright-core';

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.OSSUP_CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
