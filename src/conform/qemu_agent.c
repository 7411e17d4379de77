/*
 * The text of the two scripts that go into the qemu NUT's initramfs: init,
 * which mounts the kernel file systems and starts the agent, and the agent,
 * a busybox shell loop on the second serial port (ttyS1). The agent knows a
 * few plain commands; the driver on the host turns NUT actions into them and
 * parses the answers, so address forms and states are compared in C.
 *
 * Protocol: the agent first says "v6lab-agent hello RELEASE". The driver
 * sends "SEQ COMMAND ARGS..." (words without spaces); the agent answers with
 * zero or more data lines "SEQ|TEXT" and one last line "SEQ ok [TEXT]" or
 * "SEQ err TEXT". Commands:
 *   w KEY VALUE...   writes /proc/sys/KEY (KEY with slashes)
 *   r KEY            reads /proc/sys/KEY: "ok VALUE"
 *   addrs            /proc/net/if_inet6 as data lines (shell built-ins only,
 *                    so no process is started: the driver asks often)
 *   run CMD ARGS...  runs a busybox command; its output as data lines
 *   bg CMD ARGS...   runs a busybox command in the background
 *   sport PORT CMD...  the same, with PORT as the only ephemeral UDP port
 *                    until CMD's socket shows in /proc/net/udp6
 *   spawn PID CMD... runs CMD in the background as process PID (busybox ping
 *                    takes its Echo identifier from its pid)
 *   wait PID         waits for a process that bg or spawn started
 *   nics MAC...      loads the NIC modules and names the NIC with the Nth
 *                    MAC "link<N>"
 */
#include "qemu_image.h"

const char qemu_init_script[] =
	"#!/bin/sh\n"
	"# v6lab NUT init: mounts the kernel file systems and runs the agent.\n"
	"export PATH=/bin\n"
	"/bin/busybox --install -s /bin 2>/dev/null\n"
	"mount -t proc proc /proc\n"
	"mount -t sysfs sysfs /sys\n"
	"mount -t devtmpfs devtmpfs /dev\n"
	"mkdir -p /tmp /run\n"
	"# Room above 65535 so spawn can give a process any 16-bit id as its pid.\n"
	"echo 4194304 >/proc/sys/kernel/pid_max\n"
	"ip link set lo up\n"
	"/agent\n"
	"echo 'v6lab: the agent ended'\n"
	"poweroff -f\n";

