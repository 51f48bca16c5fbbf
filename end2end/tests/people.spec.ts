import { test, expect, Page } from '@playwright/test';
import { auditAll } from '../audit';

// An admin invites a creator who has no account: the creator opens the link in a browser
// of their own, consents on the sandbox with read-only permissions and sees the
// confirmation; the admin sees the channel green and the invite completed. Runs after
// connect.spec.ts has set Tether up.
test.describe.configure({ mode: 'serial' });

const owner = { email: 'ada@example.com', password: 'correct horse battery' };

async function signIn(page: Page) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
}

test('a creator without an account connects read-only through an invite link', async ({ page, browser }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await signIn(page);
  await page.getByRole('link', { name: 'Invites' }).click();
  await expect(page.getByRole('heading', { name: 'Invites', exact: true })).toBeVisible();

  await page.getByLabel('What the invite is for').selectOption({ label: 'Sandbox · Profile' });
  await page.getByLabel('Channel name (for a new channel)').fill('Creator stats');
  await page.getByLabel('Expected account (optional)').fill('@other.creator');
  await page.getByRole('radio', { name: /Read-only metrics/ }).check();
  await page.getByLabel('Message (optional)').fill('Hi! This lets us read your stats for the campaign.');
  await page.getByRole('button', { name: 'Create invite' }).click();

  const link = await page.getByRole('textbox', { name: 'Invite link' }).inputValue();
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
  // Shown once, copied with one click (once the button's island has hydrated).
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await expect(async () => {
    await page.getByRole('button', { name: 'Copy the invite link' }).click();
    await expect(page.getByText('Copied.')).toBeVisible({ timeout: 1_000 });
  }).toPass();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
  const sent = page.getByTestId('invite').first();
  await expect(sent).toContainText('Sent');
  await expect(sent).toContainText('Creator stats');

  // The creator: a separate browser context, no session.
  const creatorContext = await browser.newContext();
  const creator = await creatorContext.newPage();
  const creatorErrors: string[] = [];
  creator.on('pageerror', (error) => creatorErrors.push(error.message));
  await creator.goto(link);
  await expect(
    creator.getByRole('heading', { name: 'Ada Owner asks you to connect your Sandbox account' }),
  ).toBeVisible();
  await expect(creator.getByText('Hi! This lets us read your stats for the campaign.')).toBeVisible();
  await expect(creator.getByText(/It cannot post, comment or change anything/)).toBeVisible();
  await creator.getByRole('button', { name: 'Continue to Sandbox' }).click();

  // The sandbox's consent page asks for read-only permissions only.
  await expect(creator.getByRole('heading', { name: /Allow Tether to access your Sandbox account/ })).toBeVisible();
  await expect(creator.getByText('Read your post and audience metrics')).toBeVisible();
  await expect(creator.getByText('Publish posts for you')).toHaveCount(0);
  await creator.getByRole('radio', { name: /Other Creator/ }).check();
  await creator.getByRole('button', { name: 'Allow' }).click();

  await expect(creator.getByRole('heading', { name: "You're connected" })).toBeVisible();
  await expect(creator.getByTestId('invite-done')).toContainText('You connected @other.creator on Sandbox');
  await expect(creator.getByTestId('invite-done')).toContainText('it cannot post');
  // Both pages the account holder sees once done pass axe-core.
  await auditAll(creator, [new URL(creator.url()).pathname]);
  // The link is spent, and its holder is told it did its job.
  await creator.goto(link);
  await expect(creator.getByTestId('invite-used')).toContainText('This link has done its job');
  await expect(creator.getByTestId('invite-used')).toContainText('@other.creator was connected');
  await auditAll(creator, [new URL(link).pathname]);
  expect(creatorErrors).toEqual([]);
  await creatorContext.close();

  // The admin: the channel is green, the invite completed.
  await page.goto('/');
  const channel = page.getByTestId('channel').filter({ has: page.getByRole('heading', { name: 'Creator stats', exact: true }) });
  await expect(channel.locator('.badge')).toHaveText(/✓\s*Connected/);
  await expect(channel).toContainText('@other.creator');
  await page.getByRole('link', { name: 'Invites' }).click();
  const done = page.getByTestId('invite').first();
  await expect(done).toContainText('Completed');
  await expect(done).toContainText('@other.creator');
  expect(errors).toEqual([]);
});

test('a creator who gives only part of what was asked is told what is missing', async ({ page, browser }) => {
  await signIn(page);
  await page.goto('/settings/invites');
  await page.getByLabel('What the invite is for').selectOption({ label: 'TikTok · TikTok account' });
  await page.getByLabel('Channel name (for a new channel)').fill('Juno on TikTok');
  await page.getByRole('radio', { name: /Read-only metrics/ }).check();
  await page.getByRole('button', { name: 'Create invite' }).click();
  const link = await page.getByRole('textbox', { name: 'Invite link' }).inputValue();

  const creatorContext = await browser.newContext();
  const creator = await creatorContext.newPage();
  await creator.goto(link);
  await creator.getByRole('button', { name: 'Continue to TikTok' }).click();
  await expect(creator.getByRole('heading', { name: /Allow Tether to access your TikTok account/ })).toBeVisible();
  await creator.getByRole('radio', { name: /Juno Park/ }).check();
  await creator.getByRole('checkbox', { name: /Read your public videos/ }).uncheck();
  await creator.getByRole('button', { name: 'Allow' }).click();

  // Back on the link, still theirs: what is missing, and the way to give it.
  await expect(creator).toHaveURL(link);
  await expect(creator.getByText('Connected, but not with everything asked for')).toBeVisible();
  await expect(creator.getByRole('listitem').filter({ hasText: 'See your public videos and their metrics' })).toBeVisible();
  await expect(creator.getByRole('button', { name: 'Grant the missing permissions' })).toBeVisible();
  await auditAll(creator, [new URL(link).pathname]);
  await creatorContext.close();

  await page.goto('/settings/invites');
  await expect(page.getByTestId('invite').filter({ hasText: 'Juno on TikTok' })).toContainText('Completed, missing permissions');
});
