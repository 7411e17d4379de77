/*
 * ar-seed: fills a new results store, through the store operations only,
 * with a realistic example for the browser test of v6lab serve: two Debian
 * cloud kernel releases (6.1 then 6.12) tested on a QEMU target with the
 * core host suite, where 6.12 has a regression, a flaky test, a fixed test
 * and a WARN turned PASS, each result with a log and a pcap, plus a third
 * release whose boot failed. It prints what it made as KEY=VALUE lines.
 *
 *   ar-seed STORE.db
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* compare.h brings the store interface of src/autorun (src/conform has a
 * store.h of its own earlier in the include path). */
#include "compare.h"

struct test {
	const char *id, *title, *rfc;
	const char *v[2];	/* verdict in release 0 and 1 */
	const char *hist[2];	/* attempts, "" for one attempt with that verdict */
	const char *flag[2];
	const char *reason[2];
};

static const struct test tests[] = {
	{ "core.rfc4443.no-error.icmp-error-hop-limit",
	  "No Time Exceeded for an ICMPv6 error message whose Hop Limit runs out", "4443 §2.4",
	  { "PASS", "PASS" }, { "", "" }, { "", "" }, { "", "" } },
	{ "core.rfc4443.no-error.icmp-error-option",
	  "No Parameter Problem for an unknown option in a packet carrying an ICMPv6 error",
	  "4443 §2.4", { "PASS", "PASS" }, { "", "" }, { "", "" }, { "", "" } },
	{ "core.rfc4861.ra.hoplimit-not-255", "RA with IP Hop Limit 254 is silently discarded",
	  "4861 §6.1.2", { "PASS", "FAIL" }, { "", "FAIL,FAIL,FAIL" }, { "", "regression" },
	  { "", "the NUT used the prefix of an RA with Hop Limit 254" } },
	{ "core.rfc4861.ra.src-not-link-local",
	  "RA from a global source address is silently discarded", "4861 §6.1.2",
	  { "PASS", "PASS" }, { "", "" }, { "", "" }, { "", "" } },
	{ "core.rfc4861.resolution.multicast-solicit-retransmit",
	  "Address resolution retransmits the NS MAX_MULTICAST_SOLICIT times", "4861 §7.2.2",
	  { "PASS", "FAIL" }, { "", "FAIL,PASS,FAIL" }, { "", "flaky" },
	  { "", "3rd NS after 1.6 s, want 1 s apart" } },
	{ "core.rfc4861.resolution.ns-unicast", "Unicast NS for the NUT's address gets an NA",
	  "4861 §7.2.4", { "PASS", "PASS" }, { "", "" }, { "", "" }, { "", "" } },
	{ "core.rfc4861.redirect.to-router", "Redirect to a better first-hop router is followed",
	  "4861 §8.3", { "FAIL", "PASS" }, { "FAIL,FAIL,FAIL", "" }, { "", "" },
	  { "echo reply still sent to the old router", "" } },
	{ "core.rfc4862.dad.global-from-ra",
	  "An address formed from an RA prefix stays tentative, and unused, until its DAD ends",
	  "4862 §5.4", { "WARN", "PASS" }, { "", "" }, { "", "" },
	  { "DAD NS sent 0.9 s after the RA (RFC suggests a random delay)", "" } },
	{ "core.rfc4862.dad.link-local-at-boot",
	  "At boot the NUT runs DAD for its link-local address with an NS from ::", "4862 §5.4",
	  { "PASS", "PASS" }, { "", "" }, { "", "" }, { "", "" } },
	{ "core.rfc8200.ext.hbh-first",
	  "A Hop-by-Hop Options header right after the IPv6 header is processed", "8200 §4.1",
	  { "PASS", "PASS" }, { "", "" }, { "", "" }, { "", "" } },
	{ "core.rfc8200.ext.hbh-not-first",
	  "Hop-by-Hop Options header after a Destination Options header: Parameter Problem "
	  "code 1, pointer 40", "8200 §4.1", { "PASS", "PASS" }, { "", "" }, { "", "" },
	  { "", "" } },
	{ "core.rfc8200.frag.atomic", "An atomic fragment is processed as a whole packet",
	  "8200 §4.5, 6946", { "N/A", "N/A" }, { "", "" }, { "", "" },
	  { "the NUT type is host", "the NUT type is host" } },
	{ "core.rfc8201.ptb.offlink",
	  "Packet Too Big from the first-hop router reduces the path MTU to an off-link "
	  "destination", "8201 §4", { "PASS", "PASS" }, { "", "" }, { "", "" }, { "", "" } },
	{ "core.rfc8201.ptb.reduce-onlink",
	  "Packet Too Big with MTU 1280 reduces the path MTU to an on-link destination",
	  "8201 §4", { "SKIP", "SKIP" }, { "", "" }, { "", "" },
	  { "needs a second link", "needs a second link" } },
};

