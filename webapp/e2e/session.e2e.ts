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

test('when the session ends mid-task, the VA signs in again in a window and nothing typed is lost', async () => {
  const va = await Session.signIn(browser, 'va');
  const page = va.page;
  await page.getByRole('table', { name: 'Sessions in view' }).waitFor();
  await page.getByRole('button', { name: 'New series…' }).click();
  const form = page.getByRole('region', { name: 'New session series' });
  await form.getByLabel('Group', { exact: true }).selectOption({ label: 'CBT for Depression (virtual)' });
  await form.getByLabel('First possible date').fill('2027-06-01');
  await form.getByLabel('Other dates without a session').fill('2027-06-18');

  // The sign-in is revoked (as signing out elsewhere or an administrator would); wait until the
  // server refuses the token the page holds.
  await page.evaluate(async () => {
    const state = JSON.parse(sessionStorage.getItem(JSON.parse(sessionStorage.getItem('SMART_KEY')!))!);
    await fetch('/oauth2/revoke', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: state.tokenResponse.refresh_token, client_id: 'va-app' }),
    });
    for (;;) {
      const res = await fetch('/fhir/Group?_count=1', { headers: { Authorization: `Bearer ${state.tokenResponse.access_token}` } });
      if (res.status === 401) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  await form.getByRole('button', { name: 'Preview' }).click();
  const banner = page.getByRole('alert').filter({ has: page.getByRole('button', { name: 'Sign in again' }) });
  await banner.first().waitFor();
  const popupOpened = page.waitForEvent('popup');
  await banner.getByRole('button', { name: 'Sign in again' }).click();
  const popup = await popupOpened;
  const closed = popup.waitForEvent('close');
  await Promise.race([
    closed,
    popup.getByLabel('User name').waitFor().then(async () => {
      await popup.getByLabel('User name').fill('va');
      await popup.getByLabel('Password').fill('demo');
      await popup.getByRole('button', { name: /sign in/i }).click();
    }),
  ]);
  await closed;
  await banner.first().waitFor({ state: 'detached' });

  // Everything typed is still there, and the same click now goes through.
  expect(await form.getByLabel('Other dates without a session').inputValue()).toBe('2027-06-18');
  expect(await form.getByLabel('First possible date').inputValue()).toBe('2027-06-01');
  await form.getByRole('button', { name: 'Preview' }).click();
  await form.getByRole('heading', { name: /^Preview: \d+ sessions/ }).waitFor();
  await va.close();
});

test('signing out revokes the sign-in on the server', async () => {
  const va = await Session.signIn(browser, 'va');
  const page = va.page;
  await page.getByRole('table', { name: 'Sessions in view' }).waitFor();
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem(JSON.parse(sessionStorage.getItem('SMART_KEY')!))!).tokenResponse.access_token as string);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'You have signed out' }).waitFor();
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  const status = await page.evaluate(async (t) => {
    for (let i = 0; i < 50; i++) {
      const res = await fetch('/fhir/Group?_count=1', { headers: { Authorization: `Bearer ${t}` } });
      if (res.status === 401) return 401;
      await new Promise((r) => setTimeout(r, 200));
    }
    return 200;
  }, token);
  expect(status).toBe(401);
  await va.close();
});
