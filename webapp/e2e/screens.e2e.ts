import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch, record, Session } from './browser';

/**
 * Every screen as a VA, a therapist and a biller see it: a screenshot each (target/e2e/screenshots),
 * axe-core with no serious or critical violation, nothing about a person in the URL, nothing logged.
 */
const SCREENS = ['Scheduling hub', 'Therapist calendar', 'Group roster', 'Intake board', 'Attendance', 'Billing', 'Messages', 'Reports'];
const slug = (s: string) => s.toLowerCase().replace(/\W+/g, '-');

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

async function settle(session: Session): Promise<void> {
  // Every "Loading …" status gone: the screen shows its data, its empty state or its error.
  await session.page.waitForFunction(() => !Array.from(document.querySelectorAll('[role="status"]')).some((e) => /^Loading/.test(e.textContent ?? '')));
}

describe.each([
  ['va', 1280, 800],
  ['va', 768, 1024],
  ['therapist1', 1280, 800],
  ['biller', 1280, 800],
])('as %s at %d px', (user, width, height) => {
  test('every screen passes axe-core, keeps people out of the URL and logs nothing', async () => {
    const session = await Session.signIn(browser, user, width, height);
    const problems: string[] = [];
    try {
      for (const screen of SCREENS) {
        await session.open(screen);
        await settle(session);
        await session.screenshot(`${user}-${width}-${slug(screen)}`);
        problems.push(...(await session.accessibility(`${user}-${width}-${slug(screen)}`)).map((p) => `${screen}: ${p}`));
        expect(new URL(session.page.url()).hash).toBe(`#/${session.page.url().split('#/')[1]}`);
        expect(session.page.url()).toMatch(/\/app\/(#\/[a-z]+)?$/);
        const overflow = await session.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        if (width <= 768) {
          expect(overflow, `${screen} scrolls sideways at ${width} px`).toBeLessThanOrEqual(0);
        }
      }
      expect(problems).toEqual([]);
      // No log line about anyone; the app logs nothing of its own.
      // (The browser's own "Failed to load resource" lines name no one; they are the refusals below.)
      expect(session.consoleMessages.filter((m) => !/^Failed to load resource/.test(m))).toEqual([]);
      // Each role's screens ask only for what the role may have: the server refuses nothing.
      expect(session.refused).toEqual([]);
      const stored = await session.page.evaluate(() => Object.keys(localStorage));
      expect(stored).toEqual([]);
    } finally {
      await session.close();
    }
  });
});

test('what a therapist and a biller are told instead of a refusal', async () => {
  const therapist = await Session.signIn(browser, 'therapist1');
  await therapist.open('Billing');
  await therapist.page.getByText('Billing documentation is prepared by the VAs and the billers.').waitFor();
  await therapist.open('Messages');
  await therapist.page.getByText('The outbox of practice messages is kept by the VAs and administrators.').waitFor();
  await therapist.open('Therapist calendar');
  await therapist.page.getByText('Your calendar').waitFor();
  await therapist.close();

  const biller = await Session.signIn(browser, 'biller');
  await biller.open('Attendance');
  await biller.page.getByText('Attendance is taken by the VAs and the facilitators.').waitFor();
  await biller.open('Therapist calendar');
  await biller.page.getByText('Therapists’ calendars are kept by the VAs and the therapists themselves.').waitFor();
  await biller.open('Billing');
  await biller.page.getByRole('region', { name: 'Totals' }).waitFor();
  await biller.close();
});

test('keyboard only: a VA reaches every screen and back to the content', async () => {
  const va = await Session.signIn(browser, 'va');
  const page = va.page;
  await page.getByRole('table', { name: 'Sessions in view' }).waitFor();
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
  let presses = 1;
  for (const screen of SCREENS.slice(1)) {
    // Tab to the screen's link in the navigation, then Enter.
    for (let i = 0; i < 20 && (await page.evaluate(() => document.activeElement?.textContent)) !== screen; i++) {
      await page.keyboard.press('Tab');
      presses++;
    }
    await page.keyboard.press('Enter');
    presses++;
    await page.getByRole('heading', { level: 2, name: screen }).waitFor();
  }
  record('Reach every screen by keyboard', { 'key presses': presses });
  await va.close();
});
