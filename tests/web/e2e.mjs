// Browser test of the v6lab serve web UI, driven through headless Debian
// Chromium with playwright-core. It walks the pages the way a person would:
// overview -> run -> step log -> suite run -> test result -> pcap download,
// then the matrix, a comparison, the regressions list and bad addresses,
// taking a screenshot of each page. One TAP line per check, no plan (the
// calling script, tests/autorun/web-e2e, adds its own checks and the plan).
//
//   node e2e.mjs URL SCREENSHOT_DIR SEED_OUTPUT DOWNLOAD_DIR
//
// SEED_OUTPUT holds the KEY=VALUE lines ar-seed printed (ids of what it made).

import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, shots, seedFile, downloads] = process.argv.slice(2);
if (!base || !shots || !seedFile || !downloads) {
	console.error('usage: node e2e.mjs URL SCREENSHOT_DIR SEED_OUTPUT DOWNLOAD_DIR');
	process.exit(2);
}
const seed = Object.fromEntries(readFileSync(seedFile, 'utf8').trim().split('\n')
	.map((l) => l.split('=')));
mkdirSync(shots, { recursive: true });
mkdirSync(downloads, { recursive: true });

let n = 0;
let failed = 0;

function ok(cond, name, diag) {
	n++;
	console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`);
	if (!cond) {
		failed++;
		if (diag !== undefined)
			console.log(String(diag).split('\n').map((l) => `#   ${l}`).join('\n'));
	}
}

function eq(got, want, name) {
	ok(got === want, name, `got  ${JSON.stringify(got)}\nwant ${JSON.stringify(want)}`);
}

// A group of checks: an exception (a missing element, a timeout) is one failed check.
async function group(name, fn) {
	try {
		await fn();
	} catch (e) {
		ok(false, `${name}: ${String(e.message || e).split('\n')[0]}`, e.stack);
	}
}

const path = (page) => new URL(page.url()).pathname + new URL(page.url()).search;

async function shot(page, file) {
	await page.screenshot({ path: join(shots, file), fullPage: true });
}

const args = ['--disable-gpu', '--disable-dev-shm-usage'];
if (process.getuid && process.getuid() === 0)
	args.push('--no-sandbox');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args });
const context = await browser.newContext({ acceptDownloads: true,
	viewport: { width: 1280, height: 900 } });
context.setDefaultTimeout(15000);
const page = await context.newPage();
const consoleErrors = [];
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('pageerror', (e) => consoleErrors.push(String(e)));

const regTest = 'core.rfc4861.ra.hoplimit-not-255';

await group('overview', async () => {
	const r = await page.goto(base);
	eq(r.status(), 200, 'overview answers 200');
	await page.locator('#overview').waitFor();
	const text = await page.locator('#overview').innerText();
	ok(text.includes('6.1.0-47') && text.includes('6.12.100') && text.includes('6.12.101'),
		'overview lists the three releases');
	ok(text.includes('boot-failed'), 'overview shows the release whose boot failed');
	eq(await page.locator('#overview a.matrix-link').count(), 1, 'one suite column (core-host)');
	await shot(page, 'overview.png');
});

await group('run', async () => {
	await page.locator(`a.run-link[href="/run/${seed.run2}"]`).click();
	await page.waitForURL(`**/run/${seed.run2}`);
	eq(path(page), `/run/${seed.run2}`, 'clicking the run link opens the run');
	ok((await page.locator('h1').innerText()).includes('6.12.100'), 'run page names the release');
	const steps = await page.locator('#steps tr.step td:nth-child(2)').allInnerTexts();
	eq(steps.join(' '), 'fetch configure build install boot reboot:core-host suite:core-host stable',
		'run page lists the steps in order');
	await shot(page, 'run.png');
	// The boot step's log, as text.
	await page.locator('#steps tr.step', { hasText: 'boot' }).first().locator('a.log-link').click();
	await page.waitForURL('**/step/*/log');
	ok((await page.locator('body').innerText()).includes('Linux version 6.12.100-cloud-amd64'),
		'the boot step log opens as text');
	await page.goBack();
	await page.locator('#suites').waitFor();
});

await group('suite run', async () => {
	await page.locator('#suites a.suite-link').first().click();
	await page.waitForURL(`**/suite/${seed.suite_run2}`);
	eq(path(page), `/suite/${seed.suite_run2}`, 'clicking the suite link opens the suite run');
	eq(await page.locator('#results tbody tr').count(), 14, 'the suite run lists 14 results');
	const row = page.locator(`#results tr[data-test="${regTest}"]`);
	ok((await row.innerText()).includes('regression'), 'the regressed test carries its flag');
	ok((await row.innerText()).includes('FAIL,FAIL,FAIL'), 'and its attempts');
	await shot(page, 'suite.png');
});

await group('result', async () => {
	await page.locator(`#results tr[data-test="${regTest}"] a.result-link`).click();
	await page.waitForURL(`**/result/${seed.regression_result}`);
	eq(path(page), `/result/${seed.regression_result}`, 'clicking the test opens its result');
	eq(await page.locator('h1').innerText(), regTest, 'result page is titled by the test id');
	eq(await page.locator('#result .verdict').innerText(), 'FAIL', 'result verdict');
	ok((await page.locator('#log').innerText()).includes('verdict FAIL: the NUT used the prefix'),
		'the log is shown inline');
	await shot(page, 'result.png');
});

