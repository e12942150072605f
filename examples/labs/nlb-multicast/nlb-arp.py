#!/usr/bin/python3
"""Answer as a Microsoft NLB node in multicast mode does: an ARP reply for
the cluster IP whose sender hardware address is the cluster's multicast MAC.

nlb-arp.py CLUSTER_IP CLUSTER_MAC TARGET_IP TARGET_MAC (sent from eth0)
"""
import socket
import sys


def mac(text):
    return bytes.fromhex(text.replace(".", "").replace(":", "").replace("-", ""))


cip, cmac, tip, tmac = socket.inet_aton(sys.argv[1]), mac(sys.argv[2]), socket.inet_aton(sys.argv[3]), mac(sys.argv[4])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
own = s.getsockname()[4]
arp = b"\x00\x01\x08\x00\x06\x04\x00\x02" + cmac + cip + tmac + tip
# The Ethernet source is the node's own MAC: NLB puts the cluster MAC only
# in the ARP payload.
s.send(tmac + own + b"\x08\x06" + arp.ljust(46, b"\0"))
print("ARP reply: %s is-at %s" % (sys.argv[1], sys.argv[2]))