/* A pcap file (microsecond, Ethernet) with one ICMPv6 Echo Request from
 * 2001:db8:1::1 to 2001:db8:1::2; byte 'n' in its payload tells results apart. */
static size_t make_pcap(unsigned char *b, unsigned n)
{
	static const unsigned char head[24] = {
		0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0, 0, 1, 0, 0, 0,
	};
	static const unsigned char frame[70] = {
		0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x86, 0xdd,
		0x60, 0, 0, 0, 0, 16, 58, 64,
		0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
		128, 0, 0, 0, 0x12, 0x34, 0, 1, 'v', '6', 'l', 'a', 'b', 0, 0xff, 0,
	};
	size_t len = 0;

	memcpy(b, head, sizeof(head));
	len += sizeof(head);
	/* record header: ts 1700000000.000000, caplen = len = 70 */
	memcpy(b + len, "\x00\xf1\x53\x65\x00\x00\x00\x00\x46\x00\x00\x00\x46\x00\x00\x00", 16);
	len += 16;
	memcpy(b + len, frame, sizeof(frame));
	b[len + sizeof(frame) - 1] = (unsigned char)n;
	len += sizeof(frame);
	return len;
}

static int step(struct ar_store *st, int64_t run, const char *name, const char *status,
		const char *note, const char *log)
{
	int64_t id;
	int rc = st->ops->step_begin(st, run, name, &id);

	if (!rc)
		rc = st->ops->step_end(st, id, status, note, log, strlen(log));
	return rc;
}

static int release(struct ar_store *st, const char *pkg, const char *version, int64_t *id)
{
	struct ar_release r = { 0 };
	bool isnew;

	snprintf(r.source, sizeof(r.source), "debian-cloud");
	snprintf(r.version, sizeof(r.version), "%s", version);
	snprintf(r.kind, sizeof(r.kind), "package");
	snprintf(r.name, sizeof(r.name), "%s", pkg);
	snprintf(r.ref, sizeof(r.ref), "%s=%s", pkg, version);
	return st->ops->release_add(st, &r, id, &isnew);
}

