import { afterAll, beforeAll, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch, record, Session } from './browser';

/**
 * A benchmark, not a test: how long the hub takes to show a week of sessions, with the demo
 * practice and then with 200 groups (one session each this week). Medians of several runs are
 * recorded for docs/va-workspace.md; nothing here asserts a time.
 */
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const RUNS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)]);
}

/** Milliseconds from opening the hub (from another screen) to its sessions table filled in. */
async function hubReady(session: Session): Promise<number> {
  const page = session.page;
  await session.open('Messages');
  const started = Date.now();
  await page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'Scheduling hub' }).click();
  await page.getByRole('table', { name: 'Sessions in view' }).locator('tbody tr').first().waitFor();
  await page.waitForFunction(() => !document.querySelector('[role="status"]')?.textContent?.startsWith('Loading'));
  return Date.now() - started;
}

/** Milliseconds from the sign-in form's submit to the hub's sessions table (practice loaded). */
async function signInToHub(user: string): Promise<number> {
  const started = Date.now();
  const session = await Session.signIn(browser, user);
  await session.page.getByRole('table', { name: 'Sessions in view' }).locator('tbody tr').first().waitFor();
  const elapsed = Date.now() - started;
  await session.close();
  return elapsed;
}

async function measure(label: string): Promise<Record<string, string | number>> {
  const va = await Session.signIn(browser, 'va');
  await hubReady(va); // warm-up
  const open: number[] = [];
  for (let i = 0; i < RUNS; i++) open.push(await hubReady(va));
  const groups = await va.fhir<fhir4.Bundle>('GET', 'Group?_summary=count');
  await va.close();
  const signIn: number[] = [];
  for (let i = 0; i < 3; i++) signIn.push(await signInToHub('va'));
  const figures = {
    groups: groups.body.total ?? 0,
    [`ms to open the hub (median of ${RUNS})`]: median(open),
    'ms from signing in to the hub (median of 3)': median(signIn),
    ...(label.startsWith('200') ? { target: 'hub open in < 1000 ms with 200 groups' } : {}),
  };
  record(`Hub ready, ${label}`, figures);
  return figures;
}

test('hub ready with the demo practice, then with 200 groups', async () => {
  await measure('demo practice');

  const admin = await Session.signIn(browser, 'admin');
  const template = (await admin.fhir<fhir4.Group>('GET', 'Group/group-grief-support')).body;
  const practitioners = ((await admin.fhir<fhir4.Bundle>('GET', 'Practitioner?_count=50')).body.entry ?? []).map((e) => `Practitioner/${e.resource!.id}`);
  const monday = new Date();
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
  const entries: fhir4.BundleEntry[] = [];
  for (let i = 0; i < 200; i++) {
    const groupUrl = `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    entries.push({
      fullUrl: groupUrl,
      resource: {
        ...template,
        id: undefined,
        meta: { profile: template.meta?.profile },
        identifier: undefined,
        name: `Bench group ${i + 1}`,
        // No members (and no empty array: the server refuses what R4 JSON forbids).
        member: undefined,
      } as fhir4.Group,
      request: { method: 'POST', url: 'Group' },
    });
    const day = new Date(monday.getTime() + (i % 7) * 86_400_000).toISOString().slice(0, 10);
    const hour = String(7 + (Math.floor(i / 7) % 14)).padStart(2, '0');
    entries.push({
      resource: {
        resourceType: 'Appointment',
        meta: { profile: ['http://grouptherapy.example.org/fhir/StructureDefinition/group-session'] },
        status: 'booked',
        description: `Bench group ${i + 1}`,
        start: `${day}T${hour}:00:00-05:00`,
        end: `${day}T${hour}:50:00-05:00`,
        supportingInformation: [{ reference: groupUrl }],
        participant: [{ actor: { reference: practitioners[i % practitioners.length] }, status: 'accepted', required: 'required' }],
      },
      request: { method: 'POST', url: 'Appointment' },
    });
  }
  const loaded = await admin.fhir<fhir4.OperationOutcome>('POST', '', { resourceType: 'Bundle', type: 'transaction', entry: entries }, {
    'X-Booking-Override-Reason': 'Benchmark data: 200 groups',
  });
  await admin.close();
  if (loaded.status !== 200) throw new Error(`Loading 200 groups: ${loaded.status} ${JSON.stringify(loaded.body).slice(0, 600)}`);

  await measure('200 more groups');
});
