import { expect, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

/// The violations above minor impact on `path`, each with the elements it is found on.
export async function audit(page: Page, path: string): Promise<string[]> {
  await page.goto(path);
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  return results.violations
    .filter((v) => v.impact !== 'minor')
    .map((v) => `${path}: ${v.id} (${v.impact}) on ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/// Fails naming every violation found on `paths`.
export async function auditAll(page: Page, paths: string[]) {
  const found: string[] = [];
  for (const path of paths) {
    found.push(...(await audit(page, path)));
  }
  expect(found, found.join('\n')).toEqual([]);
}