static int seed(struct ar_store *st)
{
	static const char *const pkg[2] = { "linux-image-6.1.0-47-cloud-amd64",
					    "linux-image-6.12.100-cloud-amd64" };
	static const char *const ver[2] = { "6.1.0-47", "6.12.100" };
	static const char *const uname[2] = { "6.1.0-47-cloud-amd64", "6.12.100-cloud-amd64" };
	const struct ar_store_ops *o = st->ops;
	int64_t rel, run, suite, res, bad;
	unsigned char pcap[128];
	char log[1024];
	int rc;

	for (int i = 0; i < 2; i++) {
		if ((rc = release(st, pkg[i], ver[i], &rel)) < 0 ||
		    (rc = o->artifact_add(st, rel, "kernel", "/var/lib/v6lab/artifacts/vmlinuz",
					  "5d41402abc4b2a76b9719d911017c592"
					  "5d41402abc4b2a76b9719d911017c592", 8123456)) < 0 ||
		    (rc = o->run_begin(st, rel, "qemu", &run)) < 0)
			return rc;
		snprintf(log, sizeof(log), "$ apt-get download %s\nGet:1 http://deb.debian.org "
			 "%s\nFetched 66.1 MB\n", pkg[i], pkg[i]);
		if ((rc = step(st, run, "fetch", "ok", "", log)) < 0 ||
		    (rc = step(st, run, "configure", "skipped", "prebuilt package", "")) < 0 ||
		    (rc = step(st, run, "build", "ok", "package extracted",
				   "$ dpkg-deb -x pkg.deb root\n$ depmod -b root\n")) < 0 ||
		    (rc = step(st, run, "install", "ok", "", "kernel, modules and config "
				   "installed\n")) < 0)
			return rc;
		snprintf(log, sizeof(log), "[    0.000000] Linux version %s\n[    2.913000] "
			 "v6lab-agent: ready\nuname -r: %s\n", uname[i], uname[i]);
		if ((rc = step(st, run, "boot", "ok", uname[i], log)) < 0 ||
		    (rc = step(st, run, "reboot:core-host", "ok", "", log)) < 0 ||
		    (rc = o->suite_begin(st, run, "core-host", &suite)) < 0)
			return rc;
		for (size_t k = 0; k < sizeof(tests) / sizeof(tests[0]); k++) {
			const struct test *t = &tests[k];
			struct ar_result r = {
				.test = t->id, .title = t->title, .rfc = t->rfc,
				.verdict = t->v[i], .reason = t->reason[i],
				.history = *t->hist[i] ? t->hist[i] : t->v[i],
				.flag = t->flag[i], .secs = 1.25 + (double)k / 4,
				.attempts = *t->hist[i] ? 3 : 1,
			};
			size_t n;

			snprintf(log, sizeof(log), "test %s\nNUT %s (qemu)\nsend link0 "
				 "ether(TN1 -> NUT) / ipv6(TN1.global -> NUT.global)\n"
				 "verdict %s%s%s\n", t->id, uname[i], t->v[i],
				 *t->reason[i] ? ": " : "", t->reason[i]);
			r.log = log;
			r.loglen = strlen(log);
			if ((rc = o->result_add(st, suite, &r, &res)) < 0)
				return rc;
			n = make_pcap(pcap, (unsigned)(i * 64 + k));
			if ((rc = o->file_add(st, res, "link0.pcap", pcap, n)) < 0)
				return rc;
			if (!strcmp(t->flag[i], "regression"))
				printf("regression_result=%lld\n", (long long)res);
		}
		if ((rc = o->suite_end(st, suite)) < 0 ||
		    (rc = step(st, run, "suite:core-host", "ok", "",
			       "v6lab run -s core ...\n")) < 0 ||
		    (rc = step(st, run, "stable", "ok", "back on 6.1.0-47", "")) < 0 ||
		    (rc = o->run_end(st, run, "done", "")) < 0 ||
		    (rc = o->release_state(st, rel, "done")) < 0)
			return rc;
		printf("release%d=%lld\nrun%d=%lld\nsuite_run%d=%lld\n", i + 1, (long long)rel,
		       i + 1, (long long)run, i + 1, (long long)suite);
	}
	/* A third release that did not boot: it stops there and asks for attention. */
	if ((rc = release(st, "linux-image-6.12.101-cloud-amd64", "6.12.101", &rel)) < 0 ||
	    (rc = o->run_begin(st, rel, "qemu", &bad)) < 0 ||
	    (rc = step(st, bad, "fetch", "ok", "", "Fetched 66.2 MB\n")) < 0 ||
	    (rc = step(st, bad, "boot", "failed", "no agent after 120 s",
		       "[    0.000000] Linux version 6.12.101-cloud-amd64\n"
		       "Kernel panic - not syncing: VFS: Unable to mount root fs\n")) < 0 ||
	    (rc = o->run_end(st, bad, "boot-failed", "boot: no agent after 120 s")) < 0 ||
	    (rc = o->release_state(st, rel, "attention")) < 0)
		return rc;
	printf("release3=%lld\nrun3=%lld\n", (long long)rel, (long long)bad);
	return 0;
}

int main(int argc, char **argv)
{
	struct ar_store *st;
	struct stat sb;
	char err[512];
	int rc;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: ar-seed STORE.db (a new file)\n");
		return 2;
	}
	if (stat(argv[1], &sb) == 0) {
		fprintf(stderr, "ar-seed: %s exists: give a new file\n", argv[1]);
		return 1;
	}
	if (ar_store_open(argv[1], &st, err, sizeof(err)) < 0) {
		fprintf(stderr, "ar-seed: %s\n", err);
		return 1;
	}
	rc = seed(st);
	if (rc < 0)
		fprintf(stderr, "ar-seed: %s\n", st->err[0] ? st->err : strerror(-rc));
	ar_store_close(st);
	return rc < 0 ? 1 : 0;
}
