import { test, expect, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';

// An agency's workspace of 1,000 channels, twelve of which lapse within the hour with
// nothing to renew them: the person finds those, opens one and comes back to the same
// filter, reconnects one and comes back to it again, watches the rest at once; the
// countdowns tick; with JavaScript off the list is still there. Runs after connect.spec.ts, which set Tether up.
test.describe.configure({ mode: 'serial' });

const owner = { email: 'ada@example.com', password: 'correct horse battery' };
const CHANNELS = 1000;
const LAPSING = 12;

async function signIn(page: Page) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
}

async function switchTo(page: Page, workspace: string) {
  await page.goto('/');
  await page.getByLabel('Switch to workspace').selectOption({ label: workspace });
  await page.getByRole('button', { name: 'Switch', exact: true }).click();
  await expect(page.locator('.topbar__workspace')).toHaveText(workspace);
}

test('an agency finds the channels that need it among a thousand', async ({ page, browser }) => {
  test.setTimeout(120_000);
  await signIn(page);
  await page.goto('/account');
  await page.getByLabel('A new workspace, for example one per client').fill('Agency');
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page.getByText('Created “Agency”')).toBeVisible();

  // Tokens as a service that kept its own would import them. Nothing checks or renews them
  // during the test: the first check comes hours after import, renewals near the end.
  const lines = Array.from({ length: CHANNELS }, (_, n) =>
    JSON.stringify({
      account_id: `agency-${n}`,
      handle: `@agency${n}`,
      name: `Client ${String(n).padStart(4, '0')}`,
      access_token: `access-${n}`,
      // Every 83rd is a Facebook Page whose token ends within the hour, which nothing
      // renews: twelve in all, the sandbox's Northwind Stores 1 to 12 (managed by Nadia
      // Agency), so each can be reconnected. The rest are kept alive with refresh tokens.
      ...(n % 83 === 5
        ? {
            network: 'facebook',
            kind: 'page',
            account_id: `fbp-8${String((n - 5) / 83 + 1).padStart(3, '0')}`,
            expires_in: 3_600,
          }
        : { network: 'sandbox', kind: 'profile', refresh_token: `refresh-${n}`, expires_in: 30 * 86_400 }),
    }),
  ).join('\n');
  // The new workspace's id, from the top bar's list once acting in the first one.
  await switchTo(page, 'Acme Social');
  const agency = await page
    .getByLabel('Switch to workspace')
    .locator('option', { hasText: 'Agency' })
    .getAttribute('value');
  execFileSync('../target/release/tether', ['import', '--workspace', agency!], {
    input: lines,
    env: { ...process.env, TETHER_DATA_DIR: process.env.TETHER_E2E_DATA_DIR, TETHER_SANDBOX: 'demo', TETHER_LOG: 'warn' },
  });
  await expect(page.getByTestId('elsewhere')).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('elsewhere')).toContainText(`Agency: ${LAPSING} channels need attention`);
  await page.getByRole('button', { name: 'Switch to Agency' }).click();
  await expect(page.locator('.topbar__workspace')).toHaveText('Agency');

  // The first screen: one page of rows, those that need a person first.
  await expect(page.getByTestId('channel')).toHaveCount(50);
  await expect(page.getByTestId('listing-summary')).toHaveText('1–50 of 1,000 channels');
  await page.getByTestId('state-count').filter({ hasText: 'need attention' }).click();
  await expect(page).toHaveURL(/\/\?show=attention$/);
  const rows = page.getByTestId('channel');
  await expect(rows).toHaveCount(LAPSING);
  await expect(rows.first()).toContainText('Expiring soon');

  // The countdowns tick.
  const countdown = rows.first().getByTestId('countdown');
  const before = await countdown.textContent();
  await expect(countdown).not.toHaveText(before!, { timeout: 5_000 });

  // Open one and come back to the same filter.
  const name = await rows.nth(3).locator('.channel__name a').textContent();
  await rows.nth(3).locator('.channel__name a').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name!);
  await page.getByRole('link', { name: '← Back to the dashboard' }).click();
  await expect(page).toHaveURL(/\/\?show=attention$/);
  await expect(rows).toHaveCount(LAPSING);

  // Reconnect it: the network's consent, then back to the same filter, one fewer.
  await rows.nth(3).locator('.channel__name a').click();
  await page.getByRole('button', { name: 'Reconnect', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Allow Tether to access your Facebook account?' })).toBeVisible();
  await page.getByRole('radio', { name: /Nadia Agency/ }).check();
  await page.getByRole('button', { name: 'Allow' }).click();
  await expect(page).toHaveURL(/\/\?show=attention$/);
  await expect(page.getByRole('status').filter({ hasText: `Reconnected “${name}”` })).toBeVisible();
  await expect(rows).toHaveCount(LAPSING - 1);
  await expect(rows.filter({ hasText: name! })).toHaveCount(0);

  // Watch all that are left at once, and come back to the same view with the outcome.
  await page.getByText('Act on several channels').click();
  await page.getByRole('radio', { name: `All ${LAPSING - 1} that match this view` }).check();
  await page.getByLabel('What to do').selectOption({ label: 'Watch them: tell me about each' });
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/\/\?show=attention$/);
  await expect(page.getByRole('status').filter({ hasText: `You now watch ${LAPSING - 1} channels.` })).toBeVisible();

  // Search every state with the form: a handle finds each channel it is part of, a name
  // the one.
  await page.getByLabel('State', { exact: true }).selectOption('');
  await page.getByLabel('Search').fill('@agency88');
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await expect(rows).toHaveCount(11);
  await page.getByLabel('Search').fill('Client 0088');
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Client 0088');

  // Without JavaScript the same address shows the same list.
  const plain = await browser.newContext({ javaScriptEnabled: false });
  const noScript = await plain.newPage();
  await signIn(noScript);
  await switchTo(noScript, 'Agency');
  await noScript.goto('/?show=attention');
  await expect(noScript.getByTestId('channel')).toHaveCount(LAPSING - 1);
  await plain.close();
});
