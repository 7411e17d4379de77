// Screenshots of a running v6lab serve for the documentation: the overview,
// the matrix of a suite, and the comparison of the last two runs of it.
//
//   node shots.mjs URL SUITE OUT_DIR
//
// Uses Debian's Chromium (/usr/bin/chromium) headless through playwright-core.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, suite, out] = process.argv.slice(2);
if (!base || !suite || !out) {
	console.error('usage: node shots.mjs URL SUITE OUT_DIR');
	process.exit(2);
}
mkdirSync(out, { recursive: true });
const args = ['--disable-gpu', '--disable-dev-shm-usage'];
if (process.getuid && process.getuid() === 0)
	args.push('--no-sandbox');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args });
try {
	const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
	await page.goto(base + '/');
	await page.screenshot({ path: join(out, 'autorun-overview.png'), fullPage: true });
	await page.goto(base + '/matrix?suite=' + encodeURIComponent(suite));
	await page.screenshot({ path: join(out, 'autorun-matrix.png'), fullPage: false });
	// Further down: scroll to the last row that is not PASS everywhere.
	const odd = page.locator('.cell.FAIL, .cell.ERROR, .cell.WARN').last();
	if (await odd.count()) {
		await odd.scrollIntoViewIfNeeded();
		await page.evaluate(() => window.scrollBy(0, -120));
		await page.screenshot({ path: join(out, 'autorun-matrix-failures.png'), fullPage: false });
	}
	const link = page.locator('a.compare-link').first();
	if (await link.count()) {
		await link.click();
		await page.screenshot({ path: join(out, 'autorun-compare.png'), fullPage: true });
	}
	console.log('screenshots in ' + out);
} finally {
	await browser.close();
}