const char qemu_agent_script[] =
	"#!/bin/sh\n"
	"# v6lab NUT agent (see qemu_agent.c in v6lab for the protocol).\n"
	"set -f\n"
	"port=/dev/ttyS1\n"
	"stty -F $port raw -echo 2>/dev/null\n"
	"exec 3<>$port\n"
	"say() { echo \"$*\" >&3; }\n"
	"lines() {\n"
	"\t[ -n \"$2\" ] || return 0\n"
	"\twhile IFS= read -r l; do say \"$1|$l\"; done <<EOF\n"
	"$2\n"
	"EOF\n"
	"}\n"
	"say \"v6lab-agent hello $(uname -r)\"\n"
	"while read -r seq cmd rest <&3; do\n"
	"\tset -- $rest\n"
	"\tcase \"$cmd\" in\n"
	"\tw)\n"
	"\t\tk=$1; shift\n"
	"\t\tif { echo \"$*\" >\"/proc/sys/$k\"; } 2>/dev/null; then say \"$seq ok\"\n"
	"\t\telse say \"$seq err cannot write /proc/sys/$k\"; fi ;;\n"
	"\tr)\n"
	"\t\t# Not the read built-in: a sysctl file gives nothing past a\n"
	"\t\t# partial read, and read takes a byte at a time.\n"
	"\t\tif v=$(cat \"/proc/sys/$1\" 2>/dev/null); then say \"$seq ok $v\"\n"
	"\t\telse say \"$seq err cannot read /proc/sys/$1\"; fi ;;\n"
	"\taddrs)\n"
	"\t\twhile read -r l; do say \"$seq|$l\"; done </proc/net/if_inet6\n"
	"\t\tsay \"$seq ok\" ;;\n"
	"\trun)\n"
	"\t\tout=$(\"$@\" 2>&1); rc=$?\n"
	"\t\tlines \"$seq\" \"$out\"\n"
	"\t\tif [ $rc = 0 ]; then say \"$seq ok\"; else say \"$seq err exit status $rc\"; fi ;;\n"
	"\tspawn)\n"
	"\t\t# The next fork after ns_last_pid=PID-1 gets PID when it is free;\n"
	"\t\t# the wrapper checks before exec, so a wrong pid sends nothing.\n"
	"\t\twant=$1; shift\n"
	"\t\tkill \"$want\" 2>/dev/null && wait \"$want\" 2>/dev/null\n"
	"\t\tn=0\n"
	"\t\twhile :; do\n"
	"\t\t\techo $((want - 1)) >/proc/sys/kernel/ns_last_pid\n"
	"\t\t\tsh -c '[ \"$$\" = \"$0\" ] || exit 111; exec \"$@\"' \"$want\" \"$@\" </dev/null >/dev/null 2>&1 3>&- &\n"
	"\t\t\t[ \"$!\" = \"$want\" ] && break\n"
	"\t\t\tn=$((n + 1))\n"
	"\t\t\t[ $n -lt 20 ] || break\n"
	"\t\tdone\n"
	"\t\techo 300 >/proc/sys/kernel/ns_last_pid\n"
	"\t\tif [ \"$!\" = \"$want\" ]; then say \"$seq ok $want\"; else say \"$seq err pid $want is taken\"; fi ;;\n"
	"\tnics)\n"
	"\t\te=\n"
	"\t\twhile read -r m; do\n"
	"\t\t\tout=$(insmod \"/lib/modules/$m\" 2>&1) || case \"$out\" in\n"
	"\t\t\t\t*xists*) ;;\n"
	"\t\t\t\t*) e=\"$e; $m: $out\" ;;\n"
	"\t\t\tesac\n"
	"\t\tdone </lib/modules/order\n"
	"\t\ti=0; bad=\n"
	"\t\tfor mac in \"$@\"; do\n"
	"\t\t\tt=0; dev=\n"
	"\t\t\twhile :; do\n"
	"\t\t\t\tset +f\n"
	"\t\t\t\tfor d in /sys/class/net/*; do\n"
	"\t\t\t\t\tread -r a <\"$d/address\" && [ \"$a\" = \"$mac\" ] && dev=${d##*/}\n"
	"\t\t\t\tdone\n"
	"\t\t\t\tset -f\n"
	"\t\t\t\t[ -n \"$dev\" ] && break\n"
	"\t\t\t\tt=$((t + 1)); [ $t -le 100 ] || break\n"
	"\t\t\t\tsleep 0.1\n"
	"\t\t\tdone\n"
	"\t\t\tif [ -z \"$dev\" ]; then bad=\"no interface has MAC $mac\"; break; fi\n"
	"\t\t\tif [ \"$dev\" != \"link$i\" ] && ! ip link set dev \"$dev\" name \"link$i\"; then\n"
	"\t\t\t\tbad=\"cannot rename $dev to link$i\"; break\n"
	"\t\t\tfi\n"
	"\t\t\ti=$((i + 1))\n"
	"\t\tdone\n"
	"\t\tif [ -n \"$bad\" ]; then say \"$seq err $bad$e\"; else say \"$seq ok\"; fi ;;\n"
	"\tsport)\n"
	"\t\t# sport PORT CMD...: CMD's first UDP socket gets source port PORT, the\n"
	"\t\t# only one left in the ephemeral range until the socket is seen.\n"
	"\t\tp=$1; shift\n"
	"\t\tkillall -q traceroute6 2>/dev/null\n"
	"\t\told=$(cat /proc/sys/net/ipv4/ip_local_port_range)\n"
	"\t\techo \"$p $p\" >/proc/sys/net/ipv4/ip_local_port_range\n"
	"\t\t\"$@\" </dev/null >/dev/null 2>&1 3>&- &\n"
	"\t\thex=$(printf ':%04X ' \"$p\"); t=0; seen=\n"
	"\t\twhile [ $t -lt 60 ]; do\n"
	"\t\t\twhile read -r sl la rest; do\n"
	"\t\t\t\tcase \"$la \" in *\"$hex\") seen=1 ;; esac\n"
	"\t\t\tdone </proc/net/udp6\n"
	"\t\t\t[ -n \"$seen\" ] && break\n"
	"\t\t\tsleep 0.05; t=$((t + 1))\n"
	"\t\tdone\n"
	"\t\techo \"$old\" >/proc/sys/net/ipv4/ip_local_port_range\n"
	"\t\tif [ -n \"$seen\" ]; then say \"$seq ok\"; else say \"$seq err no UDP socket on port $p\"; fi ;;\n"
	"\tbg)\n"
	"\t\t\"$@\" </dev/null >/dev/null 2>&1 3>&- &\n"
	"\t\tsay \"$seq ok $!\" ;;\n"
	"\twait)\n"
	"\t\twait \"$1\" 2>/dev/null\n"
	"\t\tsay \"$seq ok\" ;;\n"
	"\thello) say \"$seq ok $(uname -r)\" ;;\n"
	"\t*) say \"$seq err unknown command '$cmd'\" ;;\n"
	"\tesac\n"
	"done\n";
