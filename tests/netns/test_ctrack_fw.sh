#!/bin/sh
# ctrack as a stateful firewall: client ns -- router ns -- server ns over
# veth pairs, `ctrack daemon --nfqueue` in the router with a rule file,
# iptables/ip6tables sending FORWARD to the queue; a second daemon watches
# the server's link passively (--link). Checks the verdicts (allowed and
# dropped new connections, return traffic, ICMPv6 echo), the control socket
# (list and its filters, get, delete, update, events, stats, error replies
# to bad requests, mode 0600, peers of another uid refused), SIGHUP reloads
# (a bad file keeps the rules) and a clean exit on SIGTERM. Everything it
# makes is removed at the end, also on failure. TAP output; needs root.
# usage: test_ctrack_fw.sh PATH/TO/ctrack
set -u
CTRACK=${1:?usage: test_ctrack_fw.sh PATH/TO/ctrack}
case $CTRACK in /*) ;; *) CTRACK=$(pwd)/$CTRACK ;; esac

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 0
fi
for tool in ip iptables ip6tables socat ping setpriv; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "1..0 # SKIP $tool missing (make deps)"
		exit 0
	fi
done
PY=/usr/bin/python3
[ -x $PY ] || PY=python3

C=ctfw$$c
R=ctfw$$r
S=ctfw$$s
Q=$((1000 + $$ % 1000))
T=$(mktemp -d /tmp/ctfw.XXXXXX)
SOCK=$T/ctrack.sock
LSOCK=$T/link.sock
RULES=$T/rules
FWPID=
LINKPID=
EVPID=
PIDS=

n=0
failed=0
ok() { # STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}
check() { # DESCRIPTION COMMAND...
	d=$1
	shift
	if "$@" >/dev/null 2>&1; then ok 0 "$d"; else ok 1 "$d"; fi
}
diag() { sed 's/^/# /' "$@"; }

cleanup() {
	for p in $EVPID $PIDS $FWPID $LINKPID; do
		kill "$p" 2>/dev/null
	done
	for ns in $C $R $S; do
		for p in $(ip netns pids $ns 2>/dev/null); do
			kill "$p" 2>/dev/null
		done
	done
	sleep 0.2
	ip netns exec $R iptables -D FORWARD -j NFQUEUE --queue-num $Q 2>/dev/null
	ip netns exec $R ip6tables -D FORWARD -j NFQUEUE --queue-num $Q 2>/dev/null
	for ns in $C $R $S; do
		ip netns del $ns 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ctl() { "$CTRACK" "$@" --socket "$SOCK"; }
in_c() { ip netns exec $C "$@"; }
# TCP to the server through the router: prints what the echo server sent back.
tcp() { # FAMILY ADDR PORT
	echo "hello-$3" | in_c timeout 5 socat -t 2 - "TCP$1:$2:$3,connect-timeout=2" 2>/dev/null
}
wait_for() { # FILE: up to 5 s for it to appear
	i=0
	while [ ! -e "$1" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$1" ]
}

# ---- topology ----
setup() {
	ip netns add $C && ip netns add $R && ip netns add $S || return 1
	# no duplicate address detection, link-local addresses included: the
	# first packets must not wait for it
	for ns in $C $R $S; do
		ip netns exec $ns sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 || return 1
	done
	ip link add c0 netns $C type veth peer name r0 netns $R || return 1
	ip link add r1 netns $R type veth peer name s0 netns $S || return 1
	for ns in $C $R $S; do
		ip -n $ns link set lo up
	done
	ip -n $C link set c0 up && ip -n $R link set r0 up && ip -n $R link set r1 up &&
		ip -n $S link set s0 up || return 1
	ip -n $C addr add 2001:db8:1::2/64 dev c0 nodad &&
		ip -n $C addr add 192.0.2.2/24 dev c0 &&
		ip -n $R addr add 2001:db8:1::1/64 dev r0 nodad &&
		ip -n $R addr add 192.0.2.1/24 dev r0 &&
		ip -n $R addr add 2001:db8:2::1/64 dev r1 nodad &&
		ip -n $R addr add 198.51.100.1/24 dev r1 &&
		ip -n $S addr add 2001:db8:2::2/64 dev s0 nodad &&
		ip -n $S addr add 198.51.100.2/24 dev s0 || return 1
	ip -n $C route add default via 192.0.2.1 &&
		ip -n $C -6 route add default via 2001:db8:1::1 &&
		ip -n $S route add default via 198.51.100.1 &&
		ip -n $S -6 route add default via 2001:db8:2::1 || return 1
	ip netns exec $R sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	# the links answer (and the neighbours are known) before the tests
	ip netns exec $C ping -6 -c 1 -W 3 2001:db8:1::1 && ip netns exec $C ping -c 1 -W 3 192.0.2.1 &&
		ip netns exec $S ping -6 -c 1 -W 3 2001:db8:2::1 &&
		ip netns exec $S ping -c 1 -W 3 198.51.100.1
}
if ! setup >$T/setup.log 2>&1; then
	ok 1 "namespaces and veth links set up"
	diag $T/setup.log
	echo "1..$n"
	exit 1
fi
ok 0 "namespaces and veth links set up"

# servers: echo on TCP 80, 8080, 2222 and UDP 53
for port in 80 8080 2222; do
	ip netns exec $S socat TCP6-LISTEN:$port,fork,reuseaddr EXEC:cat 2>/dev/null &
	PIDS="$PIDS $!"
done
ip netns exec $S socat UDP6-LISTEN:53,fork,reuseaddr EXEC:cat 2>/dev/null &
PIDS="$PIDS $!"
i=0
while [ "$(ip netns exec $S ss -Hltn 2>/dev/null | grep -cE ':(80|8080|2222) ')" != 3 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done

cat >$RULES <<'EOF'
# the test's firewall
accept established,related
drop invalid
accept new proto tcp dport 80
accept new proto udp dport 53 dst 2001:db8:2::/64
accept new proto icmpv6
drop                       # default
EOF
check "the rule file reads (--check)" "$CTRACK" daemon --check --rules $RULES
# bad rule files: status 2 and FILE:LINE: what
bad_rule() { # DESCRIPTION LINE EXPECTED-MESSAGE
	printf 'accept established\n%s\n' "$2" >$T/bad.rules
	"$CTRACK" daemon --check --rules $T/bad.rules >/dev/null 2>$T/bad.err
	st=$?
	if [ $st = 2 ] && grep -qF "bad.rules:2: $3" $T/bad.err; then ok 0 "$1"; else
		ok 1 "$1"
		diag $T/bad.err
	fi
}
bad_rule "a rule file: unknown action" "allow new" "a rule starts with accept or drop"
bad_rule "a rule file: unknown match" "accept new port 80" "unknown match 'port'"
bad_rule "a rule file: ports without a protocol" "accept new dport 80" "ports need 'proto'"
bad_rule "a rule file: icmp with an IPv6 prefix" "accept proto icmp src 2001:db8::/32" "icmp does not go with IPv6"
bad_rule "a rule file: mixed address families" "accept src 192.0.2.0/24 dst 2001:db8::1" "src and dst of different IP versions"
bad_rule "a rule file: a match given twice" "drop proto tcp proto udp" "'proto' given twice"
bad_rule "a rule file: a bad prefix length" "drop src 2001:db8::/129" "bad src"
bad_rule "a rule file: a missing value" "drop dport" "'dport' wants a value"

ip netns exec $R "$CTRACK" daemon --nfqueue $Q --rules $RULES --socket "$SOCK" -v \
	>$T/fw.log 2>&1 &
FWPID=$!
ip netns exec $S "$CTRACK" daemon --link s0 --socket "$LSOCK" >$T/link.log 2>&1 &
LINKPID=$!
wait_for "$SOCK"
ok $? "the firewall daemon makes its control socket"
wait_for "$LSOCK"
ok $? "the link monitor makes its control socket"
check "the socket has mode 0600" test "$(stat -c %a "$SOCK")" = 600
ip netns exec $R iptables -A FORWARD -j NFQUEUE --queue-num $Q &&
	ip netns exec $R ip6tables -A FORWARD -j NFQUEUE --queue-num $Q
ok $? "iptables and ip6tables send FORWARD to NFQUEUE $Q"

ctl events -o id >$T/events.txt 2>$T/events.err &
EVPID=$!
sleep 0.3

# ---- verdicts ----
check "TCP over IPv6 to the allowed port 80 goes through (echo comes back)" \
	test "$(tcp 6 '[2001:db8:2::2]' 80)" = hello-80
check "TCP over IPv4 to port 80 goes through" test "$(tcp 4 198.51.100.2 80)" = hello-80
check "TCP to port 8080 (no rule) is dropped" test -z "$(tcp 6 '[2001:db8:2::2]' 8080)"
check "TCP to port 2222 (no rule) is dropped" test -z "$(tcp 4 198.51.100.2 2222)"
check "ICMPv6 echo is allowed and its reply passes" in_c ping -6 -c 1 -W 2 2001:db8:2::2
check "ICMP (IPv4) echo is dropped" test "$(in_c ping -c 1 -W 1 198.51.100.2 >/dev/null 2>&1; echo $?)" != 0
check "UDP to port 53 in 2001:db8:2::/64 goes through and back" \
	test "$(echo q53 | in_c timeout 5 socat -T 2 - 'UDP6:[2001:db8:2::2]:53' 2>/dev/null)" = q53

# fragments: the client's kernel cuts a 3000-byte datagram in three; the
# firewall holds the first ones until the last decides for the packet
BIG=$(head -c 3000 /dev/zero | tr '\0' x)
check "a fragmented UDP datagram goes through and its fragmented echo comes back" \
	test "$(printf %s "$BIG" | in_c timeout 5 socat -T 2 - 'UDP6:[2001:db8:2::2]:53' 2>/dev/null)" = "$BIG"
check "the fragments waited for the verdict of their packet" \
	$PY -c 'import json,sys; s=json.loads(sys.stdin.readline()); assert s["daemon"]["held"]>=2, s["daemon"]' \
	<"$(ctl stats --json >$T/stats0.json 2>/dev/null; echo $T/stats0.json)"

# a connection left open: the client keeps it until killed
in_c $PY -c '
import socket, sys, time
s = socket.create_connection(("2001:db8:2::2", 80), timeout=3)
s.sendall(b"long\n")
s.recv(16)
sys.stdout.write("up\n"); sys.stdout.flush()
time.sleep(60)' >$T/long.out 2>&1 &
LONGPID=$!
PIDS="$PIDS $LONGPID"
i=0
while [ "$(cat $T/long.out 2>/dev/null)" != up ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "a long-lived TCP connection is open" test "$(cat $T/long.out)" = up

# ---- list and its filters ----
ctl list >$T/list.txt 2>$T/list.err
ok $? "ctrack list works"
check "list shows an ESTABLISHED ASSURED TCP entry to port 80" \
	grep -q '^tcp  *6 [0-9]* ESTABLISHED src=2001:db8:1::2 dst=2001:db8:2::2 sport=[0-9]* dport=80 .*\[ASSURED\]' $T/list.txt
check "list shows the ICMPv6 echo" grep -q '^icmpv6 *58 [0-9]* src=2001:db8:1::2 dst=2001:db8:2::2 type=128' $T/list.txt
check "list shows the UDP exchange" grep -q '^udp .* dport=53 ' $T/list.txt
check "a dropped connection leaves no entry (8080)" test -z "$(grep 'dport=8080' $T/list.txt)"
check "a dropped connection leaves no entry (2222)" test -z "$(grep 'dport=2222' $T/list.txt)"
check "list ends with the conntrack-style count" grep -q 'flow entries have been shown' $T/list.err
ctl list --dport 80 >$T/l80.txt 2>/dev/null
check "list --dport 80 shows only port 80" test -s $T/l80.txt -a -z "$(grep -v 'dport=80 ' $T/l80.txt)"
check "list --dport 80 shows the IPv4 connection too" grep -q 'src=192.0.2.2 dst=198.51.100.2' $T/l80.txt
check "list --family ipv4 --dport 80 shows IPv4 only" \
	test -z "$(ctl list --family ipv4 --dport 80 2>/dev/null | grep -v 'src=192.0.2.2')"
check "list --state ESTABLISHED finds the open connection" \
	test "$(ctl list --state ESTABLISHED 2>/dev/null | wc -l)" = 1
ctl list --src 2001:db8:1::/64 --proto udp >$T/udp.txt 2>/dev/null
check "list --src 2001:db8:1::/64 --proto udp shows the two UDP exchanges only" \
	test "$(grep -c '^udp .* dport=53 ' $T/udp.txt)" = 2 -a "$(wc -l <$T/udp.txt)" = 2
check "list --dst 198.51.100.0/24 --proto udp is empty (no IPv4 UDP)" \
	test -z "$(ctl list --dst 198.51.100.0/24 --proto udp 2>/dev/null)"
check "list --status assured has the echoed TCP" \
	test -n "$(ctl list --status assured --dport 80 2>/dev/null)"
ctl list --json --state ESTABLISHED >$T/est.json 2>/dev/null
ID=$($PY -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["id"])' $T/est.json 2>/dev/null)
check "list --json gives the entry's id" test -n "$ID"
check "list --json entries are JSON with the TCP state" \
	$PY -c 'import json,sys; e=json.loads(open(sys.argv[1]).readline()); assert e["state"]=="ESTABLISHED" and e["original"]["dport"]==80' $T/est.json
check "list -o id prints id=" grep -q "id=$ID\$" "$(ctl list -o id --state ESTABLISHED >$T/lid.txt 2>/dev/null; echo $T/lid.txt)"
check "the link monitor saw the port 80 connections" test -n "$("$CTRACK" list --socket "$LSOCK" --dport 80 2>/dev/null)"

# ---- get, update, delete ----
check "get ID shows the connection" test -n "$(ctl get "$ID" 2>/dev/null | grep 'dport=80')"
SP=$($PY -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["original"]["sport"])' $T/est.json 2>/dev/null)
check "get by tuple finds it" test -n "$(ctl get --src 2001:db8:1::2 --dst 2001:db8:2::2 -p tcp --sport "$SP" --dport 80 2>/dev/null)"
check "update ID --set-mark 7" ctl update "$ID" --set-mark 7
check "list --mark 7 shows the updated connection only" \
	test "$(ctl list --mark 7 2>/dev/null | grep -c "mark=7")" = 1
ctl delete "$ID" >/dev/null 2>&1
ok $? "delete ID removes the connection"
check "get of the deleted id fails" test "$(ctl get "$ID" >/dev/null 2>&1; echo $?)" = 1
check "the other port 80 entries stay" test -n "$(ctl list --dport 80 2>/dev/null)"
kill $LONGPID 2>/dev/null

# ---- events ----
sleep 0.3
check "events saw NEW" grep -q '^ *\[NEW\] tcp .*dport=80' $T/events.txt
check "events saw the DESTROY of the deleted id" grep -q "^ *\[DESTROY\] tcp .* id=$ID\$" $T/events.txt
check "events saw no entry for the dropped ports" test -z "$(grep -E 'dport=(8080|2222)' $T/events.txt)"
kill $EVPID 2>/dev/null
EVPID=

# ---- bad requests ----
cat >$T/bad.txt <<'EOF'
not json
{"cmd":"nope"}
{"cmd":"list","bogus":1}
{"cmd":"list","filter":{"dport":"80"}}
{"cmd":"list","filter":{"src":"2001:db8::/129"}}
{"cmd":"get","id":-1}
[1,2]
{"cmd":"delete","filter":{}}
{"cmd":"update","id":1}
{"cmd":"list","filter":{"dport":80},"filter":{"dport":81}}
{"cmd":"list","text":"yes"}
{"cmd":5}
{"cmd":"stats"}
EOF
timeout 5 socat -t 2 - UNIX-CONNECT:"$SOCK" <$T/bad.txt >$T/bad.out 2>&1
check "every bad request gets an error reply" test "$(grep -c '"ok":false,"error":' $T/bad.out)" = 12
check "the good request after them is answered" test "$(tail -n 1 $T/bad.out | grep -c '"ok":true')" = 1
printf '{"cmd":"list","filter":{"dport":80}}\n{"cmd":"stats"}\n' |
	timeout 5 socat -t 2 - UNIX-CONNECT:"$SOCK" >$T/pipe.out 2>&1
check "requests sent together are answered in order (list, then stats)" \
	$PY -c 'import json,sys
r=[json.loads(l) for l in open(sys.argv[1])]
assert len(r)>=3 and "entry" in r[0] and r[-2]["count"]==len(r)-2 and "table" in r[-1], r' $T/pipe.out
head -c 10000 /dev/zero | tr '\0' a | timeout 5 socat -t 2 - UNIX-CONNECT:"$SOCK" >$T/long.out 2>&1
check "an over-long line gets an error reply" grep -q 'longer than' $T/long.out
check "the daemon lives on after the bad requests" kill -0 $FWPID
check "ctrack stats works" ctl stats
check "stats --json counts dropped packets" \
	$PY -c 'import json,sys; s=json.loads(sys.stdin.readline()); assert s["daemon"]["dropped"]>0 and s["rules"]["list"][0]["hits"]>0' \
	<"$(ctl stats --json >$T/stats.json 2>/dev/null; echo $T/stats.json)"
chmod 711 "$T"
chmod 666 "$SOCK"
# (the refusal comes at once: the peer only reads)
setpriv --reuid=65534 --regid=65534 --clear-groups \
	timeout 5 socat -u UNIX-CONNECT:"$SOCK" - >$T/peer.out 2>&1
chmod 600 "$SOCK"
chmod 700 "$T"
check "a peer of another uid is refused (SO_PEERCRED)" grep -q 'permission denied' $T/peer.out

# ---- SIGHUP ----
sed 's/^drop  *#.*/accept new proto tcp dport 8080\n&/' $RULES >$T/rules2
mv $T/rules2 $RULES
kill -HUP $FWPID
sleep 0.5
check "after SIGHUP the new rule lets port 8080 through" test "$(tcp 6 '[2001:db8:2::2]' 8080)" = hello-8080
printf 'accept established\naccept new proto tcp dport 8080\naccept new proto tcp dport 99999\n' >$RULES
kill -HUP $FWPID
sleep 0.5
check "a bad rule file is reported with file:line" grep -q "rules:3: bad dport" $T/fw.log
check "... and the rules in force stay (8080 still allowed, 2222 still dropped)" \
	test "$(tcp 6 '[2001:db8:2::2]' 8080)" = hello-8080 -a -z "$(tcp 4 198.51.100.2 2222)"

# ---- flush and exit ----
check "flush empties the table" ctl flush
check "the table is empty after flush" test -z "$(ctl list 2>/dev/null)"
kill -TERM $FWPID
wait $FWPID
ok $? "SIGTERM ends the firewall daemon with status 0"
FWPID=
check "the socket file is removed" test ! -e "$SOCK"
kill -TERM $LINKPID
wait $LINKPID
ok $? "SIGTERM ends the link monitor with status 0"
LINKPID=
check "the link monitor's socket file is removed" test ! -e "$LSOCK"
if [ $failed != 0 ]; then
	echo "# firewall log:"
	diag $T/fw.log
	echo "# link monitor log:"
	diag $T/link.log
fi
echo "1..$n"
[ $failed = 0 ]
