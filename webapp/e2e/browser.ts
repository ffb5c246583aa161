import AxeBuilder from '@axe-core/playwright';
import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';

/** Debian's Chromium, never a downloaded browser. */
export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

export const baseUrl = () => inject('baseUrl');
export const outDir = () => inject('outDir');

/**
 * A user's working session: a browser page signed in through the real login form, counting the
 * interactions a person would make (clicks, key presses, fields filled) for the task table.
 */
export class Session {
  interactions = 0;
  readonly consoleMessages: string[] = [];
  /** Requests the server refused (status, method, path: no query, so nothing about a person). */
  readonly refused: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {
    page.on('console', (m) => this.consoleMessages.push(m.text()));
    page.on('response', (r) => {
      if (r.status() >= 400) this.refused.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
    });
  }

  static async signIn(browser: Browser, user: string, width = 1280, height = 800): Promise<Session> {
    const context = await browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    const session = new Session(context, page);
    await page.goto(`${baseUrl()}/app/`);
    await page.waitForURL(/\/login/);
    await page.getByLabel('User name').fill(user);
    await page.getByLabel('Password').fill('demo');
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.waitForURL(/\/app\//);
    await page.getByRole('navigation', { name: 'Workspace' }).waitFor();
    return session;
  }

  async open(screen: string): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: screen }).click();
    await this.page.getByRole('heading', { level: 2, name: screen }).waitFor();
    await this.page.getByText('Loading the practice').waitFor({ state: 'detached' });
  }

  /** A click the user makes (counted). */
  async click(locator: ReturnType<Page['locator']>): Promise<void> {
    this.interactions++;
    await locator.click();
  }

  /** A field the user fills (counted as one interaction). */
  async fill(locator: ReturnType<Page['locator']>, value: string): Promise<void> {
    this.interactions++;
    await locator.fill(value);
  }

  /** An option the user chooses (counted): by value, label, index, or a label pattern. */
  async select(locator: ReturnType<Page['locator']>, value: string | { label: string } | { index: number } | RegExp): Promise<void> {
    this.interactions++;
    if (value instanceof RegExp) {
      const options = await locator.locator('option').evaluateAll((os) => os.map((o) => [(o as HTMLOptionElement).value, o.textContent ?? '']));
      const match = options.find(([, text]) => value.test(text));
      if (!match) throw new Error(`No option matches ${value}: ${options.map(([, t]) => t).join(' | ')}`);
      await locator.selectOption(match[0]);
      return;
    }
    await locator.selectOption(value);
  }

  /**
   * A FHIR call with this user's own token (the SMART session the app holds), for test set-up an
   * EHR or a therapist would do elsewhere. Not counted as an interaction.
   */
  async fhir<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    return this.page.evaluate(
      async ([method, path, body, headers]) => {
        const key = JSON.parse(sessionStorage.getItem('SMART_KEY') ?? 'null');
        const state = JSON.parse(sessionStorage.getItem(key) ?? '{}');
        const base = String(state.serverUrl).replace(/\/$/, '');
        const res = await fetch(path ? `${base}/${path}` : base, {
          method: method as string,
          headers: {
            Authorization: `Bearer ${state.tokenResponse.access_token}`,
            'Content-Type': 'application/fhir+json',
            Accept: 'application/fhir+json',
            ...headers,
          },
          body: body ? JSON.stringify(body) : undefined,
        });
        return { status: res.status, body: await res.json().catch(() => null) };
      },
      [method, path, body, headers] as const,
    ) as Promise<{ status: number; body: T }>;
  }

  resetCount(): void {
    this.interactions = 0;
  }

  /** axe-core on the page as it is: no serious or critical violation. */
  async accessibility(name: string): Promise<string[]> {
    const result = await new AxeBuilder({ page: this.page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    writeFileSync(join(shots(), `${name}.axe.json`), JSON.stringify(result.violations, null, 2));
    return bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
  }

  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: join(shots(), `${name}.png`), fullPage: true });
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

export function shots(): string {
  const dir = join(outDir(), 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Records a measured figure for docs/va-workspace.md (target/e2e/figures.json). */
export function record(task: string, figures: Record<string, string | number>): void {
  const file = join(outDir(), 'figures.json');
  const all = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  all[task] = figures;
  writeFileSync(file, JSON.stringify(all, null, 2));
}
