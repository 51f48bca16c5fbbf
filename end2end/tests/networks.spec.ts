import { test, expect, Page } from '@playwright/test';
import { auditAll } from '../audit';

// Pickers in the browser: one Facebook consent connects a Page and its Instagram business
// account; a LinkedIn company page is picked from several. Runs after connect.spec.ts has
// set Tether up.
test.describe.configure({ mode: 'serial' });

const owner = { email: 'ada@example.com', password: 'correct horse battery' };

async function signIn(page: Page) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
}

async function startConnect(page: Page, network: string, name: string) {
  await page.getByLabel('Network', { exact: true }).selectOption(network);
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
}

function channel(page: Page, name: string) {
  return page.getByTestId('channel').filter({ has: page.getByRole('heading', { name, exact: true }) });
}

test('one Facebook consent connects a Page and its Instagram account', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await signIn(page);
  await startConnect(page, 'facebook', 'Bakery');

  await expect(page.getByRole('heading', { name: 'Allow Tether to access your Facebook account?' })).toBeVisible();
  // Partial consent: every permission can be unticked; leave them all.
  await expect(page.getByRole('checkbox', { name: /Read insights of your Pages/ })).toBeChecked();
  await page.getByRole('button', { name: 'Allow' }).click();

  await expect(page.getByRole('heading', { name: 'Choose what to connect' })).toBeVisible();
  // The picker passes axe-core.
  await auditAll(page, [new URL(page.url()).pathname]);
  await expect(page.getByText('linked to Lind Bakery')).toBeVisible();
  await page.getByRole('checkbox', { name: /Lind Bakery\s+Facebook Page/ }).check();
  await page.getByRole('checkbox', { name: /lindbakery\s+Instagram business account/ }).check();
  await page.getByRole('button', { name: 'Connect the chosen accounts' }).click();

  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('status').filter({ hasText: 'Connected “Lind Bakery”' })).toBeVisible();
  for (const name of ['Lind Bakery', 'lindbakery']) {
    await expect(channel(page, name).locator('.badge')).toHaveText(/✓\s*Connected/);
  }
  await expect(channel(page, 'lindbakery')).toContainText('8,300 followers');
  await expect(page.getByTestId('audience')).toContainText('followers across');
  expect(errors).toEqual([]);
});

test('a LinkedIn company page is picked from several', async ({ page }) => {
  await signIn(page);
  await startConnect(page, 'linkedin', 'Northwind');

  await expect(page.getByRole('heading', { name: 'Allow Tether to access your LinkedIn account?' })).toBeVisible();
  await expect(page.getByText('All of these permissions are given together.')).toBeVisible();
  await page.getByRole('button', { name: 'Allow' }).click();

  await expect(page.getByRole('heading', { name: 'Choose what to connect' })).toBeVisible();
  await expect(page.getByRole('checkbox')).toHaveCount(3);
  await page.getByRole('checkbox', { name: /Northwind Analytics\s+Company page/ }).check();
  await page.getByRole('button', { name: 'Connect the chosen accounts' }).click();

  await expect(page).toHaveURL(/\/$/);
  const northwind = channel(page, 'Northwind');
  await expect(northwind.locator('.badge')).toHaveText(/✓\s*Connected/);
  await expect(northwind).toContainText('northwind-analytics');
  // Tether renews the 60-day token itself; what a person must act on is the 365-day wall.
  await expect(northwind.getByTestId('countdown')).toHaveText(/Consent must be renewed in 36[45] days/);
  await expect(page.getByTestId('channel')).toHaveCount(4);
});
