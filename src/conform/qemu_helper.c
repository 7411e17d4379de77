/*
 * v6lab-nut-pmtu: a small static program that goes into the qemu NUT's
 * initramfs beside busybox. It prints the path MTU the VM's kernel holds
 * for a destination, exactly as the netns driver reads it: a UDP socket
 * connected to DST (port 9; the scope from IFNAME for a link-local or
 * multicast destination), then getsockopt(IPV6_MTU). busybox ip cannot:
 * it prints no route metrics.
 *
 *   v6lab-nut-pmtu DST [IFNAME]    ->  "mtu N" on stdout, exit 0
 *                                      "error: ..." on stdout, exit 1
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(9) };
	socklen_t sl;
	int fd, mtu = 0;

	if (argc < 2 || argc > 3 || inet_pton(AF_INET6, argv[1], &sa.sin6_addr) != 1) {
		printf("error: usage: v6lab-nut-pmtu DST [IFNAME]\n");
		return 1;
	}
	if (argc == 3) {
		sa.sin6_scope_id = if_nametoindex(argv[2]);
		if (!sa.sin6_scope_id) {
			printf("error: no interface %s\n", argv[2]);
			return 1;
		}
	}
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	sl = sizeof(mtu);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockopt(fd, IPPROTO_IPV6, IPV6_MTU, &mtu, &sl) < 0) {
		printf("error: path MTU of %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	close(fd);
	printf("mtu %d\n", mtu);
	return 0;
}
