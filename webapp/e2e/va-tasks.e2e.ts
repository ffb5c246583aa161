import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Download } from 'playwright-core';
import { launch, record, Session } from './browser';
import { formatDate, formatTime } from '../src/lib/time';

/**
 * The VA's working day, through the real login form, against the real server: each task counted in
 * interactions (clicks, fields filled, options chosen) for docs/va-workspace.md.
 */
let browser: Browser;
let va: Session;
let admin: Session;

beforeAll(async () => {
  browser = await launch();
  va = await Session.signIn(browser, 'va');
  admin = await Session.signIn(browser, 'admin');
});
afterAll(async () => {
  await va?.close();
  await admin?.close();
  await browser?.close();
});

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') {
    await va.screenshot(`failed-${context.task.name.replace(/\W+/g, '-')}`);
  }
});

/** A family name no earlier run used (a re-run against the same server finds only its own). */
const family = `Intake${Array.from({ length: 5 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('')}`;

const members = (a: fhir4.Appointment) =>
  (a.participant ?? []).filter((p) => p.actor?.reference?.startsWith('Patient/') && p.status !== 'declined');

function isoDay(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

describe('a VA', () => {
  test('creates a weekly series after previewing it', async () => {
    const page = va.page;
    await va.open('Scheduling hub');
    va.resetCount();
    await va.click(page.getByRole('button', { name: 'New series…' }));
    const form = page.getByRole('region', { name: 'New session series' });
    await va.select(form.getByLabel('Group', { exact: true }), { label: 'Grief and Loss Support Group' });
    // A date no earlier run against the same server booked.
    await va.fill(form.getByLabel('First possible date'), isoDay(120 + 7 * Math.floor(Math.random() * 30)));
    await va.fill(form.getByLabel('Number of sessions'), '8');
    await va.click(form.getByRole('button', { name: 'Preview' }));
    await form.getByRole('heading', { name: /^Preview: \d+ sessions/ }).waitFor();
    await va.screenshot('hub-series-preview');
    await va.click(form.getByRole('button', { name: /^Confirm and book \d+ sessions/ }));
    await page.getByText(/booked: \d+ sessions of Grief and Loss Support Group/).waitFor();
    record('Create a weekly series with preview', { interactions: va.interactions, target: 8 });
    expect(va.interactions).toBeLessThanOrEqual(8);
  });

  test('takes attendance of a past 8-member session with one late arrival', async () => {
    const page = va.page;
    // The demo's past sessions all have their attendance: an extra session of an 8-member group
    // (as an EHR would book it) waits for it.
    const recent = await admin.fhir<fhir4.Bundle>('GET', `Appointment?date=lt${isoDay(0)}&_sort=-date&_count=40`);
    const source = (recent.body.entry ?? [])
      .map((e) => e.resource as fhir4.Appointment)
      .find((a) => members(a).length === 8);
    expect(source, `a recent 8-member session among ${recent.status} ${(recent.body.entry ?? []).map((e) => (e.resource as fhir4.Appointment).participant?.length).join(',')}`).toBeDefined();
    // A morning in the last ten days (random, so a re-run against the same server finds it free).
    const day = isoDay(-2 - Math.floor(Math.random() * 8));
    const hour = 6 + Math.floor(Math.random() * 3);
    const extra = await admin.fhir('POST', 'Appointment', {
      resourceType: 'Appointment',
      meta: { profile: source!.meta?.profile },
      status: 'booked',
      description: source!.description,
      serviceType: source!.serviceType,
      start: `${day}T0${hour}:00:00-05:00`,
      end: `${day}T0${hour}:45:00-05:00`,
      supportingInformation: source!.supportingInformation,
      extension: (source!.extension ?? []).filter((e) => !e.url.endsWith('session-number')).length
        ? (source!.extension ?? []).filter((e) => !e.url.endsWith('session-number'))
        : undefined,
      participant: (source!.participant ?? []).filter((p) => p.status !== 'declined').map((p) => ({ actor: p.actor, type: p.type, required: p.required, status: 'accepted' })),
    });
    expect(extra.status, JSON.stringify(extra.body)).toBe(201);

    await va.open('Attendance');
    va.resetCount();
    const waiting = page.getByRole('region', { name: 'Waiting for attendance (last 14 days)' });
    // That session, not whichever waits first: a demo session that ended since the server loaded
    // the demo waits for its attendance too.
    const startsAt = `${day}T0${hour}:00:00-05:00`;
    const when = `${formatDate(startsAt, 'America/New_York')} at ${formatTime(startsAt, 'America/New_York')}`;
    await va.click(waiting.locator(`button[aria-label^="Take attendance: "][aria-label$=", ${when}"]`));
    const sheet = page.getByRole('region', { name: / · / });
    await sheet.getByText('8 members').waitFor();
    // The members' names have loaded (until then each row says "Member").
    const first = sheet.getByRole('group', { name: /^Attendance of (?!Member$)/ }).first();
    await first.waitFor();
    const name = (await first.getAttribute('aria-label'))!.replace('Attendance of ', '');
    await va.click(first.getByRole('button', { name: 'Late', exact: true }));
    await va.fill(sheet.getByLabel(`Minutes late, ${name}`), '10');
    await va.click(sheet.getByRole('button', { name: 'Mark everyone else attended' }));
    await va.screenshot('attendance');
    await va.click(sheet.getByRole('button', { name: 'Save attendance' }));
    await sheet.getByRole('heading', { name: 'Attendance saved' }).waitFor();
    record('Attendance of an 8-member session, one late', { interactions: va.interactions, target: 10 });
    expect(va.interactions).toBeLessThanOrEqual(10);
  });

  test('reconciles a period and downloads the 837P', async () => {
    const page = va.page;
    await va.open('Billing');
    va.resetCount();
    await va.click(page.getByRole('button', { name: /reconcile/i }));
    await page.getByText(/sessions reconciled: \d+ draft claims created/).waitFor({ timeout: 120_000 });
    await page.getByRole('region', { name: 'Problems' }).waitFor();
    await va.screenshot('billing');
    const packages = page.getByRole('region', { name: 'Packages' });
    await va.select(packages.getByLabel('Payer of the package'), { index: 1 });
    const download: Promise<Download> = page.waitForEvent('download');
    await va.click(packages.getByRole('button', { name: /837P/ }));
    const file = await download;
    const path = await file.path();
    const { readFileSync } = await import('node:fs');
    const x12 = readFileSync(path!, 'ascii');
    expect(x12.startsWith('ISA*')).toBe(true);
    expect(x12).toContain('*005010X222A1');
    record('Reconcile a period and download an 837P', { interactions: va.interactions });
  });

  test('moves an intake from screening to enrolment', async () => {
    const page = va.page;
    // An EHR refers a new person (set-up through the API, as the EHR would).
    const patient = await admin.fhir<fhir4.Patient>('POST', 'Patient', {
      resourceType: 'Patient',
      name: [{ family: family, given: ['Robin'] }],
      telecom: [{ system: 'email', value: 'robin.intake@example.org' }],
      birthDate: '1990-04-02',
    });
    expect(patient.status).toBe(201);
    const person = `Patient/${patient.body.id}`;
    const referral = await admin.fhir('POST', 'ServiceRequest', {
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      code: { coding: [{ system: 'http://snomed.info/sct', code: '76168009', display: 'Group psychotherapy' }] },
      subject: { reference: person },
      reasonCode: [{ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'F41.1' }] }],
    });
    expect(referral.status).toBe(201);

    await va.open('Intake board');
    va.resetCount();
    await va.click(page.getByRole('button', { name: `Open the intake of Robin ${family}` }));
    const intake = page.getByRole('region', { name: `Intake of Robin ${family}` });
    await va.select(intake.getByLabel('Screening therapist'), { index: 1 });
    await va.click(intake.getByRole('radio').first());
    await va.click(intake.getByRole('button', { name: 'Book screening' }));
    await intake.getByText(/Screening booked with/).waitFor();
    const booked = va.interactions;

    // The screening therapist's questionnaire (GAD-7), scored by the server.
    const answers = [1, 1, 1, 1, 1, 1, 1];
    const loinc = ['LA6568-5', 'LA6569-3', 'LA6570-1', 'LA6571-9'];
    const qr = await admin.fhir('POST', 'QuestionnaireResponse', {
      resourceType: 'QuestionnaireResponse',
      questionnaire: 'http://grouptherapy.example.org/fhir/Questionnaire/gad-7',
      status: 'completed',
      subject: { reference: person },
      authored: new Date().toISOString(),
      item: answers.map((a, i) => ({ linkId: String(i + 1), answer: [{ valueCoding: { system: 'http://loinc.org', code: loinc[a] } }] })),
    });
    expect(qr.status).toBe(201);
    // And the group readiness questionnaire: agreement, free most weekday evenings, either mode.
    const BASE = 'http://grouptherapy.example.org/fhir';
    const readiness = await admin.fhir('POST', 'QuestionnaireResponse', {
      resourceType: 'QuestionnaireResponse',
      questionnaire: `${BASE}/Questionnaire/group-readiness`,
      status: 'completed',
      subject: { reference: person },
      authored: new Date().toISOString(),
      item: [
        ...[1, 2, 3, 4, 5, 6].map((i) => ({ linkId: `r${i}`, answer: [{ valueCoding: { system: `${BASE}/CodeSystem/agreement`, code: 'agree' } }] })),
        { linkId: 'availability', answer: ['mon', 'tue', 'wed', 'thu'].map((d) => ({ valueCoding: { system: `${BASE}/CodeSystem/availability-window`, code: `${d}-evening` } })) },
        { linkId: 'attendance-mode', answer: [{ valueCoding: { system: `${BASE}/CodeSystem/attendance-mode`, code: 'either' } }] },
      ],
    });
    expect(readiness.status, JSON.stringify(readiness.body)).toBe(201);

    await va.click(intake.getByRole('button', { name: 'Back to the board' }));
    await va.click(page.getByRole('button', { name: `Open the intake of Robin ${family}` }));
    await intake.getByRole('cell', { name: '7', exact: true }).first().waitFor();
    await va.screenshot('intake');
    await va.click(intake.getByRole('button', { name: 'Record Group treatment consent as signed' }));
    await intake.getByText(/Group treatment consent/).first().waitFor();
    await va.click(intake.getByRole('button', { name: 'Record Confidentiality agreement as signed' }));
    await intake.getByLabel('Group to enrol in').waitFor();
    // The VA reads the ranking and its practical reasons; the clinical ones stay with the therapist.
    await intake.getByText(/Clinical fit and readiness weighed/).first().waitFor();
    expect(await intake.textContent()).not.toContain('F41.1');
    await va.select(intake.getByLabel('Group to enrol in'), /Interpersonal Process Group/);
    await va.click(intake.getByRole('button', { name: 'Enrol' }));
    await intake.getByText(/Enrolled in Interpersonal Process Group|number \d+ on its waitlist/).first().waitFor();
    record('Intake from referral to enrolment', { interactions: va.interactions, 'of which booking the screening': booked });
  });

  test('finds and assigns a substitute', async () => {
    const page = va.page;
    await va.open('Scheduling hub');
    va.resetCount();
    const list = page.getByRole('table', { name: 'Sessions in view' });
    const dbt = list.getByRole('button', { name: /^Open DBT Skills/ }).first();
    const thisWeek = await dbt.getAttribute('aria-label');
    await va.click(page.getByRole('button', { name: 'Next ›' }));
    // Next week's DBT session, once the list shows next week: this week's stays a moment. Each
    // button names its session's day and time, so this week's is one button even when the week
    // holds another DBT session (the attendance test books one on a random morning).
    await list.getByRole('button', { name: thisWeek!, exact: true }).waitFor({ state: 'detached' });
    const nextWeek = list.getByRole('button', { name: /^Open DBT Skills/ }).first();
    await va.click(nextWeek);
    await va.click(page.getByRole('button', { name: 'Find a substitute' }));
    const assign = page.getByRole('button', { name: /^Assign / }).first();
    await assign.waitFor();
    await va.click(assign);
    await page.getByText(/covers this session; everyone concerned is told/).waitFor();
    record('Find and assign a substitute', { interactions: va.interactions });
  });
});
