import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch, Session } from './browser';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

test('a VA signs in through the login form and sees the scheduling hub', async () => {
  const va = await Session.signIn(browser, 'va');
  await va.page.getByRole('heading', { level: 2, name: 'Scheduling hub' }).waitFor();
  await va.page.getByRole('table', { name: 'Sessions in view' }).waitFor();
  await va.screenshot('hub');
  expect(await va.page.getByRole('navigation', { name: 'Workspace' }).textContent()).toContain('(va)');
  await va.close();
});