await group('pcap download', async () => {
	const [dl] = await Promise.all([page.waitForEvent('download'),
		page.locator('a.file-link', { hasText: 'link0.pcap' }).click()]);
	eq(dl.suggestedFilename(), 'link0.pcap', 'the pcap downloads as link0.pcap');
	const file = join(downloads, 'link0.pcap');
	await dl.saveAs(file);
	const got = readFileSync(file);
	ok(got.length === 110 && got.readUInt32LE(0) === 0xa1b2c3d4, 'a pcap file of 110 bytes',
		`length ${got.length}, magic ${got.length >= 4 ? got.readUInt32LE(0).toString(16) : ''}`);
	const api = await context.request.get(
		new URL(`/api/result/${seed.regression_result}/file/link0.pcap`, base).href);
	ok(Buffer.compare(Buffer.from(await api.body()), got) === 0,
		'the download is byte-identical to the stored file');
	await page.goBack();
	await page.locator('#results').waitFor();
});

await group('matrix', async () => {
	await page.locator('#suite a.matrix-link').click();
	await page.waitForURL('**/matrix?suite=core-host&target=qemu');
	const cols = await page.locator('#matrix th.col').allInnerTexts();
	eq(cols.length, 2, 'the matrix has two release columns');
	ok(cols[0].includes('6.1.0-47') && cols[1].includes('6.12.100'), 'oldest release on the left');
	const cell = page.locator(`#matrix tr[data-test="${regTest}"] td.cell`).nth(1);
	const cls = (await cell.getAttribute('class')).split(' ');
	ok(cls.includes('FAIL') && cls.includes('changed') && cls.includes('flag-regression'),
		'the regressed cell is FAIL, marked changed and regression', cls.join(' '));
	ok((await cell.getAttribute('title')).includes('changed from PASS'), 'its title says from what');
	const bg = await cell.evaluate((e) => getComputedStyle(e).backgroundColor);
	eq(bg, 'rgb(244, 166, 166)', 'a FAIL cell is red');
	const outline = await cell.evaluate((e) => getComputedStyle(e).outlineStyle);
	eq(outline, 'solid', 'a changed cell is framed');
	eq(await page.locator('#matrix td.cell.changed').count(), 4, 'four cells changed');
	eq(await page.locator('#matrix td.cell').nth(0).evaluate((e) => e.classList.contains('changed')),
		false, 'the first column has nothing to change from');
	const pct = await page.locator('#matrix tr.pct td').allInnerTexts();
	ok(pct[0].includes('PASS 71.4%') && pct[0].includes('WARN 7.1%') && pct[0].includes('FAIL 7.1%'),
		'percentages of the 6.1 column', pct[0]);
	ok(pct[1].includes('PASS 71.4%') && pct[1].includes('WARN 0.0%') && pct[1].includes('FAIL 14.3%'),
		'percentages of the 6.12 column', pct[1]);
	await shot(page, 'matrix.png');
	await cell.locator('a.result-link').click();
	await page.waitForURL(`**/result/${seed.regression_result}`);
	ok(true, 'a matrix cell links to the test result');
});

await group('comparison', async () => {
	await page.goto(new URL(`/suite/${seed.suite_run2}`, base).href);
	await page.locator('#compare-previous').click();
	await page.waitForURL('**/compare?*');
	eq(path(page), `/compare?a=${seed.suite_run1}&b=${seed.suite_run2}`,
		'"compare with previous" compares with the 6.1 run');
	eq(await page.locator('#summary').innerText(), '4 tests changed, 10 unchanged.',
		'comparison summary');
	const row = page.locator(`#changes tr[data-test="${regTest}"]`);
	eq(await row.getAttribute('class'), 'change regression', 'the regression is listed as one');
	eq((await row.locator('td').allInnerTexts()).slice(1, 3).join(' -> '), 'PASS -> FAIL',
		'with its old and new verdicts');
	ok(await page.locator('#changes tr.change.fixed[data-test="core.rfc4861.redirect.to-router"]')
		.count() === 1, 'the fixed test is listed as fixed');
	await shot(page, 'compare.png');
	// The form on the suite page gives the same comparison.
	await page.goBack();
	await page.locator('#compare-form button').click();
	await page.waitForURL('**/compare?*');
	eq(await page.locator('#summary').innerText(), '4 tests changed, 10 unchanged.',
		'the compare form gives the same comparison');
});

await group('regressions', async () => {
	await page.locator('#nav-regressions').click();
	await page.waitForURL('**/regressions');
	const rows = await page.locator('#regressions tbody tr').allInnerTexts();
	eq(rows.length, 2, 'two flagged results');
	ok(rows.some((r) => r.includes('regression') && r.includes(regTest) && r.includes('6.12.100')),
		'the regression with its release');
	ok(rows.some((r) => r.includes('flaky') && r.includes('multicast-solicit-retransmit')),
		'the flaky test');
	await shot(page, 'regressions.png');
});

eq(consoleErrors.join('\n'), '', 'no console error on any page so far (none from the CSP either)');

await group('bad addresses', async () => {
	let r = await page.goto(new URL('/no/such/page', base).href);
	eq(r.status(), 404, 'an unknown page is 404');
	eq(await page.locator('#error').innerText(), 'no page at this address', 'with a message');
	await shot(page, 'not-found.png');
	r = await page.goto(new URL('/run/abc', base).href);
	eq(r.status(), 400, 'a bad id is 400');
	ok((await page.locator('#error').innerText()).includes('not a positive decimal integer'),
		'with a message');
	r = await page.goto(new URL('/result/424242', base).href);
	eq(r.status(), 404, 'a missing result is 404');
	eq(await page.locator('#error').innerText(), 'no result 424242', 'with a message');
});

await browser.close();
process.exit(failed ? 1 : 0);
