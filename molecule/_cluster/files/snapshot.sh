#!/bin/bash
# Everything the roles manage on one host, as text: molecule/_cluster/tasks/snapshot.yml runs
# it on every host of the cluster at once (tests/lab/snapshot.py).
set -o pipefail
{
ipvsadm -Sn 2>/dev/null || true
nft list ruleset 2>/dev/null | grep -v '^\s*#' || true
arptables-legacy -L -n 2>/dev/null || true
ip -o address | awk '{print $2, $3, $4}'   # one line per address: order is not state
ip route; ip -6 route
# the NAT replies' policy routing (real_server role): its rules and table
ip rule; ip -6 rule; ip route show table 32701 2>/dev/null; ip -6 route show table 32701 2>/dev/null
# the vs knobs the router role sets (not all of net.ipv4.vs: sync_qlen_max, for one,
# is computed from free memory when ip_vs loads, and differs from boot to boot)
sysctl -a 2>/dev/null | grep -E \
  -e '^net\.ipv4\.(ip_forward|vs\.(conntrack|expire_nodest_conn|expire_quiescent_template|sync_threshold|sync_refresh_period|sync_retries)) ' \
  -e '^net\.ipv4\.conf\.(all|lo|vec[0-9]|tunl0)\.(arp_|rp_filter)' || true
# the units the collection enabled (their links; ip_address and the boot files make them)
find /etc/systemd/system -path '*.wants/lvs-cluster*' -printf '%p -> %l\n' 2>/dev/null
md5sum /etc/keepalived/keepalived.conf \
  /etc/ipvsadm.rules /etc/default/ipvsadm /etc/lvs-cluster/* /etc/lvs-cluster/*/* /etc/sysctl.d/*lvs* /etc/modules-load.d/*lvs* 2>/dev/null || true
} | LC_ALL=C sort
