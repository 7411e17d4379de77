/*
 * The manual NUT driver: the NUT is a real device on real interfaces given
 * with --linkN IFNAME. The tester works on those interfaces from its own
 * namespace; NUT actions are printed for an operator, who confirms each on
 * the terminal (without a terminal the action fails and the test is ERROR).
 * NUT addresses are derived from the NUT MAC (--nut-mac) by EUI-64.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nodes.h"
#include "nut.h"

static int manual_setup(struct nut *n, int nlinks, char *err, size_t errlen)
{
	n->nlinks = nlinks;
	for (int i = 0; i < nlinks; i++) {
		if (!n->cfg->link_ifname[i]) {
			snprintf(err, errlen, "the manual driver needs --link%d IFNAME", i);
			return -EINVAL;
		}
		if (!n->cfg->have_nut_mac[i]) {
			snprintf(err, errlen, "the manual driver needs --nut-mac link%d=MAC", i);
			return -EINVAL;
		}
	}
	return 0;
}

static int manual_tn_end(struct nut *n, int link, const struct net_ns **ns, char ifname[IFNAMSIZ])
{
	*ns = NULL;
	snprintf(ifname, IFNAMSIZ, "%s", n->cfg->link_ifname[link]);
	return 0;
}

static int manual_addr(struct nut *n, int link, const char *attr, uint8_t out[16])
{
	return cf_nut_addr_eui64(n->cfg->nut_mac[link], link, attr, out);
}

static int manual_action(struct nut *n, int argc, char **argv, char *out, size_t outlen, char *err,
			 size_t errlen)
{
	char line[256];

	(void)n;
	printf("\n*** operator: on the NUT, do:");
	for (int i = 0; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	if (!isatty(0)) {
		snprintf(err, errlen, "no terminal to confirm the action on");
		return -ENOTTY;
	}
	printf("*** then type the result (or just Enter): ");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin)) {
		snprintf(err, errlen, "no answer");
		return -EIO;
	}
	line[strcspn(line, "\n")] = 0;
	snprintf(out, outlen, "%s", line);
	return 0;
}

static void manual_teardown(struct nut *n)
{
	(void)n;
}

const struct nut_ops nut_manual_ops = {
	.name = "manual",
	.setup = manual_setup,
	.tn_end = manual_tn_end,
	.addr = manual_addr,
	.action = manual_action,
	.teardown = manual_teardown,
};

void nut_idle(struct nut *n, unsigned ms)
{
	if (n->idle)
		n->idle(n->idle_ctx, ms);
	else
		usleep(ms * 1000u);
}

const struct nut_ops *nut_driver(const char *name)
{
	if (!name || !strcmp(name, "netns"))
		return &nut_netns_ops;
	if (!strcmp(name, "qemu"))
		return &nut_qemu_ops;
	if (!strcmp(name, "manual"))
		return &nut_manual_ops;
	return NULL;
}
