import { test, expect, Page } from '@playwright/test';
import { setupToken } from '../setup-link';
import { auditAll } from '../audit';

// One story, in order: the first visitor sets Tether up, connects a sandbox channel through
// the real OAuth handshake, and watches its countdown tick; then the same dashboard is
// rendered with JavaScript off.
test.describe.configure({ mode: 'serial' });

const owner = { name: 'Ada Owner', email: 'ada@example.com', password: 'correct horse battery' };

function failOnConsoleErrors(page: Page) {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

test('sign up, connect the sandbox channel, and see the countdown tick', async ({ page }) => {
  const errors = failOnConsoleErrors(page);

  // A visitor without the link from the log is told where to find it, and gets no form.
  await page.goto('/');
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByText('Tether is not set up yet.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Create account' })).toHaveCount(0);

  // Both set-up pages pass axe-core: without the link, and through it.
  await auditAll(page, ['/setup', `/setup/${setupToken}`]);
  await page.goto(`/setup/${setupToken}`);
  await page.getByLabel('Your name').fill(owner.name);
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByLabel('Workspace name').fill('Acme Social');
  await page.getByRole('button', { name: 'Create account' }).click();

  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('status').filter({ hasText: 'Tether is set up.' })).toBeVisible();
  await expect(page.getByTestId('health')).toContainText('No channels yet');

  await page.getByLabel('Network', { exact: true }).selectOption('sandbox');
  await page.getByLabel('Name', { exact: true }).fill('Studio');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();

  // The sandbox network's consent page, served over real HTTP.
  await expect(page.getByRole('heading', { name: /Allow Tether to access your Sandbox account/ })).toBeVisible();
  await expect(page.getByText('Sandbox network – simulated by Tether')).toBeVisible();
  await page.getByRole('button', { name: 'Allow' }).click();

  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByText('Connected “Studio” (@sandbox.studio).')).toBeVisible();
  const channel = page.getByTestId('channel').filter({ hasText: 'Studio' });
  await expect(channel.locator('.badge')).toHaveText(/✓\s*Connected/);
  await expect(channel.locator('.badge')).toHaveCSS('background-color', 'rgb(220, 242, 229)');
  await expect(page.getByTestId('health')).toContainText('All well');

  // Hydrated: the countdown changes without a reload or a request.
  const countdown = channel.getByTestId('countdown');
  await expect(countdown).toContainText(/Renews in \d+ min \d+ s/);
  const first = await countdown.textContent();
  let requests = 0;
  page.on('request', () => requests++);
  await page.waitForTimeout(2_000);
  await expect(countdown).not.toHaveText(first ?? '');
  expect(requests).toBe(0);

  expect(errors).toEqual([]);
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('the dashboard renders its badges and forms still work', async ({ page }) => {
    await page.goto('/login');
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expect(page).toHaveURL(/\/$/);
    const channel = page.getByTestId('channel').filter({ hasText: 'Studio' });
    await expect(channel.locator('.badge')).toHaveText(/✓\s*Connected/);
    await expect(channel.getByTestId('countdown')).toContainText(/Renews in \d+ min \d+ s/);
    await expect(page.getByTestId('health')).toContainText('All well');

    // A cancelled consent comes back with a clear message and nothing stored.
    await page.getByLabel('Network', { exact: true }).selectOption('sandbox');
    await page.getByLabel('Name', { exact: true }).fill('Second');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('alert')).toContainText('The connection was cancelled at Sandbox');
    await expect(page.getByTestId('channel')).toHaveCount(1);
  });
});
