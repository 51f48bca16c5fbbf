import { test, expect, Page, Browser } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { auditAll } from '../audit';

// axe-core on every page a person can reach: signed out, through an invite link, and signed
// in as each role. Any violation above minor impact fails (serious and critical, and the
// moderate ones too: one h1, landmarks), named with where it is. Runs last: connect.spec.ts
// has set Tether up and connected channels.
test.describe.configure({ mode: 'serial' });

const owner = { email: 'ada@example.com', password: 'correct horse battery' };
const password = 'a long enough password for tests';

async function signIn(page: Page, email: string, secret: string) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
}

/// Adds a member with `role` and signs them in through their welcome link.
async function member(admin: Page, browser: Browser, name: string, role: string): Promise<Page> {
  await admin.goto('/settings/members');
  await admin.getByLabel('Name').fill(name);
  const email = `${role}@example.com`;
  await admin.getByLabel('Email').fill(email);
  await admin.getByLabel('Role', { exact: true }).selectOption(role);
  await admin.getByRole('button', { name: 'Add member' }).click();
  const link = await admin.getByRole('textbox', { name: 'Welcome link' }).inputValue();
  const page = await (await browser.newContext()).newPage();
  // The welcome link's page, as the person it is for first sees it.
  await auditAll(page, [new URL(link).pathname]);
  await page.goto(link);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Choose password and sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
  return page;
}

const signedInPages = [
  '/',
  '/channels/1',
  '/notifications',
  '/settings/members',
  '/settings/invites',
  '/settings/webhooks',
  '/settings/api-keys',
  '/settings/outbox',
  '/account',
  '/no-such-page',
];

test('the audit finds what it is meant to find', async ({ page }) => {
  // A page with a button without a name and an image without text: two critical ones.
  await page.goto('/no-such-page');
  await page.setContent('<html lang="en"><title>t</title><main><button></button><img src="x.png"></main></html>');
  const results = await new AxeBuilder({ page }).analyze();
  const ids = results.violations.map((v) => v.id);
  expect(ids).toContain('button-name');
  expect(ids).toContain('image-alt');
});

test('every page passes axe-core, signed out and for every role', async ({ page, browser }) => {
  // Four people visit every page, each audited in full: longer than one journey.
  test.setTimeout(180_000);
  // Signed out: sign-in, a forgotten password, a spent reset link, a missing page, the
  // confirmation page.
  await auditAll(page, ['/login', '/login/forgot', '/reset/not-a-link', '/no-such-page', '/invited']);

  await signIn(page, owner.email, owner.password);
  // An invite link, as its holder sees it.
  await page.goto('/settings/invites');
  await page.getByLabel('What the invite is for').selectOption({ label: 'Sandbox · Profile' });
  await page.getByLabel('Channel name (for a new channel)').fill('Audited');
  await page.getByRole('button', { name: 'Create invite' }).click();
  const invite = await page.getByRole('textbox', { name: 'Invite link' }).inputValue();
  const stranger = await (await browser.newContext()).newPage();
  await auditAll(stranger, [new URL(invite).pathname]);

  // The first channel refused by its network: its page, which notifications link to,
  // carries the fix and is audited below as every role sees it.
  await page.goto('/sandbox/sandbox/_control');
  await page.getByRole('button', { name: "Revoke Tether's access" }).first().click();
  await page.goto('/channels/1');
  await page.getByRole('button', { name: 'Check now' }).click();
  await expect(page.locator('.badge').first()).toHaveText(/Needs reconnecting/);
  await expect(page.getByRole('button', { name: 'Reconnect' })).toBeVisible();

  await auditAll(page, signedInPages);
  for (const role of ['admin', 'editor', 'viewer']) {
    const someone = await member(page, browser, `A ${role}`, role);
    await auditAll(someone, signedInPages);
  }
});

test('a keyboard skips to the content, every page has a title, a phone keeps its screen', async ({ page }) => {
  await signIn(page, owner.email, owner.password);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#main$/);

  await page.goto('/no-such-page');
  await expect(page).toHaveTitle('Not found · Tether');
  await page.goto('/channels/987654');
  await expect(page).toHaveTitle('Not found · Tether');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Not found');

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/');
  const header = await page.locator('header.topbar').boundingBox();
  expect(header!.height).toBeLessThan(64);
  // The page itself (the filter form, the rows) fits the phone's width.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});

test('destructive actions ask first', async ({ page }) => {
  await signIn(page, owner.email, owner.password);
  // A dashboard row carries only the next step; unlinking is on the channel's page.
  const card = page.getByTestId('channel').first();
  await expect(card.getByText('Unlink…')).toHaveCount(0);
  await card.getByRole('link', { name: /^Manage “/ }).click();
  const unlink = page.getByRole('button', { name: /^Unlink “/ });
  await expect(unlink).toBeHidden();
  await page.getByText('Unlink…').click();
  await expect(unlink).toBeVisible();
  await expect(page.getByText(/revokes Tether's access at the network/)).toBeVisible();

  await page.goto('/settings/members');
  const remove = page.getByRole('button', { name: /^Remove A viewer/ });
  await expect(remove).toBeHidden();
  await page.getByRole('listitem').filter({ hasText: 'A viewer' }).getByText('Remove…').click();
  await expect(remove).toBeVisible();
});
